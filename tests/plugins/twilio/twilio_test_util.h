// Helpers of the Twilio adapter's tests: reference answers, sids, a host loop, and a tiny
// in-memory Twilio (Trunking v1) that answers the adapter's requests without a network.
#pragma once

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "trunkline/plugin_sdk/host_loop.h"
#include "twilio_sync.h"

namespace trunkline::twilio::testing {

using plugin_sdk::DesiredTrunk;
using plugin_sdk::Fields;
using plugin_sdk::HttpRequest;
using plugin_sdk::HttpResponse;
using plugin_sdk::Observation;
using plugin_sdk::Step;
using plugin_sdk::StepKind;

// A reference answer from tests/plugins/twilio/data (see its README.md for the sources).
inline std::string Data(const std::string& name) {
  std::ifstream in(std::string(TWILIO_TEST_DATA) + "/" + name);
  if (!in) throw std::runtime_error("cannot read test data " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `prefix` followed by 32 hex digits made from n.
inline std::string Sid(const char* prefix, unsigned n) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%032x", n);
  return prefix + std::string(hex);
}

inline HttpResponse Answer(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

inline std::string ErrorBody(int code, const std::string& message, int status) {
  return boost::json::serialize(boost::json::object{
      {"code", code},
      {"message", message},
      {"more_info", "https://www.twilio.com/docs/errors/" + std::to_string(code)},
      {"status", status}});
}

// Form decoding, written apart from the adapter's so the two check each other.
inline std::map<std::string, std::string> DecodeForm(const std::string& body) {
  std::map<std::string, std::string> out;
  std::stringstream in(body);
  std::string pair;
  const auto decode = [](const std::string& s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        o += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        o += s[i] == '+' ? ' ' : s[i];
      }
    }
    return o;
  };
  while (std::getline(in, pair, '&')) {
    const size_t eq = pair.find('=');
    out[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
  }
  return out;
}

// Twilio's state for one account, as far as the adapter can see and change it.
class FakeTwilio {
 public:
  struct Trunk {
    // snake_case JSON names; a new trunk's values as Twilio makes them.
    std::map<std::string, boost::json::value> fields = {
        {"friendly_name", nullptr},         {"domain_name", nullptr},
        {"disaster_recovery_url", nullptr}, {"disaster_recovery_method", "POST"},
        {"transfer_mode", "disable-all"},   {"secure", false},
        {"cnam_lookup_enabled", false},     {"transfer_caller_id", "from-transferee"}};
    std::string mode = "do-not-record", trim = "do-not-trim";
    std::map<std::string, std::map<std::string, boost::json::value>> origination_urls;
    std::map<std::string, std::set<std::string>> associations;  // segment -> sids
  };

  explicit FakeTwilio(int page_size) : page_size_(page_size) {}

  HttpResponse Handle(const HttpRequest& r);

  std::map<std::string, Trunk> trunks;
  std::vector<HttpRequest> requests;  // every request answered
  std::set<std::string> known_sids;   // PN, CL, AL sids of the account (others: 404 on attach)

  std::string NewSid(const char* prefix) { return Sid(prefix, ++next_); }

 private:
  boost::json::object TrunkJson(const std::string& sid, const Trunk& t) const;
  HttpResponse List(const HttpRequest& r, const std::string& key,
                    const std::vector<std::pair<std::string, boost::json::value>>& items) const;
  HttpResponse NotFound(const std::string& path) const {
    return Answer(404, ErrorBody(20404, "The requested resource " + path + " was not found", 404));
  }
  HttpResponse Trunks(const HttpRequest& r, const std::vector<std::string>& parts);
  HttpResponse Part(const HttpRequest& r, Trunk& t, const std::string& sid,
                    const std::vector<std::string>& parts);

  int page_size_;
  unsigned next_ = 0x1000;
};

using LoopResult = plugin_sdk::HostLoopResult;
using plugin_sdk::Seed;

// The host's loop (plugin_sdk/host_loop.h) for one trunk, against `twilio`.
inline LoopResult RunLoop(const std::optional<DesiredTrunk>& desired, Observation observation,
                          FakeTwilio& twilio, int max_rounds) {
  return plugin_sdk::RunHostLoop(
      [](const std::optional<DesiredTrunk>& d, const Observation& o) { return Plan(d, o); },
      [](const plugin_sdk::AbsorbInput& in) { return Absorb(in); },
      [&](const HttpRequest& request) { return twilio.Handle(request); }, desired, std::move(observation),
      max_rounds);
}

// A desired trunk holding every settable field and sub-resource.
DesiredTrunk FullTrunk(const FakeTwilio& twilio);

}  // namespace trunkline::twilio::testing
