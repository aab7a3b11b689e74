// trunkctl's sync commands: run the sync worker in the foreground, show where each trunk
// stands with its provider, plan without writing, retry, set the drift policy, import.
#include "sync_commands.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <mutex>

#include "backend.h"
#include "render.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/base/overloaded.h"
#include "trunkline/sync/http_transport.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::trunkctl {
namespace {

std::atomic<sync::SyncWorker*> running_worker{nullptr};

extern "C" void StopOnSignal(int) {
  if (sync::SyncWorker* worker = running_worker.load()) worker->Stop();
}

// Stops the running worker on SIGINT/SIGTERM for as long as it lives.
class StopOnSignals {
 public:
  explicit StopOnSignals(sync::SyncWorker& worker) {
    running_worker = &worker;
    std::signal(SIGINT, StopOnSignal);
    std::signal(SIGTERM, StopOnSignal);
  }
  ~StopOnSignals() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    running_worker = nullptr;
  }
};

// "pending 3  converged 197  failed 0  parked 0  41 req/s", redrawn in place on a terminal.
class ProgressLine {
 public:
  void Show(const sync::SyncProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (now - shown_ < std::chrono::milliseconds(250)) return;
    const double seconds = std::chrono::duration<double>(now - shown_).count();
    const double rate =
        shown_requests_ == 0 && seconds > 10 ? 0 : (p.requests - shown_requests_) / seconds;
    shown_ = now;
    shown_requests_ = p.requests;
    std::cerr << "\rsync: pending " << p.pending << "  converged " << p.synced << "  failed "
              << p.failed << "  parked " << p.parked << "  " << static_cast<uint64_t>(rate)
              << " req/s   " << std::flush;
    drawn_ = true;
  }
  ~ProgressLine() {
    if (drawn_) std::cerr << "\n";
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point shown_{};
  uint64_t shown_requests_ = 0;
  bool drawn_ = false;
};

}  // namespace

Result<sync::SyncOptions> WorkerOptions(const Options& o) {
  sync::SyncOptions options;
  // Both checked by the command line (main.cc) before this is called.
  if (!o.concurrency.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(uint64_t n, ParseCount(o.concurrency));
    options.concurrency = static_cast<uint32_t>(n);
  }
  if (!o.max_attempts.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(uint64_t n, ParseCount(o.max_attempts));
    options.max_attempts = static_cast<uint32_t>(n);
  }
  if (!o.drift_interval.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(std::chrono::milliseconds interval, ParseSeconds(o.drift_interval));
    options.drift_interval = interval;
  }
  options.actor = o.actor.empty() ? "sync" : o.actor;
  return options;
}

Result<std::unique_ptr<sync::Transport>> Transport(const Options& o) {
  sync::HttpTransportOptions options;
  options.ca_file = o.ca_file;
  Result<std::unique_ptr<sync::Transport>> made = sync::MakeHttpTransport(options);
  if (!made.ok()) return made.status().WithContext("--ca-file");
  return made;
}

Result<sync::AccountResolver> Accounts(const Options& o) {
  const std::string path =
      o.accounts_file.empty() ? EnvOr("TRUNKLINE_ACCOUNTS", "") : o.accounts_file;
  if (path.empty()) {
    return sync::ResolverOf(sync::Accounts::FromEnvironment(sync::ProcessEnvironment()));
  }
  Result<std::unique_ptr<sync::Accounts>> loaded =
      sync::Accounts::Load(path, sync::ProcessEnvironment());
  if (!loaded.ok()) return loaded.status().WithContext("--accounts");
  return sync::ResolverOf(std::move(*loaded));
}

void PrintSyncStatus(const boost::json::object& t, std::ostream& out) {
  const uint64_t synced = CountOf(t, "synced_version");
  const uint64_t desired = CountOf(t, "desired_version");
  out << "sync      " << EscapeText(TextOf(t, "state"));
  if (synced != 0) out << " at version " << synced;
  if (synced != desired) out << " (registry at " << desired << ")";
  out << "\n";
  const std::string remote_id = TextOf(t, "remote_id");
  if (!remote_id.empty()) out << "remote id " << EscapeText(remote_id) << "\n";
  for (const auto& [name, value] : ObjectOf(t, "read_only")) {
    out << "  " << EscapeText("remote." + std::string(name)) << " "
        << EscapeText(domain::FieldValueToString(FieldValueOf(value))) << "\n";
  }
  if (t.contains("last_error")) {
    const sync::SyncFailed failed{SyncErrorOf(ObjectOf(t, "last_error")),
                                  static_cast<uint32_t>(CountOf(t, "attempts")), 0, 0};
    out << "error     " << EscapeText(sync::DescribeSyncEvent(failed)) << "\n";
  }
}

void PrintSyncRecord(const boost::json::object& r, std::ostream& out) {
  out << "   @" << CountOf(r, "position") << " " << EscapeText(TextOf(r, "time")) << " "
      << EscapeText(TextOf(r, "type")) << " by " << EscapeText(TextOf(r, "actor")) << ": "
      << EscapeText(TextOf(ObjectOf(r, "sync"), "description")) << "\n";
}

Status SyncRunCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncOptions options, WorkerOptions(o));
  TRUNKLINE_ASSIGN_OR_RETURN(sync::AccountResolver accounts, Accounts(o));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(false));
  TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<sync::Transport> transport, Transport(o));
  sync::SyncWorker worker(*reg, *transport, std::move(accounts), options);
  ProgressLine line;
  if (isatty(STDERR_FILENO)) worker.OnProgress([&](const sync::SyncProgress& p) { line.Show(p); });
  StopOnSignals stop(worker);
  Status s = o.once ? worker.RunOnce() : worker.Run();
  const sync::SyncProgress p = worker.progress();
  std::cout << "converged " << p.synced << ", failed " << p.failed << ", parked " << p.parked
            << ", pending " << p.pending << "; " << p.requests << " requests\n";
  return s;
}

Status SyncStatusCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::array trunks,
                             cli.backend().SyncStatus(o.id, o.sync_states));
  if (cli.json()) {
    PrintJson(o.id.empty() || trunks.empty() ? boost::json::value(trunks) : trunks.front());
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "PROVIDER", "STATE", "VERSION", "SYNCED", "REMOTE ID", "LAST ERROR"});
  for (const boost::json::value& v : trunks) {
    if (!v.is_object()) continue;
    const boost::json::object& t = v.as_object();
    rows.push_back({EscapeText(TextOf(t, "id")), EscapeText(TextOf(t, "provider")),
                    EscapeText(TextOf(t, "state")), std::to_string(CountOf(t, "desired_version")),
                    std::to_string(CountOf(t, "synced_version")),
                    EscapeText(TextOf(t, "remote_id")),
                    EscapeText(TextOf(ObjectOf(t, "last_error"), "message"))});
  }
  PrintTable(rows, std::cout);
  return OkStatus();
}

Status SyncPlanCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::array plans, cli.backend().Plan(o.id));
  if (cli.json()) {
    PrintJson(plans);
    return OkStatus();
  }
  if (plans.empty()) std::cout << "nothing to sync\n";
  for (const boost::json::value& v : plans) {
    if (!v.is_object()) continue;
    const boost::json::object& plan = v.as_object();
    std::cout << EscapeText(TextOf(plan, "id")) << ":";
    if (plan.contains("error")) {
      std::cout << " cannot plan: " << EscapeText(TextOf(plan, "error")) << "\n";
      continue;
    }
    const boost::json::array& writes = ArrayOf(plan, "writes");
    std::cout << (writes.empty() ? " converged\n" : "\n");
    for (const boost::json::value& w : writes) {
      if (!w.is_object()) continue;
      const boost::json::object& r = w.as_object();
      std::cout << "  " << EscapeText(TextOf(r, "method")) << " " << EscapeText(TextOf(r, "url"))
                << "  (" << EscapeText(TextOf(r, "kind")) << " " << EscapeText(TextOf(r, "target"))
                << ")\n";
      const std::string body = TextOf(r, "body");
      if (!body.empty()) std::cout << "    " << EscapeText(body) << "\n";
    }
  }
  return OkStatus();
}

Status SyncRetryCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_RETURN_IF_ERROR(cli.backend().Retry(o.id, o.actor.empty() ? "trunkctl" : o.actor));
  std::cout << "trunk " << EscapeText(o.id) << " will be synced again by the next sync run\n";
  return OkStatus();
}

Status SyncPolicyCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(sync::DriftPolicy policy, sync::ParseDriftPolicy(o.policy));
  TRUNKLINE_RETURN_IF_ERROR(
      cli.backend().Policy(o.id, policy, o.actor.empty() ? "trunkctl" : o.actor));
  std::cout << "trunk " << EscapeText(o.id) << ": drift is "
            << (policy == sync::DriftPolicy::kReport ? "reported only" : "corrected") << "\n";
  return OkStatus();
}

Status ImportCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(
      boost::json::object report,
      cli.backend().Import(o.provider, o.account, o.actor.empty() ? "import" : o.actor));
  const boost::json::array& refused = ArrayOf(report, "refused");
  if (cli.json()) {
    PrintJson(report);
  } else {
    for (const boost::json::value& id : ArrayOf(report, "imported")) {
      std::cout << "imported " << EscapeText(id.is_string() ? std::string(id.as_string()) : "")
                << "\n";
    }
    std::cout << ArrayOf(report, "imported").size() << " imported, "
              << ArrayOf(report, "already_held").size() << " already in the registry, "
              << refused.size() << " refused\n";
    for (const boost::json::value& why : refused) {
      std::cout << "  " << EscapeText(why.is_string() ? std::string(why.as_string()) : "") << "\n";
    }
  }
  if (!refused.empty()) {
    return FailedPreconditionError(std::to_string(refused.size()) +
                                   " remote trunks could not be imported (listed above)");
  }
  return OkStatus();
}

}  // namespace trunkline::trunkctl
