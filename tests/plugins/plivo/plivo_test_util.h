// Helpers of the Plivo adapter's tests: reference answers, a host loop, and a tiny in-memory
// Plivo (Zentrunk trunks and the Number API's routing) that answers the adapter's requests
// without a network.
#pragma once

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "trunkline/plugin_sdk/host_loop.h"
#include "plivo_sync.h"

namespace trunkline::plivo::testing {

using plugin_sdk::DesiredTrunk;
using plugin_sdk::Fields;
using plugin_sdk::HttpRequest;
using plugin_sdk::HttpResponse;
using plugin_sdk::Observation;
using plugin_sdk::Step;
using plugin_sdk::StepKind;

// The auth id the host would put in place of {account_id}.
inline constexpr char kAuthId[] = "MAZJHZNMY1NZGWNTFKZA";

// A reference answer from tests/plugins/plivo/data (see its README.md for the sources).
inline std::string Data(const std::string& name) {
  std::ifstream in(std::string(PLIVO_TEST_DATA) + "/" + name);
  if (!in) throw std::runtime_error("cannot read test data " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline HttpResponse Answer(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

// Plivo's error body.
inline std::string ErrorBody(const std::string& error) {
  return boost::json::serialize(
      boost::json::object{{"api_id", "c8f4b2a6-0a43-11ef-9a3c-0242ac110002"}, {"error", error}});
}

// A uuid made from n.
inline std::string Uuid(unsigned n) {
  char text[37];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012x", n, n);
  return text;
}

// Plivo's state for one account, as far as the adapter can see and change it. With `quirks`
// it answers as live users report (trunk fetch wrapped in "object", create answer without
// trunk_domain, trunk update refused without trunk_direction); without, as documented.
class FakePlivo {
 public:
  struct Trunk {
    std::string id;
    boost::json::object fields;  // the settable fields, as Plivo's JSON
  };

  explicit FakePlivo(bool quirks, size_t page_size = 20) : quirks_(quirks), page_size_(page_size) {}

  // Answers `r`, whose path holds {account_id} as the adapter wrote it; checks what every
  // request must be (no credentials, JSON bodies with their Content-Type, trailing slash).
  HttpResponse Handle(const HttpRequest& r);

  // Makes a trunk as someone else would (through Plivo's console, say); returns its id.
  std::string Make(boost::json::object fields);
  const Trunk* Find(const std::string& id) const;
  Trunk* Find(const std::string& id);
  void Remove(const std::string& id);  // as a delete does: its numbers lose their routing

  std::vector<Trunk> trunks;                   // in creation (and listing) order
  std::map<std::string, std::string> numbers;  // the account's numbers -> trunk id ("": none)
  std::set<std::string> resources;             // uuids of the account's IP ACLs, credentials, URIs
  std::vector<HttpRequest> requests;           // every request answered
  // The next N trunk creates are made but answered 504, as when the answer is lost.
  int lose_create_answers = 0;

 private:
  HttpResponse Trunks(const HttpRequest& r, const std::string& id);
  HttpResponse Number(const HttpRequest& r, const std::string& digits);
  HttpResponse Write(const HttpRequest& r, Trunk* trunk);
  HttpResponse List(const HttpRequest& r);
  boost::json::object TrunkJson(const Trunk& t) const;

  bool quirks_;
  size_t page_size_;
  unsigned long long next_id_ = 21784177241578ULL;
};

// A request as the host sends it: {account_id} filled in.
inline HttpRequest WithAuthId(HttpRequest request) {
  const std::string placeholder = "{account_id}";
  if (size_t at = request.path.find(placeholder); at != std::string::npos) {
    request.path.replace(at, placeholder.size(), kAuthId);
  }
  return request;
}

using LoopResult = plugin_sdk::HostLoopResult;
using plugin_sdk::Seed;

// The host's loop (plugin_sdk/host_loop.h) for one trunk, against `plivo`.
inline LoopResult RunLoop(const std::optional<DesiredTrunk>& desired, Observation observation,
                          FakePlivo& plivo, int max_rounds) {
  return plugin_sdk::RunHostLoop(
      [](const std::optional<DesiredTrunk>& d, const Observation& o) { return Plan(d, o); },
      [](const plugin_sdk::AbsorbInput& in) { return Absorb(in); },
      [&](const HttpRequest& request) { return plivo.Handle(WithAuthId(request)); }, desired, std::move(observation),
      max_rounds);
}

}  // namespace trunkline::plivo::testing
