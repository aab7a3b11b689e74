// trunkd's HTTP API, versioned under /v1, JSON in and out (Boost.JSON); openapi.json beside
// this file describes every route. Each request is authenticated (auth.h), routed, answered,
// counted (metrics.h) and logged (log.h), without a secret in any of them.
//
// Commands go through Registry::ExecuteAsync: the answer is sent from the journal's
// completion, so no server thread waits for an fsync. Reads run on the server's threads.
//
// Thread-safety: Handle is called concurrently from the server's threads.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth.h"
#include "log.h"
#include "metrics.h"
#include "trunkline/http/http.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/sync_ledger.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::trunkd {

struct ApiOptions {
  // Requests per second each token may send (a token bucket of `burst`); 0: no limit.
  double rate_per_token = 0;
  uint32_t burst = 100;
  // What /readyz reports beyond the registry: plugins refused at start-up, sandbox or not.
  bool sandbox = false;
};

// The parts of trunkd the API serves. The worker, when set, runs on its own thread; plans
// and imports are made with `planner` (a worker that is never run), so that they never wait
// for the running one.
struct ApiParts {
  registry::Registry* registry = nullptr;
  sync::SyncWorker* worker = nullptr;   // the running worker (progress); may be null
  sync::SyncWorker* planner = nullptr;  // for plan and import; may be null
  const Tokens* tokens = nullptr;
  Metrics* metrics = nullptr;
  Log* log = nullptr;
};

class Api {
 public:
  Api(ApiParts parts, ApiOptions options);
  ~Api();

  void Handle(const http::Request& request, http::Respond respond);

  // A request being answered (api.cc).
  struct Call;

 private:
  // The most trunks one page of a list holds (GET /v1/trunks, GET /v1/sync).
  static constexpr uint64_t kMaxPage = 1000;
  void Route(const std::shared_ptr<Call>& call);
  // Trunks (api_trunks.cc).
  void CreateTrunk(const std::shared_ptr<Call>& call);
  void ListTrunks(const std::shared_ptr<Call>& call);
  void TrunkRoutes(const std::shared_ptr<Call>& call);
  void SubResourceRoutes(const std::shared_ptr<Call>& call, const std::string& id);
  // Runs `command` with the meta `body` and the headers give; answers `status` with the trunk.
  void Execute(const std::shared_ptr<Call>& call, const boost::json::object& body,
               const std::string& id, const domain::Command& command, int status);
  // The rest (api_ops.cc).
  void Events(const std::shared_ptr<Call>& call);
  void Verify(const std::shared_ptr<Call>& call);
  void EventStream(const std::shared_ptr<Call>& call);
  void SyncRoutes(const std::shared_ptr<Call>& call, const std::string& id);
  void SyncAll(const std::shared_ptr<Call>& call);
  void Plan(const std::shared_ptr<Call>& call, const std::string& id);
  void Import(const std::shared_ptr<Call>& call);
  void Plugins(const std::shared_ptr<Call>& call);
  void Ready(const std::shared_ptr<Call>& call);
  void MetricsText(const std::shared_ptr<Call>& call);
  bool Admit(const Caller& caller, std::chrono::milliseconds* retry_after);
  // Which sync statuses GET /v1/sync lists: those of `states` (empty: any), `provider` and
  // `account` (empty: any), with ids after `after`, at most `limit` (0: no limit).
  struct SyncQuery {
    std::vector<sync::SyncState> states;
    std::string provider;
    std::string account;
    std::string after;
    size_t limit = 0;
  };
  struct SyncPage {
    std::vector<sync::TrunkSyncStatus> trunks;
    bool more = false;
  };
  // Where trunks stand with their provider (`query`'s), or trunk `id` (kNotFound when the
  // journal holds none), from a ledger kept caught up with the journal: a lookup, not a read
  // of the trunks' history.
  Result<SyncPage> SyncStatuses(const SyncQuery& query);
  Result<sync::TrunkSyncStatus> SyncStatusOf(const std::string& id);

  ApiParts parts_;
  ApiOptions options_;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  std::mutex buckets_mu_;
  std::map<std::string, Bucket> buckets_;  // by token name
  std::mutex ledger_mu_;
  sync::SyncLedger ledger_;
  // Plans, imports, retries and policies: requests that talk to providers or append.
  boost::asio::thread_pool ops_{2};
};

// The HTTP status for a status of the core: 404 not found, 409 version conflict or already
// exists, 412 failed precondition, 422 invalid argument (a rule broken), 429 resource
// exhausted, 503 unavailable, 500 anything else.
int HttpStatusOf(const Status& status);
// {"error": {"code": "INVALID_ARGUMENT", "message": ..., "field": ...}}; `field` is the part
// of the message before ": " when it names one: a trunk field as the domain names it
// ("domain_name: must be ..."), a sub-resource field with its path
// ("origination_urls.main.weight"); a malformed request names the member ("fields.x").
boost::json::object ErrorJson(const Status& status);

}  // namespace trunkline::trunkd
