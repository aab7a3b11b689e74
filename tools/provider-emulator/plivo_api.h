// An in-memory emulator of Plivo's Zentrunk (SIP trunking) REST API: Trunks, Credentials,
// IP access control lists and origination URIs under /v1/Account/{auth_id}/Zentrunk/, and
// routing a number to an inbound trunk with POST /v1/Account/{auth_id}/Number/{digits}/.
// Behaviour follows the fact sheet docs/plivo.md (§13's defaults where sources are silent);
// `quirks` switches between what live users report (§11) and what the docs say.
//
// Thread-safety: every public method may be called from any thread; one mutex guards all
// state.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "trunkline/http/http.h"

namespace trunkline::emulator {

struct PlivoOptions {
  std::vector<std::pair<std::string, std::string>> accounts;  // auth_id, auth_token
  // The live behaviour of docs/plivo.md §11/§13: trunk update needs trunk_direction, trunk
  // GET is wrapped in "object", the trunk create answer lacks trunk_domain, credential update
  // restates username and password, a URI password change restates authentication_needed
  // and username, and deleting a URI deletes the trunks using it. false: as documented.
  bool quirks = true;
  uint64_t seed = 1;  // ids (uuids, trunk ids) are drawn from this: same seed, same ids
};

class PlivoApi {
 public:
  explicit PlivoApi(PlivoOptions options);
  ~PlivoApi();
  PlivoApi(const PlivoApi&) = delete;
  PlivoApi& operator=(const PlivoApi&) = delete;

  // Answers one request whose path starts with /v1/Account/. `base_url` is "http://host:port"
  // as the client reached us; unused, because Plivo's meta.next/previous are relative paths.
  http::Response Handle(const http::Request& request, const std::string& base_url);
  // {"quirks": bool, "accounts": {auth_id: {"trunks", "credentials",
  // "ip_access_control_lists", "uris", "numbers"}}}, passwords excluded.
  boost::json::value Dump() const;
  // Forgets every resource; ids start again from the seed. Accounts and quirks stay.
  void Reset();
  void set_quirks(bool on);
  bool quirks() const;

 private:
  struct State;  // the accounts, their resources, and the id generators (plivo_api.cc)
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
};

}  // namespace trunkline::emulator
