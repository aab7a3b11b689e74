// For a plugin's own tests: the host's sync loop for one trunk (ABI.md, "Sync"), run against
// an in-memory provider, so that an adapter's convergence is tested without trunkline or a
// network. The host does more (journaling, rate limits, retries with backoff, deadlines);
// this is its order of calls, which is what an adapter's answers depend on.
//
//   HostLoopResult r = RunHostLoop(
//       [](const auto& d, const Observation& o) { return myprovider::Plan(d, o); },
//       [](const AbsorbInput& in) { return myprovider::Absorb(in); },
//       [&](const HttpRequest& request) { return fake.Handle(request); },
//       desired, Seed(last), /*max_rounds=*/10);
//
// Also `PrintTo(const Step&)`, which GoogleTest finds for readable failures.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

#include "trunkline/plugin_sdk/sync.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

struct HostLoopResult {
  Observation observation;  // the last one
  int rounds = 0;           // rounds of steps sent
  size_t requests = 0;      // requests sent
  bool converged = false;   // a Plan call returned no steps
  std::optional<SyncError> error;
};

// What the host seeds an observation with: the remote ids the last sync recorded.
inline Observation Seed(const Observation& synced) {
  Observation o;
  o.remote_id = synced.remote_id;
  o.item_ids = synced.item_ids;
  return o;
}

// Plans, sends each step in order and absorbs its answer, until a Plan call returns no steps
// (converged), an answer is an error, or a Plan call returns steps after `max_rounds` rounds
// of them were sent (not converged). As the host's pass does: after an absorb that sets
// `lookup_done`, the first candidate is adopted (the host adopts the first one no other
// registry trunk holds; here there is no other), and an error ends it. The host tries a
// retryable error again in a later pass; when it was the answer to a trunk create, that pass
// is seeded with `create_pending` (the host journaled the create before sending it), which a
// test does by calling again with such an observation.
template <typename PlanFn, typename AbsorbFn, typename SendFn>
HostLoopResult RunHostLoop(PlanFn&& plan, AbsorbFn&& absorb, SendFn&& send,
                           const std::optional<DesiredTrunk>& desired, Observation observation,
                           int max_rounds) {
  HostLoopResult out;
  for (;;) {
    const std::vector<Step> steps = plan(desired, observation);
    if (steps.empty()) {
      out.converged = true;
      break;
    }
    if (out.rounds == max_rounds) break;
    ++out.rounds;
    for (const Step& step : steps) {
      const HttpResponse response = send(step.request);
      ++out.requests;
      AbsorbResult r = absorb(AbsorbInput{desired, observation, step, response});
      if (r.error) {
        out.error = std::move(r.error);
        break;
      }
      observation = std::move(*r.observation);
      if (observation.lookup_done) {
        if (!observation.candidates.empty()) {
          observation.remote_id = observation.candidates.front();
          observation.read = observation.exists = false;
        }
        observation.create_pending = observation.lookup_done = false;
        observation.candidates.clear();
      }
    }
    if (out.error) break;
  }
  out.observation = std::move(observation);
  return out;
}

// Readable test failures: a step as its kind, target, method, path, query and body.
inline void PrintTo(const Step& s, std::ostream* os) {
  *os << "{" << static_cast<int>(s.kind) << " " << s.target << ": " << s.request.method << " "
      << s.request.path;
  for (const auto& [n, v] : s.request.query) *os << " ?" << n << "=" << v;
  *os << " [" << s.request.body << "]}";
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
