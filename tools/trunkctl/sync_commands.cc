// trunkctl's sync commands: run the sync worker in the foreground, show where each trunk
// stands with its provider, plan without writing, retry, set the drift policy, import.
#include "sync_commands.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <mutex>

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

std::string Text(const sync::FieldValue& v) { return domain::FieldValueToString(v); }

Result<sync::SyncOptions> WorkerOptions(const Options& o) {
  sync::SyncOptions options;
  if (!o.concurrency.empty()) {
    Result<uint64_t> n = ParseCount(o.concurrency);
    if (!n.ok() || *n == 0 || *n > 4096) {
      return InvalidArgumentError("--concurrency: must be a whole number from 1 to 4096");
    }
    options.concurrency = static_cast<uint32_t>(*n);
  }
  if (!o.drift_interval.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(std::chrono::milliseconds interval, ParseSeconds(o.drift_interval));
    options.drift_interval = interval;
  }
  options.actor = o.actor.empty() ? "sync" : o.actor;
  return options;
}

}  // namespace

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

void PrintSyncStatus(const sync::TrunkSyncStatus& t, std::ostream& out) {
  out << "sync      " << sync::SyncStateName(t.state());
  if (t.synced_version != 0) out << " at version " << t.synced_version;
  if (t.synced_version != t.desired_version) out << " (registry at " << t.desired_version << ")";
  out << "\n";
  if (!t.remote_id.empty()) out << "remote id " << EscapeText(t.remote_id) << "\n";
  for (const auto& [name, value] : t.read_only) {
    out << "  " << EscapeText("remote." + name) << " " << EscapeText(Text(value)) << "\n";
  }
  if (t.last_error) {
    out << "error     "
        << EscapeText(sync::DescribeSyncEvent(sync::SyncFailed{*t.last_error, t.attempts, 0, 0}))
        << "\n";
  }
}

void PrintSyncRecord(const sync::SyncRecord& r, std::ostream& out) {
  out << "   @" << r.position << " " << FormatTime(r.time_us) << " " << EscapeText(r.type) << " by "
      << EscapeText(r.metadata.actor) << ": " << EscapeText(sync::DescribeSyncEvent(r.event))
      << "\n";
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
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  std::vector<sync::TrunkSyncStatus> trunks;
  if (!o.id.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(sync::TrunkSync one, sync::ReadTrunkSync(reg->journal(), o.id));
    trunks.push_back(std::move(one.status));
  } else {
    sync::SyncLedger ledger;
    TRUNKLINE_RETURN_IF_ERROR(ledger.CatchUp(reg->journal()));
    for (const auto& [id, t] : ledger.trunks()) {
      if (!t.provider.empty()) trunks.push_back(t);
    }
  }
  if (cli.json()) {
    boost::json::array out;
    for (const auto& t : trunks) out.push_back(SyncStatusJson(t));
    PrintJson(o.id.empty() ? boost::json::value(out) : boost::json::value(out.front()));
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "PROVIDER", "STATE", "VERSION", "SYNCED", "REMOTE ID", "LAST ERROR"});
  for (const auto& t : trunks) {
    rows.push_back({EscapeText(t.id), EscapeText(t.provider), sync::SyncStateName(t.state()),
                    std::to_string(t.desired_version), std::to_string(t.synced_version),
                    EscapeText(t.remote_id),
                    t.last_error ? EscapeText(t.last_error->message) : ""});
  }
  PrintTable(rows, std::cout);
  return OkStatus();
}

Status SyncPlanCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncOptions options, WorkerOptions(o));
  TRUNKLINE_ASSIGN_OR_RETURN(sync::AccountResolver accounts, Accounts(o));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<sync::Transport> transport, Transport(o));
  sync::SyncWorker worker(*reg, *transport, std::move(accounts), options);
  TRUNKLINE_ASSIGN_OR_RETURN(std::vector<sync::TrunkPlan> plans, worker.Plan(o.id));
  if (cli.json()) {
    PrintJson(PlansJson(plans));
    return OkStatus();
  }
  if (plans.empty()) std::cout << "nothing to sync\n";
  for (const sync::TrunkPlan& plan : plans) {
    std::cout << EscapeText(plan.trunk_id) << ":";
    if (plan.error) {
      std::cout << " cannot plan: " << EscapeText(plan.error->ToString()) << "\n";
      continue;
    }
    std::cout << (plan.writes.empty() ? " converged\n" : "\n");
    for (const auto& r : plan.writes) {
      std::cout << "  " << r.method << " " << EscapeText(r.url) << "  (" << r.kind << " "
                << EscapeText(r.target) << ")\n";
      if (!r.body.empty()) std::cout << "    " << EscapeText(r.body) << "\n";
    }
  }
  return OkStatus();
}

Status SyncRetryCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(false));
  TRUNKLINE_RETURN_IF_ERROR(sync::RequestRetry(*reg, o.id, o.actor.empty() ? "trunkctl" : o.actor));
  std::cout << "trunk " << EscapeText(o.id) << " will be synced again by the next sync run\n";
  return OkStatus();
}

Status SyncPolicyCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(sync::DriftPolicy policy, sync::ParseDriftPolicy(o.policy));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(false));
  TRUNKLINE_RETURN_IF_ERROR(
      sync::SetDriftPolicy(*reg, o.id, policy, o.actor.empty() ? "trunkctl" : o.actor));
  std::cout << "trunk " << EscapeText(o.id) << ": drift is "
            << (policy == sync::DriftPolicy::kReport ? "reported only" : "corrected") << "\n";
  return OkStatus();
}

Status ImportCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncOptions options, WorkerOptions(o));
  options.actor = o.actor.empty() ? "import" : o.actor;
  TRUNKLINE_ASSIGN_OR_RETURN(sync::AccountResolver accounts, Accounts(o));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(false));
  TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<sync::Transport> transport, Transport(o));
  sync::SyncWorker worker(*reg, *transport, std::move(accounts), options);
  TRUNKLINE_ASSIGN_OR_RETURN(sync::SyncWorker::ImportReport report,
                             worker.Import(o.provider, o.account));
  if (cli.json()) {
    PrintJson(ImportJson(report));
  } else {
    for (const auto& id : report.imported) std::cout << "imported " << EscapeText(id) << "\n";
    std::cout << report.imported.size() << " imported, " << report.already_held.size()
              << " already in the registry, " << report.refused.size() << " refused\n";
    for (const auto& s : report.refused) std::cout << "  " << EscapeText(s.ToString()) << "\n";
  }
  if (!report.refused.empty()) {
    return FailedPreconditionError(std::to_string(report.refused.size()) +
                                   " remote trunks could not be imported (listed above)");
  }
  return OkStatus();
}

}  // namespace trunkline::trunkctl
