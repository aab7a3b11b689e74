// TelnyxApi: an in-memory, stateful emulator of the part of Telnyx's Mission Control API v2
// a SIP trunk registry needs: FQDN connections (/v2/fqdn_connections, the trunk), FQDNs
// (/v2/fqdns, where Telnyx sends inbound calls) and routing the account's phone numbers to a
// connection (/v2/phone_numbers). Bearer authentication with an API key, JSON:API-style
// envelopes ({"data"}, list "meta"), page[number]/page[size] paging, filter[...] query
// parameters and Telnyx's error envelope ({"errors": [{code, title, detail, source}]}).
// Facts: the fact sheet docs/telnyx.md; the choices made where Telnyx's behaviour is unknown:
// README.md. `quirks` switches between what live clients report (docs/telnyx.md §10, §11)
// and what the OpenAPI file says.
//
// Thread-safety: safe for concurrent use; one mutex guards all state.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "trunkline/http/http.h"

namespace trunkline::emulator {

// One Telnyx account, known by its API key (sent as "Authorization: Bearer <api_key>").
struct TelnyxAccount {
  std::string api_key;
  // The account's phone numbers in E.164 ("+15550010001"). Empty: the emulator provisions
  // TelnyxOptions::numbers_per_account numbers, +1555 AAA NNNN where AAA is the account's
  // place in `accounts` (from 001) and NNNN the number's (from 0001).
  std::vector<std::string> phone_numbers;
};

struct TelnyxOptions {
  std::vector<TelnyxAccount> accounts;
  int numbers_per_account = 5;  // for accounts given without numbers; 0 to 9999
  // The live behaviour (docs/telnyx.md §10): the outbound auth method is answered as
  // `fqdn_authentication_method` (either key accepted); `user_name` and `password` are
  // writable; an outbound voice profile is refused until outbound auth is configured; FQDNs
  // answer `connection_id` as a JSON number and store `dns_record_type` lower-cased; fields
  // the API does not take (unknown, read-only, create-only on update) are ignored.
  // false: as the OpenAPI file says, and such fields are refused with 422.
  bool quirks = true;
  uint64_t seed = 1;  // ids are drawn from it: the same seed and requests give the same ids
};

class TelnyxApi {
 public:
  // REQUIRES: every api_key non-empty and distinct; at most 999 accounts.
  explicit TelnyxApi(TelnyxOptions options);
  ~TelnyxApi();
  TelnyxApi(const TelnyxApi&) = delete;
  TelnyxApi& operator=(const TelnyxApi&) = delete;

  // Answers one request whose path starts with /v2/. `base_url` ("http://host:port") is
  // where the client reached us; unused, as Telnyx's answers carry no URLs of their own.
  http::Response Handle(const http::Request& request, const std::string& base_url);

  // The name of the account whose API key the request carries ("account-1" for the first
  // of TelnyxOptions::accounts), if the key is valid. Names, not keys, key the state dump.
  std::optional<std::string> AccountOf(const http::Request& request) const;

  // {"quirks": bool, "accounts": {name: {"fqdn_connections", "fqdns", "phone_numbers"}}},
  // with secret fields (password, ip_authentication_token) left out.
  boost::json::value Dump() const;
  // Forgets every connection and FQDN and detaches every number (numbers keep their ids);
  // ids are drawn from the seed again. Accounts and quirks stay.
  void Reset();
  void set_quirks(bool on);
  bool quirks() const;

  struct State;  // the accounts, their resources and the request handlers (telnyx_state.h)

 private:
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
};

}  // namespace trunkline::emulator
