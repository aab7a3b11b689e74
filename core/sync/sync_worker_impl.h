// The sync worker's inside, shared by sync_worker.cc (scheduling and reconciling) and
// sync_plan_import.cc (dry-run plans and imports). A private header of core/sync.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>

#include "sync_limiter.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/plugin_sdk/sync_codec.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::sync {
namespace worker_internal {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using plugin_sdk::Observation;
using plugin_sdk::Step;
using plugin_sdk::StepKind;
using Steady = std::chrono::steady_clock;
using internal::Limiter;

// The codec throws std::runtime_error on malformed plugin answers; here they become values.
template <typename F>
auto Decoded(const std::string& what, F decode) -> Result<decltype(decode())> {
  try {
    return decode();
  } catch (const std::exception& e) {
    return InternalError(what + ": " + e.what());
  }
}

// The request for `step`: "{account_id}" replaced, the query encoded, credentials added.
std::string Target(const Step& step, const AccountAccess& access);
http::Request RequestOf(const Step& step, const AccountAccess& access);
plugin_sdk::HttpResponse ResponseOf(const http::Response& r);
// A Retry-After in seconds (the HTTP-date form is not used by the providers).
std::optional<std::chrono::milliseconds> RetryAfter(const http::Response& r);
SyncErrorInfo ErrorOf(const Status& status);
SyncErrorInfo ErrorOf(const plugin_sdk::SyncError& e);

// Why a reconcile stopped short of converging.
struct Failure {
  SyncErrorInfo error;
  bool retryable = false;
  std::optional<int64_t> retry_after_ms;
  // What the attempt learned of the remote trunk before failing (see SyncFailed).
  std::string remote_id;
  ItemIds item_ids;
  // Not a failure: the trunk whose reconcile this one waits for (it holds a value this one
  // would move, see Impl::Claim, or must give one up first, see Impl::ReleaserFor); this one
  // runs again when that one's reconcile ends.
  std::string waits_for;
};

// A failure of ours (a request not sent or unanswered, a journal append), retried when
// IsRetryable says a retry may cure it.
Failure Failed(const Status& status);

}  // namespace worker_internal

using namespace worker_internal;  // NOLINT: a private header, included by the worker only

struct SyncWorker::Impl {
  Impl(registry::Registry& r, Transport& t, AccountResolver a, SyncOptions o)
      : registry(r),
        transport(t),
        resolve(std::move(a)),
        options(std::move(o)),
        clock(options.clock ? *options.clock : SystemClock()),
        rng(options.random_seed ? options.random_seed : static_cast<uint64_t>(clock.NowMicros())) {}

  // ---- Journal and ledger (io thread) ----
  Status CatchUp();
  // Named arguments only: a temporary inside a co_await expression is not safe with GCC 12.
  awaitable<Result<journal::AppendReceipt>> Append(const std::string& trunk_id,
                                                   const SyncEvent& event,
                                                   const std::string& reason);
  // ---- Scheduling (io thread) ----
  void Enqueue(const std::string& id, Steady::time_point due);
  void EnqueueTouched();
  void PromoteDue();
  void Dispatch();
  bool Idle() const { return in_flight == 0 && ready.empty() && delayed.empty(); }
  awaitable<void> Scheduler();
  void Wake() { wake_timer.cancel(); }
  // ---- One trunk (io thread) ----
  awaitable<void> Reconcile(std::string id);
  awaitable<std::optional<Failure>> Converge(const TrunkSyncStatus& t, const AccountAccess& access,
                                             const plugin_host::LoadedPlugin& plugin,
                                             uint32_t& requests);
  awaitable<void> Fail(const TrunkSyncStatus& t, const Failure& failure);
  awaitable<Result<http::Response>> Send(const AccountAccess& access, const Step& step);
  awaitable<Result<http::Response>> SendPatiently(Limiter& limiter, const AccountAccess& access,
                                                  const Step& step, uint32_t& sent);
  Result<std::vector<Step>> PlanSteps(const plugin_host::LoadedPlugin& plugin,
                                      const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                      const Observation& observation);
  Result<plugin_sdk::AbsorbResult> Absorb(const plugin_host::LoadedPlugin& plugin,
                                          plugin_sdk::AbsorbInput input);
  void Adopt(const TrunkSyncStatus& t, Observation& observation);
  // Claims `keys` for trunk `id`'s reconcile, all or none: the trunk already holding one of
  // them, if any; else nullopt and they are this trunk's until Release(id).
  std::optional<std::string> Claim(const std::string& id, std::vector<std::string> keys);
  // Ends trunk `id`'s claims and queues the trunks that waited for it.
  void Release(const std::string& id);
  // Another trunk of `t`'s account, still to be synced, whose last sync left it holding
  // unique `value`, if any.
  std::optional<std::string> ReleaserOf(const TrunkSyncStatus& t, const domain::UniqueValue& value);
  // The first such trunk for a unique value (field value or attachment id) `now` has that
  // `synced` (its last sync) had not: one to give it up at the provider before `t` takes it.
  std::optional<std::string> ReleaserFor(const TrunkSyncStatus& t, const domain::Schema& schema,
                                         const domain::TrunkState& now,
                                         const domain::TrunkState* synced);
  // Whether trunk `id` waits for `other`, directly or through others.
  bool WaitsFor(const std::string& id, const std::string& other) const;
  Limiter& LimiterFor(const TrunkSyncStatus& t, const AccountAccess& access);
  std::chrono::milliseconds Backoff(uint32_t attempt);
  template <typename T>
  Result<T> RunToEnd(awaitable<Result<T>> task);
  // Counts where the trunks stand for progress(); `now`: even if it was done very recently.
  void Publish(bool now = false);
  // ---- Plan and import ----
  awaitable<Result<TrunkPlan>> PlanTrunk(TrunkSyncStatus t);
  awaitable<Result<Observation>> Scan(const plugin_host::LoadedPlugin& plugin,
                                      const AccountAccess& access);
  Result<std::string> ImportOne(const TrunkSyncStatus& account, const Observation& remote);

  registry::Registry& registry;
  Transport& transport;
  AccountResolver resolve;
  SyncOptions options;
  const Clock& clock;
  std::mt19937_64 rng;

  asio::io_context io;
  asio::thread_pool appenders{4};
  asio::steady_timer wake_timer{io};
  SyncLedger ledger;
  std::set<std::string> touched;  // trunks the last catch-up changed

  struct Work {
    bool queued = false;     // in `ready` or `delayed`
    bool in_flight = false;  // a reconcile runs
    bool again = false;      // changed while in flight: reconcile once more after it
    bool observe = false;    // look for drift even though nothing needs syncing
  };
  std::map<std::string, Work> work;
  std::deque<std::string> ready;
  std::multimap<Steady::time_point, std::string> delayed;
  uint32_t in_flight = 0;
  std::map<std::string, std::unique_ptr<Limiter>> limiters;        // by provider/account
  std::map<std::string, std::vector<DriftChange>> reported_drift;  // last journaled per trunk
  std::map<std::string, std::string> claims;                       // claim key -> trunk id
  std::map<std::string, std::vector<std::string>> claimed;         // trunk id -> its claim keys
  std::map<std::string, std::set<std::string>> waiters;            // trunk id -> trunks waiting
  std::map<std::string, std::string> waiting_for;                  // the inverse
  bool once = false;
  std::atomic<bool> stopping{false};
  Steady::time_point next_drift_check{};
  Steady::time_point next_publish{};

  mutable std::mutex progress_mu;
  SyncProgress progress;
  std::function<void(const SyncProgress&)> on_progress;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> responses_429{0};
};

template <typename T>
Result<T> SyncWorker::Impl::RunToEnd(awaitable<Result<T>> task) {
  std::optional<Result<T>> out;
  asio::co_spawn(
      io, [&]() -> awaitable<void> { out.emplace(co_await std::move(task)); },
      [&](std::exception_ptr e) {
        if (e) out.emplace(InternalError("sync task threw"));
      });
  io.restart();
  io.run();
  if (!out) return InternalError("sync task did not finish");
  return std::move(*out);
}

}  // namespace trunkline::sync
