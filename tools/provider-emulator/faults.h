// Fault injection for the emulators: what a faulty provider and network do to a request, and
// a seeded injector that decides, request by request, which faults strike.
//
// Thread-safety: FaultInjector is safe for concurrent use; FaultSpec is a value.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "trunkline/base/status.h"

namespace trunkline::emulator {

// The text form, used by --faults and the admin endpoint, is a comma-separated list of
// key=value pairs; every key is optional ("" = no faults):
//   latency=MS[+JITTER_MS]   added to every answer (jitter uniform in [0, JITTER_MS])
//   rate=N                   per-account limit: N requests/s (token bucket) else 429
//   burst=N                  the bucket's size (default: rate, at least 1)
//   retry-after=on|off       send Retry-After on 429 (default on)
//   errors=P                 share of requests answered 500 or 503 (half each), not applied
//   lost=P                   share of changes (POST, DELETE) applied whose answer is lost
//   lost-mode=drop|hold      lost = connection closed unanswered (default), or answer
//                            held for hold-ms (past the client's timeout)
//   hold-ms=MS               default 30000
//   reset=P                  share of requests whose connection is reset, not applied
// Shares P are in [0, 1].
struct FaultSpec {
  int latency_ms = 0;
  int jitter_ms = 0;
  double rate = 0;  // requests per second per account; 0 = unlimited
  double burst = 0;
  bool retry_after = true;
  double errors = 0;
  double lost = 0;
  bool lost_hold = false;
  int hold_ms = 30000;
  double reset = 0;

  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// kInvalidArgument naming the key and the rule.
Result<FaultSpec> ParseFaults(std::string_view text);
// The canonical text form (keys with their default values left out).
std::string FormatFaults(const FaultSpec& spec);

// What to do with one request.
struct FaultDecision {
  enum class Kind {
    kNone,         // answer normally
    kRateLimited,  // 429, not applied
    kReset,        // reset the connection, not applied
    kError500,     // 500, not applied
    kError503,     // 503, not applied
    kLost,         // apply, then lose the answer
  };
  Kind kind = Kind::kNone;
  std::chrono::milliseconds delay{0};  // latency to add
  int retry_after_s = 0;               // for kRateLimited when retry-after is on
  std::chrono::milliseconds hold{0};   // for kLost: hold the answer this long; 0 = drop it
};

const char* FaultName(FaultDecision::Kind kind);

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed, FaultSpec spec = {});

  // Decides the faults for one request of `account`; `changes` is whether it would change
  // state (only changes can be lost). Random draws happen in a fixed order per request, so
  // the same seed and sequence of requests give the same decisions (rate limiting also
  // depends on time).
  FaultDecision Decide(const std::string& account, bool changes);

  void set_spec(const FaultSpec& spec);  // also empties the rate limiter's buckets
  FaultSpec spec() const;
  // Starts the random sequence again from the seed, and empties the buckets.
  void Reseed();

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled;
  };

  const uint64_t seed_;
  mutable std::mutex mu_;
  FaultSpec spec_;
  std::mt19937_64 rng_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace trunkline::emulator
