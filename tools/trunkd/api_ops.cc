// The routes beside trunks: the audit trail (a page of events, a live stream), sync state
// and requests, plugins, readiness and metrics.
#include <boost/asio/post.hpp>

#include "api_call.h"
#include "trunkline/api/json.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/base/clock.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/sync/sync_ledger.h"

namespace trunkline::trunkd {
namespace {

using Call = Api::Call;

constexpr size_t kMaxEventsPerPage = 10'000;
constexpr auto kHeartbeat = std::chrono::seconds(15);

}  // namespace

// GET /v1/events?from=POS&limit=N: the records from position `from` (default 1), as JSON
// Lines, oldest first; a client goes on from the last position it got, plus one.
void Api::Events(const std::shared_ptr<Call>& call) {
  std::optional<uint64_t> from = call->Count("from", 1, 1, UINT64_MAX);
  if (!from) return;
  std::optional<uint64_t> limit = call->Count("limit", 1000, 1, kMaxEventsPerPage);
  if (!limit) return;
  Result<std::vector<journal::Record>> records = parts_.registry->journal().ReadAll(*from, *limit);
  if (!records.ok()) return call->Fail(records.status());
  std::string lines;
  for (const journal::Record& r : *records) lines += api::SerializeJson(api::RecordJson(r)) + "\n";
  call->Answer(http::Response{200, {{"Content-Type", "application/x-ndjson"}}, std::move(lines)});
}

// GET /v1/journal/verify: the whole hash chain walked (as `trunkctl journal verify -o json`
// reports it); on the API's own threads, since it reads every record.
void Api::Verify(const std::shared_ptr<Call>& call) {
  boost::asio::post(ops_, [this, call] {
    Result<journal::VerifyReport> report = parts_.registry->journal().Verify();
    if (!report.ok()) return call->Fail(report.status());
    call->Json(200, {{"ok", true},
                     {"records", report->records},
                     {"last_position", report->last_position},
                     {"chain_head", ToHex(report->last_hash)}});
  });
}

// GET /v1/events/stream?after=POS (or the Last-Event-ID header a reconnecting EventSource
// sends): Server-Sent Events, one per record after that position ("id: <position>", "event:
// record", "data: <the record as JSON>"), live as records are committed; a comment every 15 s
// keeps idle connections open. Resumed from the last id seen, it repeats and skips nothing.
void Api::EventStream(const std::shared_ptr<Call>& call) {
  uint64_t after = 0;
  if (auto last = call->Header("Last-Event-ID")) {
    Result<uint64_t> n = api::ParseCount(*last);
    if (!n.ok()) return call->BadRequest("Last-Event-ID", "must be a position");
    after = *n;
  } else {
    std::optional<uint64_t> a = call->Count("after", 0, 0, UINT64_MAX);
    if (!a) return;
    after = *a;
  }
  struct Cursor {
    uint64_t after;
    std::chrono::steady_clock::time_point last_sent;
  };
  auto cursor = std::make_shared<Cursor>(Cursor{after, std::chrono::steady_clock::now()});
  const journal::Journal* journal = &parts_.registry->journal();
  http::Response r{200,
                   {{"Content-Type", "text/event-stream"},
                    {"Cache-Control", "no-cache"},
                    {"X-Accel-Buffering", "no"}},
                   ""};
  r.stream = [cursor, journal](std::string& out) {
    if (journal->LastPosition() > cursor->after) {
      Result<std::vector<journal::Record>> records = journal->ReadAll(cursor->after + 1, 500);
      if (!records.ok()) {
        out += "event: error\ndata: " + api::SerializeJson(ErrorJson(records.status())) + "\n\n";
        return false;
      }
      for (const journal::Record& rec : *records) {
        out += "id: " + std::to_string(rec.position) +
               "\nevent: record\ndata: " + api::SerializeJson(api::RecordJson(rec)) + "\n\n";
        cursor->after = rec.position;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (!out.empty()) {
      cursor->last_sent = now;
    } else if (now - cursor->last_sent >= kHeartbeat) {
      out += ": still here\n\n";
      cursor->last_sent = now;
    }
    return true;
  };
  r.stream_poll = std::chrono::milliseconds(50);
  call->Answer(std::move(r));
}

Result<Api::SyncPage> Api::SyncStatuses(const SyncQuery& query) {
  SyncPage page;
  std::lock_guard lock(ledger_mu_);
  TRUNKLINE_RETURN_IF_ERROR(ledger_.CatchUp(parts_.registry->journal()));
  const auto& all = ledger_.trunks();
  for (auto it = all.upper_bound(query.after); it != all.end(); ++it) {
    const sync::TrunkSyncStatus& t = it->second;
    if (t.provider.empty() || (!query.provider.empty() && t.provider != query.provider) ||
        (!query.account.empty() && t.account != query.account) ||
        (!query.states.empty() &&
         std::find(query.states.begin(), query.states.end(), t.state()) == query.states.end())) {
      continue;
    }
    if (query.limit != 0 && page.trunks.size() == query.limit) {
      page.more = true;
      break;
    }
    page.trunks.push_back(t);
  }
  return page;
}

Result<sync::TrunkSyncStatus> Api::SyncStatusOf(const std::string& id) {
  std::lock_guard lock(ledger_mu_);
  TRUNKLINE_RETURN_IF_ERROR(ledger_.CatchUp(parts_.registry->journal()));
  const sync::TrunkSyncStatus* t = ledger_.Find(id);
  if (t == nullptr || t->provider.empty()) return NotFoundError("trunk " + id + " does not exist");
  return *t;
}

// GET /v1/sync?state=&provider=&account=&limit=&cursor=: every trunk's sync status, or those
// asked for, a page at a time when `limit` is given; and the worker's figures.
void Api::SyncAll(const std::shared_ptr<Call>& call) {
  SyncQuery query;
  if (const std::string* states = call->Param("state")) {
    Result<std::vector<sync::SyncState>> parsed = sync::ParseSyncStates(*states);
    if (!parsed.ok()) return call->BadRequest("state", parsed.status().message());
    query.states = std::move(*parsed);
  }
  const std::optional<uint64_t> limit = call->Count("limit", 0, 1, kMaxPage);
  if (!limit) return;
  query.limit = *limit;
  for (auto [name, value] :
       {std::pair{"provider", &query.provider}, std::pair{"account", &query.account},
        std::pair{"cursor", &query.after}}) {
    if (const std::string* given = call->Param(name)) *value = *given;
  }
  Result<SyncPage> page = SyncStatuses(query);
  if (!page.ok()) return call->Fail(page.status());
  boost::json::array trunks;
  for (const auto& t : page->trunks) trunks.push_back(api::SyncStatusJson(t));
  boost::json::object out{{"trunks", std::move(trunks)}};
  if (page->more) out["next_cursor"] = page->trunks.back().id;
  if (parts_.worker != nullptr) {
    const sync::SyncProgress p = parts_.worker->progress();
    out["worker"] = {{"running", true},       {"pending", p.pending}, {"in_flight", p.in_flight},
                     {"synced", p.synced},    {"failed", p.failed},   {"parked", p.parked},
                     {"requests", p.requests}};
  } else {
    out["worker"] = {{"running", false}};
  }
  call->Json(200, out);
}

// What a sync would send now, for trunk `id` or (empty) every trunk that needs work.
void Api::Plan(const std::shared_ptr<Call>& call, const std::string& id) {
  if (parts_.planner == nullptr) {
    return call->Fail(FailedPreconditionError("sync is off in this trunkd (--no-sync)"));
  }
  boost::asio::post(ops_, [this, call, id] {
    Result<std::vector<sync::TrunkPlan>> plans = parts_.planner->Plan(id);
    if (!plans.ok()) return call->Fail(plans.status());
    call->Json(200, {{"plans", api::PlansJson(*plans)}});
  });
}

// Plans, imports, retries and policies talk to providers or append: they run on the API's
// own threads, never on the server's.
void Api::SyncRoutes(const std::shared_ptr<Call>& call, const std::string& id) {
  const auto& p = call->path;
  const std::string& method = call->request.method;
  if (p.size() == 4 && method == "GET") {
    call->route = "GET /v1/trunks/{id}/sync";
    Result<sync::TrunkSyncStatus> synced = SyncStatusOf(id);
    if (!synced.ok()) return call->Fail(synced.status());
    return call->Json(200, api::SyncStatusJson(*synced));
  }
  if (p.size() == 5 && p[4] == "plan" && method == "GET") {
    call->route = "GET /v1/trunks/{id}/sync/plan";
    return Plan(call, id);
  }
  if (p.size() == 5 && p[4] == "retry" && method == "POST") {
    call->route = "POST /v1/trunks/{id}/sync/retry";
    return boost::asio::post(ops_, [this, call, id] {
      Status s = sync::RequestRetry(*parts_.registry, id, call->caller.name);
      if (!s.ok()) return call->Fail(s);
      call->Json(202, {{"id", id}, {"retry", "requested"}});
    });
  }
  if (p.size() == 5 && p[4] == "policy" && method == "PUT") {
    call->route = "PUT /v1/trunks/{id}/sync/policy";
    std::optional<boost::json::object> body = call->Body();
    if (!body || !call->OnlyMembers(*body, {"drift"})) return;
    const boost::json::value* drift = body->if_contains("drift");
    if (drift == nullptr || !drift->is_string()) {
      return call->BadRequest("drift", "is required: correct or report");
    }
    Result<sync::DriftPolicy> policy = sync::ParseDriftPolicy(drift->as_string());
    if (!policy.ok()) return call->BadRequest("drift", "must be correct or report");
    return boost::asio::post(ops_, [this, call, id, policy = *policy] {
      Status s = sync::SetDriftPolicy(*parts_.registry, id, policy, call->caller.name);
      if (!s.ok()) return call->Fail(s);
      call->Json(200, {{"id", id}, {"drift", sync::DriftPolicyName(policy)}});
    });
  }
  call->route = method + " (no route)";
  call->Fail(NotFoundError("no route for " + method + " " + call->request.target));
}

void Api::Import(const std::shared_ptr<Call>& call) {
  std::optional<boost::json::object> body = call->Body();
  if (!body || !call->OnlyMembers(*body, {"provider", "account"})) return;
  const boost::json::value* provider = body->if_contains("provider");
  if (provider == nullptr || !provider->is_string() || provider->as_string().empty()) {
    return call->BadRequest("provider", "is required");
  }
  std::string account = "default";
  if (const boost::json::value* a = body->if_contains("account")) {
    if (!a->is_string()) return call->BadRequest("account", "must be a string");
    account = a->as_string();
  }
  if (parts_.planner == nullptr) {
    return call->Fail(FailedPreconditionError("sync is off in this trunkd (--no-sync)"));
  }
  boost::asio::post(ops_, [this, call, provider = std::string(provider->as_string()), account] {
    Result<sync::SyncWorker::ImportReport> report = parts_.planner->Import(provider, account);
    if (!report.ok()) return call->Fail(report.status());
    call->Json(200, api::ImportJson(*report));
  });
}

void Api::Plugins(const std::shared_ptr<Call>& call) {
  const plugin_host::PluginHost& host = parts_.registry->plugins();
  if (call->path.size() == 4) {
    Result<const domain::Schema*> schema = parts_.registry->SchemaOf(call->path[2]);
    if (!schema.ok()) return call->Fail(schema.status());
    return call->Json(200, api::SchemaJson(**schema));
  }
  boost::json::array plugins;
  for (const plugin_host::LoadedPlugin* p : host.plugins()) {
    plugins.push_back({{"provider", p->provider_id()},
                       {"version", p->version()},
                       {"abi", p->abi_version()},
                       {"sync", p->can_sync()},
                       {"path", p->path()}});
  }
  boost::json::array refused;
  for (const Status& s : parts_.registry->RefusedPlugins())
    refused.push_back(boost::json::value(s.message()));
  call->Json(200, {{"plugins", std::move(plugins)}, {"refused", std::move(refused)}});
}

// Ready when the journal is open (it is, or trunkd would not run), at least one plugin
// serves a provider, and the current-state projection has folded the whole journal.
void Api::Ready(const std::shared_ptr<Call>& call) {
  const uint64_t position = parts_.registry->journal().LastPosition();
  const uint64_t projected = parts_.registry->ProjectionCheckpoint();
  const size_t plugins = parts_.registry->plugins().plugins().size();
  const bool ready = plugins > 0;
  call->Json(ready ? 200 : 503, {{"ready", ready},
                                 {"journal_position", position},
                                 {"projection_position", projected},
                                 {"plugins", plugins},
                                 {"sync", parts_.worker != nullptr},
                                 {"sandbox", options_.sandbox}});
}

void Api::MetricsText(const std::shared_ptr<Call>& call) {
  const journal::Journal& journal = parts_.registry->journal();
  const uint64_t position = journal.LastPosition();
  const uint64_t projected = std::min(position, parts_.registry->ProjectionCheckpoint());
  double lag_seconds = 0;
  if (projected < position) {
    Result<std::vector<journal::Record>> first = journal.ReadAll(projected + 1, 1);
    if (first.ok() && !first->empty()) {
      lag_seconds = std::max<double>(
          0, double(SystemClock().NowMicros() - first->front().timestamp_us) / 1e6);
    }
  }
  std::string g;
  const auto gauge = [&](const char* name, const char* help, const std::string& labels,
                         double value, bool header = true) {
    if (header) MetricHeader(name, "gauge", help, g);
    g += std::string(name) + (labels.empty() ? "" : "{" + labels + "}") + " " +
         std::to_string(value) + "\n";
  };
  gauge("trunkline_journal_position", "The journal's last durable position.", "", double(position));
  gauge("trunkline_projection_lag_events",
        "Events the current-state projection has not folded yet.", "",
        double(position - projected));
  gauge("trunkline_projection_lag_seconds",
        "Age of the oldest event the current-state projection has not folded yet.", "",
        lag_seconds);
  if (parts_.worker != nullptr) {
    const sync::SyncProgress p = parts_.worker->progress();
    gauge("trunkline_sync_queue_depth", "Trunks that need sync work.", "", double(p.pending));
    gauge("trunkline_sync_in_flight", "Trunks being synced now.", "", double(p.in_flight));
    const std::pair<const char*, uint64_t> states[] = {
        {"synced", p.synced}, {"pending", p.pending}, {"failed", p.failed}, {"parked", p.parked}};
    bool first = true;
    for (const auto& [state, n] : states) {
      gauge("trunkline_sync_trunks", "Trunks by sync state (failed: waiting to be retried).",
            std::string("state=\"") + state + "\"", double(n), first);
      first = false;
    }
    gauge("trunkline_sync_parked_trunks", "Trunks parked until an operator retries them.", "",
          double(p.parked));
    MetricHeader("trunkline_sync_retries_total", "counter",
                 "Provider answers 429 the worker waited out and sent again.", g);
    g += "trunkline_sync_retries_total " + std::to_string(p.responses_429) + "\n";
  }
  call->Answer(http::Response{200,
                              {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                              parts_.metrics->Text(g)});
}

}  // namespace trunkline::trunkd
