// The sync worker: one io thread runs the scheduler and every reconcile as C++20 coroutines;
// plugin calls (pure and cheap) run on it too. Journal appends, which wait for an fsync, run
// on a small pool and resume the coroutine on the io thread. The ledger (where each trunk
// stands) is folded from the journal on the io thread only. Plans and imports:
// sync_plan_import.cc.
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <thread>

#include "sync_content.h"
#include "sync_worker_impl.h"
#include "trunkline/projection/current_state.h"

namespace trunkline::sync {
namespace {

std::string EncodeQuery(const plugin_sdk::NameValues& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    out += out.empty() ? "?" : "&";
    out += boost::urls::encode(name, boost::urls::unreserved_chars);
    out += "=";
    out += boost::urls::encode(value, boost::urls::unreserved_chars);
  }
  return out;
}

}  // namespace

namespace worker_internal {

std::string Target(const Step& step, const AccountAccess& access) {
  std::string path = step.request.path;
  static constexpr std::string_view kAccount = "{account_id}";
  for (size_t at = path.find(kAccount); at != std::string::npos; at = path.find(kAccount, at)) {
    path.replace(at, kAccount.size(), access.account_id);
    at += access.account_id.size();
  }
  return path + EncodeQuery(step.request.query);
}

http::Request RequestOf(const Step& step, const AccountAccess& access) {
  http::Request r;
  r.method = step.request.method;
  r.target = Target(step, access);
  for (const auto& [name, value] : step.request.headers) r.headers.push_back({name, value});
  if (!access.authorization.empty()) r.headers.push_back({"Authorization", access.authorization});
  r.body = step.request.body;
  return r;
}

plugin_sdk::HttpResponse ResponseOf(const http::Response& r) {
  plugin_sdk::HttpResponse out;
  out.status = r.status;
  for (const http::Header& h : r.headers) out.headers.emplace_back(h.name, h.value);
  out.body = r.body;
  return out;
}

std::optional<std::chrono::milliseconds> RetryAfter(const http::Response& r) {
  std::optional<std::string> value = http::FindHeader(r.headers, "Retry-After");
  if (!value || value->empty() || value->size() > 6) return std::nullopt;
  if (!std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::stoi(*value));
}

SyncErrorInfo ErrorOf(const Status& status) {
  return SyncErrorInfo{static_cast<int32_t>(status.code()), status.message(), "", "", ""};
}

SyncErrorInfo ErrorOf(const plugin_sdk::SyncError& e) {
  return SyncErrorInfo{e.code, e.message, e.field, e.provider_code, e.provider_message};
}

Failure Failed(const Status& status) { return Failure{ErrorOf(status), IsRetryable(status), {}}; }

}  // namespace worker_internal

// ---- Journal and ledger ----

Status SyncWorker::Impl::CatchUp() {
  Status folded = OkStatus();
  TRUNKLINE_RETURN_IF_ERROR(
      registry.journal().Scan(ledger.position() + 1, [&](const journal::RecordView& r) {
        folded = ledger.Apply(r);
        // "trunk-<id>" or "sync-<id>": either way the trunk's status may have changed.
        const size_t dash = r.stream.find('-');
        if (folded.ok() && dash != std::string_view::npos) {
          touched.emplace(r.stream.substr(dash + 1));
        }
        return folded.ok();
      }));
  return folded;
}

awaitable<Result<journal::AppendReceipt>> SyncWorker::Impl::Append(const std::string& trunk_id,
                                                                   const SyncEvent& event,
                                                                   const std::string& reason) {
  EncodedSyncEvent encoded = EncodeSyncEvent(event);
  std::vector<journal::NewEvent> events{
      {encoded.type, encoded.schema_version, std::move(encoded.payload)}};
  registry::CommandMeta meta;
  meta.actor = options.actor;
  meta.reason = reason;
  meta.command_id =
      "sync:" + trunk_id + ":" + std::to_string(clock.NowMicros()) + ":" + std::to_string(rng());
  auto result =
      co_await asio::async_initiate<decltype(use_awaitable), void(Result<journal::AppendReceipt>)>(
          [&](auto handler) {
            asio::post(appenders,
                       [this, &trunk_id, &events, &meta, handler = std::move(handler)]() mutable {
                         Result<journal::AppendReceipt> r = registry.AppendOutcome(
                             SyncStreamOf(trunk_id), std::move(events), meta);
                         asio::post(io, [handler = std::move(handler), r = std::move(r)]() mutable {
                           std::move(handler)(std::move(r));
                         });
                       });
          },
          use_awaitable);
  if (result.ok()) {
    CatchUp().IgnoreError();  // a failed fold shows on the next catch-up
    Publish();
  }
  co_return result;
}

// ---- Scheduling ----

void SyncWorker::Impl::Enqueue(const std::string& id, Steady::time_point due) {
  Work& w = work[id];
  if (w.in_flight) {
    w.again = true;
    return;
  }
  if (w.queued) return;
  w.queued = true;
  if (due <= Steady::now()) {
    ready.push_back(id);
  } else {
    delayed.emplace(due, id);
  }
}

void SyncWorker::Impl::EnqueueTouched() {
  const int64_t now_us = clock.NowMicros();
  for (const std::string& id : touched) {
    const TrunkSyncStatus* t = ledger.Find(id);
    if (t == nullptr || !t->NeedsWork() || t->parked || t->provider.empty()) continue;
    const auto wait = std::chrono::microseconds(std::max<int64_t>(0, t->next_try_us - now_us));
    Enqueue(id, Steady::now() + wait);
  }
  touched.clear();
}

void SyncWorker::Impl::PromoteDue() {
  const auto now = Steady::now();
  while (!delayed.empty() && delayed.begin()->first <= now) {
    ready.push_back(delayed.begin()->second);
    delayed.erase(delayed.begin());
  }
}

void SyncWorker::Impl::Dispatch() {
  while (!stopping && in_flight < options.concurrency && !ready.empty()) {
    std::string id = std::move(ready.front());
    ready.pop_front();
    Work& w = work[id];
    w.queued = false;
    w.in_flight = true;
    ++in_flight;
    asio::co_spawn(io, Reconcile(std::move(id)), asio::detached);
  }
}

awaitable<void> SyncWorker::Impl::Scheduler() {
  for (;;) {
    if (Status s = CatchUp(); !s.ok()) {
      // A journal that cannot be read stops the worker; in-flight reconciles finish.
      stopping = true;
    }
    EnqueueTouched();
    if (!once && options.drift_interval.count() > 0 && Steady::now() >= next_drift_check) {
      next_drift_check = Steady::now() + options.drift_interval;
      for (const auto& [id, t] : ledger.trunks()) {
        if (!t.deleted && !t.parked && !t.remote_id.empty()) {
          work[id].observe = true;
          Enqueue(id, Steady::now());
        }
      }
    }
    PromoteDue();
    Dispatch();
    const bool done = (stopping && in_flight == 0) || (once && Idle());
    Publish(/*now=*/done);
    if (done) break;
    auto wait = std::chrono::milliseconds(once ? 200 : 50);
    if (!delayed.empty()) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                delayed.begin()->first - Steady::now()) +
                                std::chrono::milliseconds(1));
    }
    wake_timer.expires_after(std::max(wait, std::chrono::milliseconds(0)));
    co_await wake_timer.async_wait(asio::as_tuple(use_awaitable));
  }
}

// ---- One trunk ----

Limiter& SyncWorker::Impl::LimiterFor(const TrunkSyncStatus& t, const AccountAccess& access) {
  std::unique_ptr<Limiter>& limiter = limiters[t.provider + "/" + t.account];
  if (!limiter) {
    limiter = std::make_unique<Limiter>(io.get_executor(), access.requests_per_second, access.burst,
                                        access.max_concurrency);
  }
  return *limiter;
}

std::chrono::milliseconds SyncWorker::Impl::Backoff(uint32_t attempt) {
  const int64_t initial = options.backoff_initial.count();
  const int64_t cap = options.backoff_max.count();
  int64_t delay = initial;
  for (uint32_t i = 1; i < attempt && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  // Half fixed, half random: retries of many trunks spread out instead of stampeding.
  std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(1, delay / 2));
  return std::chrono::milliseconds(delay / 2 + jitter(rng));
}

// A 429 was never processed: wait as the provider asks (or back off) and send the same
// request again, slowing the account down. A read that failed for want of a connection or on
// a 5xx is sent again after a short backoff too; a write is not (it may have been applied:
// the next reconcile observes first).
awaitable<Result<http::Response>> SyncWorker::Impl::SendPatiently(Limiter& limiter,
                                                                  const AccountAccess& access,
                                                                  const Step& step,
                                                                  uint32_t& sent) {
  constexpr uint32_t kTries = 8;
  const bool read = step.kind == StepKind::kRead || step.kind == StepKind::kLookup;
  for (uint32_t tries = 1;; ++tries) {
    co_await limiter.Acquire();
    Result<http::Response> response = co_await Send(access, step);
    limiter.Release();
    ++sent;
    if (tries < kTries && response.ok() && response->status == 429) {
      ++responses_429;
      limiter.RateLimited(RetryAfter(*response).value_or(Backoff(tries)));
      continue;
    }
    const bool transient = !response.ok()
                               ? response.status().code() == StatusCode::kUnavailable ||
                                     response.status().code() == StatusCode::kDeadlineExceeded
                               : response->status >= 500;
    if (read && transient && tries < kTries / 2 && sent < options.max_steps) {
      asio::steady_timer pause(io, Backoff(tries));
      co_await pause.async_wait(asio::as_tuple(use_awaitable));
      continue;
    }
    if (response.ok() && response->status < 400) limiter.Succeeded();
    co_return response;
  }
}

awaitable<Result<http::Response>> SyncWorker::Impl::Send(const AccountAccess& access,
                                                         const Step& step) {
  ++requests;
  co_return co_await asio::async_initiate<decltype(use_awaitable), void(Result<http::Response>)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        transport.AsyncSend(
            access.base_url, RequestOf(step, access), [this, shared](Result<http::Response> r) {
              asio::post(
                  io, [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); });
            });
      },
      use_awaitable);
}

Result<std::vector<Step>> SyncWorker::Impl::PlanSteps(
    const plugin_host::LoadedPlugin& plugin, const std::optional<plugin_sdk::DesiredTrunk>& desired,
    const Observation& observation) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      std::string answer,
      plugin.SyncPlan(plugin_sdk::EncodePlanInput(plugin_sdk::PlanInput{desired, observation})));
  return Decoded("plugin " + plugin.provider_id() + ": its plan",
                 [&] { return plugin_sdk::DecodeSteps(answer); });
}

Result<plugin_sdk::AbsorbResult> SyncWorker::Impl::Absorb(const plugin_host::LoadedPlugin& plugin,
                                                          plugin_sdk::AbsorbInput input) {
  TRUNKLINE_ASSIGN_OR_RETURN(std::string answer,
                             plugin.SyncAbsorb(plugin_sdk::EncodeAbsorbInput(input)));
  return Decoded("plugin " + plugin.provider_id() + ": its reading of an answer",
                 [&] { return plugin_sdk::DecodeAbsorbResult(answer); });
}

namespace {

// `failure`, with what the attempt learned of the remote trunk when that is news to the
// ledger: the next attempt then starts from the remote id instead of looking it up again.
Failure Learned(Failure failure, const TrunkSyncStatus& t, const Observation& observation) {
  if (!observation.remote_id.empty() && !observation.create_pending &&
      (observation.remote_id != t.remote_id || observation.item_ids != t.item_ids ||
       t.create_pending)) {
    failure.remote_id = observation.remote_id;
    failure.item_ids = observation.item_ids;
  }
  return failure;
}

// The keys of the values trunk `t` may move between trunks: the ids of attachments the
// provider allows on one trunk of an account (a phone number), as the trunk holds them now,
// held them at its last sync, or has provider ids for.
std::vector<std::string> MovableKeys(const TrunkSyncStatus& t, const domain::Schema& schema,
                                     const domain::TrunkState& now,
                                     const domain::TrunkState* synced) {
  std::vector<std::string> keys;
  for (const domain::SubResourceSpec& sub : schema.sub_resources) {
    const domain::FieldSpec* id = domain::AttachmentIdSpec(sub);
    if (id == nullptr || !id->unique_per_account) continue;
    const std::string prefix = t.provider + '\0' + t.account + '\0' + sub.name + '\0';
    for (const domain::TrunkState* state : {&now, synced}) {
      if (state == nullptr) continue;
      auto held = state->attachments.find(sub.name);
      if (held == state->attachments.end()) continue;
      for (const std::string& value : held->second) keys.push_back(prefix + value);
    }
    if (auto ids = t.item_ids.find(sub.name); ids != t.item_ids.end()) {
      for (const auto& [value, remote] : ids->second) keys.push_back(prefix + value);
    }
  }
  return keys;
}

// Whether `trunk` holds unique `value`: a field's value, or an attachment id.
bool Holds(const domain::TrunkState& trunk, const domain::UniqueValue& value) {
  if (value.sub_resource.empty()) {
    auto held = trunk.fields.find(value.field);
    return held != trunk.fields.end() && held->second == value.value;
  }
  auto ids = trunk.attachments.find(value.sub_resource);
  const auto* id = std::get_if<std::string>(&value.value);
  return ids != trunk.attachments.end() && id != nullptr && ids->second.count(*id) > 0;
}

}  // namespace

// A value that moves (detached from one trunk, attached to another) is written by both
// trunks' reconciles. Each reads the remote trunk before it writes, so run one after the
// other they see each other's writes; run at once, the old holder may read the value as its
// own, the new one attach it, and the old one then detach it from the new one. So they run
// one after the other.
std::optional<std::string> SyncWorker::Impl::Claim(const std::string& id,
                                                   std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const std::string& key : keys) {
    auto held = claims.find(key);
    if (held != claims.end() && held->second != id) return held->second;
  }
  for (const std::string& key : keys) claims[key] = id;
  if (!keys.empty()) claimed[id] = std::move(keys);
  return std::nullopt;
}

void SyncWorker::Impl::Release(const std::string& id) {
  if (auto mine = claimed.find(id); mine != claimed.end()) {
    for (const std::string& key : mine->second) claims.erase(key);
    claimed.erase(mine);
  }
  auto waiting = waiters.find(id);
  if (waiting == waiters.end()) return;
  const std::set<std::string> ids = std::move(waiting->second);
  waiters.erase(waiting);
  for (const std::string& waiter : ids) {
    waiting_for.erase(waiter);
    Enqueue(waiter, Steady::now());
  }
}

bool SyncWorker::Impl::WaitsFor(const std::string& id, const std::string& other) const {
  for (auto next = waiting_for.find(id); next != waiting_for.end();
       next = waiting_for.find(next->second)) {
    if (next->second == other) return true;
  }
  return false;
}

// A provider may refuse a value unique per account (a Twilio domain name) while another trunk
// holds it; when that trunk is one of the registry's, giving the value up in a sync still to
// come, the value is taken after that sync. The registry knows which trunks ever held it.
std::optional<std::string> SyncWorker::Impl::ReleaserOf(const TrunkSyncStatus& t,
                                                        const domain::UniqueValue& value) {
  for (const std::string& id : registry.HoldersEver(t.provider, t.account, value)) {
    const TrunkSyncStatus* other = ledger.Find(id);
    if (id == t.id || other == nullptr || other->parked || !other->NeedsWork() ||
        other->synced_version == 0) {
      continue;
    }
    Result<domain::TrunkState> then =
        registry.Get(id, registry::AsOf{other->synced_position, std::nullopt});
    if (then.ok() && Holds(*then, value)) return id;
  }
  return std::nullopt;
}

std::optional<std::string> SyncWorker::Impl::ReleaserFor(const TrunkSyncStatus& t,
                                                         const domain::Schema& schema,
                                                         const domain::TrunkState& now,
                                                         const domain::TrunkState* synced) {
  if (now.deleted) return std::nullopt;
  // The unique values `now` has that the last sync did not leave.
  std::vector<domain::UniqueValue> taken;
  for (const domain::FieldSpec& spec : schema.fields) {
    auto wanted = now.fields.find(spec.name);
    if (spec.unique_per_account && wanted != now.fields.end()) {
      taken.push_back({"", spec.name, wanted->second});
    }
  }
  for (const domain::SubResourceSpec& sub : schema.sub_resources) {
    const domain::FieldSpec* id = domain::AttachmentIdSpec(sub);
    auto ids = now.attachments.find(sub.name);
    if (id == nullptr || !id->unique_per_account || ids == now.attachments.end()) continue;
    for (const std::string& value : ids->second) taken.push_back({sub.name, "", value});
  }
  for (const domain::UniqueValue& value : taken) {
    if (synced != nullptr && Holds(*synced, value)) continue;
    if (auto releaser = ReleaserOf(t, value)) return releaser;
  }
  return std::nullopt;
}

// After a lookup: the first candidate no other registry trunk holds becomes this trunk's.
void SyncWorker::Impl::Adopt(const TrunkSyncStatus& t, Observation& observation) {
  for (const std::string& candidate : observation.candidates) {
    std::optional<std::string> holder = ledger.HolderOf(t.provider, t.account, candidate);
    if (!holder || *holder == t.id) {
      observation.remote_id = candidate;
      observation.read = false;
      observation.exists = false;
      break;
    }
  }
  observation.create_pending = false;
  observation.lookup_done = false;
  observation.candidates.clear();
}

awaitable<std::optional<Failure>> SyncWorker::Impl::Converge(
    const TrunkSyncStatus& t, const AccountAccess& access, const plugin_host::LoadedPlugin& plugin,
    uint32_t& sent) {
  Result<domain::TrunkState> state = registry.Get(t.id);
  if (!state.ok()) co_return Failure{ErrorOf(state.status()), IsRetryable(state.status()), {}};
  const plugin_sdk::DesiredTrunk desired = internal::DesiredOf(*state);
  const uint64_t desired_version = state->version;
  const uint64_t desired_position = t.desired_position;
  // The trunk as the last sync left it at the provider.
  std::optional<domain::TrunkState> synced_state;
  if (t.synced_version != 0) {
    Result<domain::TrunkState> synced =
        registry.Get(t.id, registry::AsOf{t.synced_position, std::nullopt});
    if (synced.ok()) synced_state = std::move(*synced);
  }
  if (Result<const domain::Schema*> schema = registry.SchemaOf(t.provider); schema.ok()) {
    std::optional<std::string> holder =
        Claim(t.id, MovableKeys(t, **schema, *state, synced_state ? &*synced_state : nullptr));
    // A running reconcile is always waited for; a trunk to give a value up, unless it waits
    // for this one (a swap no order can make: the provider's refusal parks it).
    bool waits = holder.has_value();
    if (!holder) {
      holder = ReleaserFor(t, **schema, *state, synced_state ? &*synced_state : nullptr);
      waits = holder && !WaitsFor(*holder, t.id);
      if (waits) Release(t.id);  // the claims just taken
    }
    if (waits) {
      waiters[*holder].insert(t.id);
      waiting_for[t.id] = *holder;
      Failure wait;
      wait.waits_for = *holder;
      co_return wait;
    }
  }

  // A create whose answer was lost is looked for at the provider as it was sent: the trunk as
  // of the version it carried, not as it is now (changed since, it would match nothing, and a
  // second remote trunk would be made).
  plugin_sdk::DesiredTrunk as_sent = desired;
  if (t.create_pending && t.create_pending_version != 0 &&
      t.create_pending_version != desired_version) {
    Result<std::vector<journal::Record>> record =
        registry.journal().ReadStream(projection::StreamOf(t.id), t.create_pending_version, 1);
    if (!record.ok()) co_return Failed(record.status());
    if (!record->empty()) {
      Result<domain::TrunkState> then =
          registry.Get(t.id, registry::AsOf{record->front().position, std::nullopt});
      if (!then.ok()) co_return Failed(then.status());
      as_sent = internal::DesiredOf(*then);
    }
  }

  Observation observation;
  observation.remote_id = t.remote_id;
  observation.item_ids = t.item_ids;
  observation.create_pending = t.create_pending;
  bool create_journaled = t.create_pending;
  bool drift_checked = t.synced_version == 0;
  Limiter& limiter = LimiterFor(t, access);

  while (sent < options.max_steps) {
    const plugin_sdk::DesiredTrunk& wanted = observation.create_pending ? as_sent : desired;
    Result<std::vector<Step>> steps = PlanSteps(plugin, wanted, observation);
    if (!steps.ok()) co_return Failure{ErrorOf(steps.status()), false, {}};
    if (steps->empty()) break;
    for (const Step& step : *steps) {
      if (step.kind == StepKind::kCreate && step.target == "trunk" && !create_journaled) {
        const SyncEvent event = SyncCreatePending{t.provider, t.account, desired_version};
        const std::string reason = "create at provider";
        auto pending = co_await Append(t.id, event, reason);
        if (!pending.ok()) co_return Failed(pending.status());
        create_journaled = true;
      }
      Result<http::Response> response = co_await SendPatiently(limiter, access, step, sent);
      if (!response.ok()) co_return Learned(Failed(response.status()), t, observation);
      Result<plugin_sdk::AbsorbResult> absorbed =
          Absorb(plugin, plugin_sdk::AbsorbInput{observation.create_pending ? as_sent : desired,
                                                 observation, step, ResponseOf(*response)});
      if (!absorbed.ok()) co_return Failure{ErrorOf(absorbed.status()), false, {}};
      if (absorbed->error) {
        const plugin_sdk::SyncError& e = *absorbed->error;
        co_return Learned(Failure{ErrorOf(e), e.retryable, e.retry_after_ms}, t, observation);
      }
      observation = std::move(*absorbed->observation);
      if (observation.lookup_done) Adopt(t, observation);
    }
    if (!drift_checked && observation.read) {
      drift_checked = true;
      // What the last sync left there, against what is there now.
      if (synced_state) {
        const plugin_sdk::TrunkContent left = internal::ContentOf(*synced_state);
        std::vector<DriftChange> drift =
            observation.exists ? internal::Drift(left, desired.content, observation.content)
                               : std::vector<DriftChange>{{"trunk", "present", std::nullopt}};
        const bool report_only = t.drift_policy == DriftPolicy::kReport &&
                                 t.synced_version == desired_version && !desired.deleted;
        if (drift.empty()) {
          reported_drift.erase(t.id);
        } else if (reported_drift[t.id] != drift) {
          reported_drift[t.id] = drift;
          const SyncEvent event = SyncDriftDetected{drift, !report_only};
          const std::string reason = "drift";
          auto r = co_await Append(t.id, event, reason);
          if (!r.ok()) co_return Failed(r.status());
        }
        if (report_only && !drift.empty()) co_return std::nullopt;
      }
    }
  }
  if (sent >= options.max_steps) {
    co_return Failure{ErrorOf(InternalError("the adapter did not converge within " +
                                            std::to_string(options.max_steps) + " requests")),
                      false,
                      {}};
  }
  // Converged: journal what reached the provider, when anything did.
  if (desired.deleted) {
    if (!t.remote_id.empty() || t.create_pending) {
      const SyncEvent event = RemoteTrunkDeleted{t.remote_id, desired_version};
      const std::string reason = "deleted at provider";
      auto r = co_await Append(t.id, event, reason);
      if (!r.ok()) co_return Failed(r.status());
    }
    co_return std::nullopt;
  }
  const bool changed = t.synced_version != desired_version ||
                       t.remote_id != observation.remote_id || t.item_ids != observation.item_ids ||
                       t.read_only != observation.read_only || t.create_pending ||
                       t.last_error.has_value();
  if (changed) {
    TrunkSynced synced{t.provider,
                       t.account,
                       observation.remote_id,
                       observation.item_ids,
                       observation.read_only,
                       desired_version,
                       desired_position,
                       sent};
    const SyncEvent event = synced;
    const std::string reason = "synced";
    auto r = co_await Append(t.id, event, reason);
    if (!r.ok()) co_return Failed(r.status());
  }
  co_return std::nullopt;
}

awaitable<void> SyncWorker::Impl::Fail(const TrunkSyncStatus& t, const Failure& failure) {
  const uint32_t attempt = t.attempts + 1;
  if (!failure.retryable || attempt >= options.max_attempts) {
    const SyncEvent event =
        SyncParked{failure.error, attempt, t.desired_version, failure.remote_id, failure.item_ids};
    const std::string reason = "parked";
    co_await Append(t.id, event, reason);
    co_return;
  }
  std::chrono::milliseconds delay = Backoff(attempt);
  if (failure.retry_after_ms) {
    delay = std::max(delay, std::chrono::milliseconds(*failure.retry_after_ms));
  }
  const int64_t next_try_us = clock.NowMicros() + delay.count() * 1000;
  const SyncEvent event = SyncFailed{failure.error,     attempt,           next_try_us,
                                     t.desired_version, failure.remote_id, failure.item_ids};
  const std::string reason = "sync failed";
  co_await Append(t.id, event, reason);
}

awaitable<void> SyncWorker::Impl::Reconcile(std::string id) {
  std::optional<Failure> failure;
  uint32_t sent = 0;
  const TrunkSyncStatus* found = ledger.Find(id);
  const bool observe = std::exchange(work[id].observe, false);
  if (auto waited = waiting_for.find(id); waited != waiting_for.end()) {  // queued meanwhile
    waiters[waited->second].erase(id);
    waiting_for.erase(waited);
  }
  if (found != nullptr && !stopping && !found->parked && (found->NeedsWork() || observe)) {
    const TrunkSyncStatus t = *found;  // the ledger moves on while this runs
    const plugin_host::LoadedPlugin* plugin = registry.plugins().Find(t.provider);
    if (plugin == nullptr || !plugin->can_sync()) {
      failure = Failure{ErrorOf(FailedPreconditionError(
                            "provider " + t.provider +
                            (plugin ? ": its plugin does not sync" : ": no plugin is loaded"))),
                        false,
                        {}};
    } else if (Result<AccountAccess> access = resolve(t.provider, t.account); !access.ok()) {
      failure = Failure{ErrorOf(access.status()), false, {}};
    } else {
      failure = co_await Converge(t, *access, *plugin, sent);
    }
    if (failure && failure->waits_for.empty()) co_await Fail(t, *failure);
  }
  // Waiting for another trunk's reconcile: that one queues this one again when it ends.
  const bool waits = failure && !failure->waits_for.empty();
  Work& w = work[id];
  w.in_flight = false;
  w.observe = w.observe || (waits && observe);
  --in_flight;
  Release(id);
  const TrunkSyncStatus* after = ledger.Find(id);
  if (w.again || (!waits && after && after->NeedsWork() && !after->parked)) {
    w.again = false;
    const int64_t wait_us =
        after ? std::max<int64_t>(0, after->next_try_us - clock.NowMicros()) : 0;
    Enqueue(id, Steady::now() + std::chrono::microseconds(wait_us));
  }
  Wake();
}

void SyncWorker::Impl::Publish(bool now) {
  // Counting walks every trunk: at most a few times a second, not after every outcome.
  if (!now && Steady::now() < next_publish) return;
  next_publish = Steady::now() + std::chrono::milliseconds(100);
  SyncProgress p;
  for (const auto& [id, t] : ledger.trunks()) {
    if (t.provider.empty()) continue;
    switch (t.state()) {
      case SyncState::kSynced:
      case SyncState::kDeleted:
        ++p.synced;
        break;
      case SyncState::kFailed:
        ++p.failed;
        break;
      case SyncState::kParked:
        ++p.parked;
        break;
      case SyncState::kPending:
        ++p.pending;
        break;
    }
  }
  p.in_flight = in_flight;
  p.requests = requests;
  p.responses_429 = responses_429;
  std::function<void(const SyncProgress&)> callback;
  {
    std::lock_guard lock(progress_mu);
    progress = p;
    callback = on_progress;
  }
  if (callback) callback(p);
}

// ---- SyncWorker ----

SyncWorker::SyncWorker(registry::Registry& registry, Transport& transport, AccountResolver accounts,
                       SyncOptions options)
    : impl_(std::make_unique<Impl>(registry, transport, std::move(accounts), std::move(options))) {}

SyncWorker::~SyncWorker() { impl_->appenders.join(); }

Status SyncWorker::RunOnce() {
  impl_->once = true;
  asio::co_spawn(impl_->io, impl_->Scheduler(), asio::detached);
  impl_->io.restart();
  impl_->io.run();
  std::string parked;
  std::string first_error;
  for (const auto& [id, t] : impl_->ledger.trunks()) {
    if (t.provider.empty() || t.state() != SyncState::kParked) continue;
    parked += (parked.empty() ? "" : ", ") + id;
    if (first_error.empty() && t.last_error) {
      first_error = id + ": " + std::string(StatusCodeName(StatusCode(t.last_error->code))) + ": " +
                    t.last_error->message;
    }
  }
  if (parked.empty()) return OkStatus();
  return FailedPreconditionError("parked (see sync status): " + parked + "; " + first_error);
}

Status SyncWorker::Run() {
  impl_->once = false;
  // Wakes the scheduler as soon as the journal moves (a command), instead of at its next tick.
  std::thread follower([this] {
    uint64_t seen = impl_->registry.journal().LastPosition();
    while (!impl_->stopping) {
      const uint64_t now =
          impl_->registry.journal().WaitForPositionAfter(seen, std::chrono::milliseconds(200));
      if (now != seen) {
        seen = now;
        asio::post(impl_->io, [this] { impl_->Wake(); });
      }
    }
  });
  asio::co_spawn(impl_->io, impl_->Scheduler(), asio::detached);
  impl_->io.restart();
  impl_->io.run();
  impl_->stopping = true;
  follower.join();
  return OkStatus();
}

void SyncWorker::Stop() {
  impl_->stopping = true;
  asio::post(impl_->io, [this] { impl_->Wake(); });
}

AccountResolver ResolverOf(std::shared_ptr<const Accounts> accounts) {
  return [accounts = std::move(accounts)](const std::string& provider,
                                          const std::string& alias) -> Result<AccountAccess> {
    TRUNKLINE_ASSIGN_OR_RETURN(ResolvedAccount r, accounts->Resolve(provider, alias));
    return AccountAccess{r.base_url,
                         r.account_id,
                         r.authorization.Reveal(),
                         r.limits.requests_per_second,
                         r.limits.burst,
                         r.limits.max_concurrency};
  };
}

SyncProgress SyncWorker::progress() const {
  std::lock_guard lock(impl_->progress_mu);
  return impl_->progress;
}

void SyncWorker::OnProgress(std::function<void(const SyncProgress&)> callback) {
  std::lock_guard lock(impl_->progress_mu);
  impl_->on_progress = std::move(callback);
}

}  // namespace trunkline::sync
