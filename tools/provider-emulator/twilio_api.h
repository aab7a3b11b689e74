// TwilioApi: an in-memory, stateful emulator of Twilio's Elastic SIP Trunking API
// (Trunking v1): all 24 operations of the official OpenAPI file, with Twilio's
// authentication, form-encoded parameters, paging, error bodies and validation rules. Facts:
// the fact sheet docs/twilio.md; the choices made where Twilio's behaviour is unknown:
// README.md.
//
// Thread-safety: safe for concurrent use (one mutex guards all state).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "trunkline/http/http.h"

namespace trunkline::emulator {

struct TwilioAccount {
  std::string account_sid;  // AC + 32 hex
  std::string auth_token;
};

struct TwilioApiKey {
  std::string key_sid;  // SK + 32 hex
  std::string secret;
  std::string account_sid;  // the account the key acts for
};

struct TwilioOptions {
  std::vector<TwilioAccount> accounts;
  std::vector<TwilioApiKey> api_keys;
  uint64_t seed = 1;  // SIDs are drawn from it: the same seed and requests give the same SIDs
};

class TwilioApi {
 public:
  explicit TwilioApi(TwilioOptions options);

  // Answers one request. `base_url` ("http://host:port") is where the client reached us:
  // every URL in an answer (meta, url, links) points back there.
  http::Response Handle(const http::Request& request, const std::string& base_url);

  // The account SID the request's credentials stand for, if they are valid.
  std::optional<std::string> AccountOf(const http::Request& request) const;

  // Every trunk with its sub-resources, by account.
  boost::json::value Dump() const;
  // Forgets every trunk; SIDs are drawn from the seed again.
  void Reset();

 private:
  struct OriginationUrl {
    std::string sid;
    int64_t weight = 10;
    int64_t priority = 10;
    bool enabled = true;
    std::string sip_url;
    std::string friendly_name;
    std::string date_created, date_updated;
  };
  // A credential list, IP access control list or phone number associated with a trunk.
  struct Association {
    std::string sid;
    std::string date_created;
  };
  struct Trunk {
    std::string sid;
    std::string account_sid;
    std::optional<std::string> domain_name, disaster_recovery_url, friendly_name;
    std::string disaster_recovery_method = "POST";
    bool secure = false;
    bool cnam_lookup_enabled = false;
    std::string transfer_mode = "disable-all";
    std::string transfer_caller_id = "from-transferee";
    std::string recording_mode = "do-not-record";
    std::string recording_trim = "do-not-trim";
    std::string date_created, date_updated;
    std::map<std::string, OriginationUrl> origination_urls;  // by SID (the list order)
    std::map<std::string, Association> credential_lists, ip_access_control_lists, phone_numbers;

    // The associations of one kind, by its path segment ("CredentialLists", ...).
    template <typename Self>
    static auto& Pick(Self& t, std::string_view segment) {
      if (segment == "CredentialLists") return t.credential_lists;
      if (segment == "IpAccessControlLists") return t.ip_access_control_lists;
      return t.phone_numbers;
    }
    std::map<std::string, Association>& Associated(std::string_view segment) {
      return Pick(*this, segment);
    }
    const std::map<std::string, Association>& Associated(std::string_view segment) const {
      return Pick(*this, segment);
    }
  };
  struct Call;  // one request being answered (twilio_api.cc)

  std::string NewSid(const char* prefix);  // REQUIRES: mu_ held

  http::Response Route(Call& call);
  http::Response TrunkCollection(Call& call);
  http::Response TrunkInstance(Call& call, Trunk& trunk);
  http::Response OriginationUrls(Call& call, Trunk& trunk, const std::string* sid);
  http::Response Associations(Call& call, Trunk& trunk, const std::string& kind,
                              const std::string* sid);
  http::Response Recording(Call& call, Trunk& trunk);

  boost::json::object TrunkJson(const Trunk& t, const std::string& base) const;
  boost::json::object OriginationUrlJson(const Trunk& t, const OriginationUrl& u,
                                         const std::string& base) const;
  boost::json::object AssociationJson(const Trunk& t, const std::string& kind, const Association& a,
                                      const std::string& base) const;

  const TwilioOptions options_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  using Trunks = std::map<std::string, Trunk>;  // by SID: the list order
  std::map<std::string, Trunks> accounts_;      // by account SID
  std::map<std::string, std::string> domains_;  // lower-cased domain name -> trunk SID
};

}  // namespace trunkline::emulator
