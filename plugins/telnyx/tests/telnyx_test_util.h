// Helpers of the Telnyx adapter's tests: reference answers (data/), expected steps, a host
// loop, and a small in-memory Telnyx (FQDN connections, FQDNs, phone-number routing) that
// answers the adapter's requests without a network.
#pragma once

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "trunkline/plugin_sdk/host_loop.h"
#include "telnyx_sync.h"

namespace trunkline::telnyx::testing {

using plugin_sdk::AbsorbInput;
using plugin_sdk::DesiredTrunk;
using plugin_sdk::Fields;
using plugin_sdk::HttpRequest;
using plugin_sdk::HttpResponse;
using plugin_sdk::NameValues;
using plugin_sdk::Observation;
using plugin_sdk::Step;
using plugin_sdk::StepKind;

// A reference answer from tests/data (see its README.md).
inline std::string Data(const std::string& name) {
  std::ifstream in(std::string(TELNYX_TEST_DATA) + "/" + name);
  if (!in) throw std::runtime_error("cannot read test data " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline HttpResponse Answer(int status, std::string body, NameValues headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return HttpResponse{status, std::move(headers), std::move(body)};
}

// The step the adapter should plan, with the headers every request of its method carries.
inline Step Expected(StepKind kind, std::string target, std::string method, std::string path,
                     std::string body = "", NameValues query = {}) {
  Step s{kind, std::move(target), {std::move(method), std::move(path), std::move(query), {}, ""}};
  s.request.headers = {{"Accept", "application/json"}};
  if (s.request.method == "POST" || s.request.method == "PATCH") {
    s.request.headers.emplace_back("Content-Type", "application/json");
  }
  s.request.body = std::move(body);
  return s;
}

// The query of a list page: the filters, then page[number] and page[size].
inline NameValues PageQuery(NameValues filters, int page = 1) {
  filters.emplace_back("page[number]", std::to_string(page));
  filters.emplace_back("page[size]", "250");
  return filters;
}

// Absorb's observation; throws when it answers an error.
inline Observation Absorbed(const std::optional<DesiredTrunk>& d, const Observation& o,
                            const Step& s, const HttpResponse& r) {
  plugin_sdk::AbsorbResult result = Absorb(AbsorbInput{d, o, s, r});
  if (result.error) throw std::runtime_error("unexpected error: " + result.error->message);
  return *result.observation;
}

// Telnyx's state for one account, as far as the adapter can see and change it, answering as
// the live API does (auth method as fqdn_authentication_method, FQDN connection_id as a
// number, dns_record_type lower-cased, an outbound profile refused before outbound auth, a
// connection in use refused on delete).
class FakeTelnyx {
 public:
  // Answers `r`; checks what every request must be (no credentials, JSON bodies with their
  // Content-Type, paths under /v2/).
  HttpResponse Handle(const HttpRequest& r);

  // Makes a connection as someone else would (through the portal, say); returns its id.
  std::string MakeConnection(boost::json::object fields);
  boost::json::object* Connection(const std::string& id);

  std::vector<boost::json::object> connections;  // in creation (and listing) order
  std::vector<boost::json::object> fqdns;
  std::vector<boost::json::object> numbers;  // {id, phone_number, connection_id}
  std::vector<HttpRequest> requests;         // every request answered
  size_t page_size_cap = 250;                // answers pages of at most this many
  int lose_create_answers = 0;  // the next N connection creates are made but answered 504

  void AddNumber(const std::string& e164);

 private:
  HttpResponse Connections(const HttpRequest& r, const std::string* id);
  HttpResponse Fqdns(const HttpRequest& r, const std::string* id);
  HttpResponse Numbers(const HttpRequest& r, const std::string* id);
  HttpResponse List(const HttpRequest& r, std::vector<boost::json::object> items);
  std::string NewId();
  unsigned long long next_id_ = 1293384261075731000ULL;
};

using LoopResult = plugin_sdk::HostLoopResult;
using plugin_sdk::Seed;

// The host's loop (plugin_sdk/host_loop.h) for one trunk, against `telnyx`.
inline LoopResult RunLoop(const std::optional<DesiredTrunk>& desired, Observation observation,
                          FakeTelnyx& telnyx, int max_rounds) {
  return plugin_sdk::RunHostLoop(
      [](const std::optional<DesiredTrunk>& d, const Observation& o) { return Plan(d, o); },
      [](const plugin_sdk::AbsorbInput& in) { return Absorb(in); },
      [&](const HttpRequest& request) { return telnyx.Handle(request); }, desired, std::move(observation),
      max_rounds);
}

}  // namespace trunkline::telnyx::testing
