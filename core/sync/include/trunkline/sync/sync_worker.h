// SyncWorker: brings providers in line with the registry. For every trunk whose registry
// version is ahead of what reached its provider (or that a periodic observe finds drifted),
// it runs the provider plugin's sans-IO adapter: plan the next requests, send them, absorb
// the answers, until the adapter plans nothing more. Every outcome is journaled on the trunk's
// "sync-<id>" stream (sync_events.h): create pending, synced, failed, parked, drift, deleted.
//
// What it promises:
//   - No duplicate remote trunks: a create is journaled as pending before it is sent; after an
//     answer that never came (a timeout, a crash) the adapter looks the trunk up first, and a
//     remote trunk another registry trunk holds is never adopted.
//   - Level-triggered and restartable: state is folded from the journal on start; a SIGKILL
//     loses nothing, and the next run picks up where the journal says.
//   - Per account: a request rate and a concurrency cap; a 429 pauses the account for its
//     Retry-After. Per trunk: exponential backoff with jitter; after max_attempts (or at once
//     for an error no retry can cure) the trunk is parked until RequestRetry. A failing trunk
//     never holds up the others.
//
// Thread-safety: Run/RunOnce on one thread; Stop, progress() from any thread.
// Ownership: the registry and transport must outlive the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trunkline/base/clock.h"
#include "trunkline/base/status.h"
#include "trunkline/http/http.h"
#include "trunkline/sync/accounts.h"
#include "trunkline/sync/sync_ledger.h"

namespace trunkline::registry {
class Registry;
}

namespace trunkline::sync {

// How requests reach providers (in production: http::ProviderClient; in tests, whatever
// records or fakes). `done` may be called on any thread, exactly once.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void AsyncSend(const std::string& base_url, http::Request request,
                         std::function<void(Result<http::Response>)> done) = 0;
};

// What the worker needs of a provider account (see accounts.h). `authorization` is a secret:
// it goes into the Authorization header and nowhere else.
struct AccountAccess {
  std::string base_url;
  std::string account_id;          // replaces "{account_id}" in request paths
  std::string authorization;       // the header's value; empty: none
  double requests_per_second = 0;  // 0: no rate limit
  uint32_t burst = 1;
  uint32_t max_concurrency = 0;  // requests in flight; 0: no cap
};

// kNotFound / kFailedPrecondition (an unknown alias, a secret not set): the trunk is parked
// with that message.
using AccountResolver =
    std::function<Result<AccountAccess>(const std::string& provider, const std::string& alias)>;

// The resolver of an Accounts (accounts.h): each alias resolved when first asked.
AccountResolver ResolverOf(std::shared_ptr<const Accounts> accounts);

struct SyncOptions {
  uint32_t concurrency = 32;  // trunks reconciled at once
  uint32_t max_attempts = 8;  // failed attempts before a trunk is parked
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{30'000};
  // How often a synced trunk is observed for drift; 0: never (RunOnce never does).
  std::chrono::milliseconds drift_interval{0};
  uint32_t max_steps = 2000;     // requests in one reconcile before it is failed as runaway
  std::string actor = "sync";    // the actor of journaled outcomes
  const Clock* clock = nullptr;  // nullptr = SystemClock()
  uint64_t random_seed = 0;      // backoff jitter; 0: from the clock
};

struct SyncProgress {
  uint64_t pending = 0;  // trunks that need work
  uint64_t in_flight = 0;
  uint64_t synced = 0;
  uint64_t failed = 0;
  uint64_t parked = 0;
  uint64_t requests = 0;  // sent since the start
  uint64_t responses_429 = 0;
};

// One request the worker would send (sync plan), with no secret in it.
struct PlannedRequest {
  std::string kind;    // read, lookup, create, update, delete
  std::string target;  // "trunk", "origination_urls/main", ...
  std::string method;
  std::string url;  // base URL and target
  std::string body;
};

struct TrunkPlan {
  std::string trunk_id;
  std::vector<PlannedRequest> reads;   // sent to observe (GETs)
  std::vector<PlannedRequest> writes;  // what would be sent next; empty: converged
  std::optional<Status> error;         // why no plan could be made
};

class SyncWorker {
 public:
  SyncWorker(registry::Registry& registry, Transport& transport, AccountResolver accounts,
             SyncOptions options);
  ~SyncWorker();

  // Reconciles every trunk that needs work, retrying failures with backoff, until each is
  // synced or parked (or Stop()). OK when all are synced; kFailedPrecondition naming the
  // parked ones otherwise.
  Status RunOnce();
  // Follows the journal and reconciles as changes come, observing for drift every
  // drift_interval, until Stop(); then lets in-flight requests finish and returns.
  Status Run();
  // Makes Run/RunOnce return after in-flight reconciles end. Any thread.
  void Stop();

  // The observe-first reads are sent; the writes that would follow are only listed.
  // `trunk_id` empty: every trunk that needs work.
  Result<std::vector<TrunkPlan>> Plan(const std::string& trunk_id);

  // Adopts the account's remote trunks the registry does not hold: each becomes a registry
  // trunk (id = its remote id) with a TrunkImported outcome. Nothing is sent but reads. A
  // remote trunk the registry cannot hold (a value its rules refuse) is listed in `refused`
  // and the others are still imported. Running it again imports nothing twice.
  struct ImportReport {
    std::vector<std::string> imported;      // trunk ids made
    std::vector<std::string> already_held;  // remote ids some registry trunk holds
    std::vector<Status> refused;
  };
  Result<ImportReport> Import(const std::string& provider, const std::string& account);

  SyncProgress progress() const;
  // Called after each journaled outcome and about once a second (from the worker's thread).
  void OnProgress(std::function<void(const SyncProgress&)> callback);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Unparks `trunk_id` (journals SyncRetryRequested). kNotFound for an unknown trunk.
Status RequestRetry(registry::Registry& registry, const std::string& trunk_id,
                    const std::string& actor);
// Sets the trunk's drift policy (journals SyncPolicySet).
Status SetDriftPolicy(registry::Registry& registry, const std::string& trunk_id, DriftPolicy policy,
                      const std::string& actor);

}  // namespace trunkline::sync
