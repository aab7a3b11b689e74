#include "commands.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include "render.h"
#include "sync_commands.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/plugin_host/plugin_host.h"

namespace trunkline::trunkctl {
namespace {

using registry::AsOf;
using registry::Registry;

std::string RandomHex(size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kHex[rd() % 16]);
  return out;
}

// The journal's refusal of a second writer, as opposed to a failure to open the files.
bool HeldByAnotherProcess(const Status& s) {
  return s.code() == StatusCode::kUnavailable &&
         (s.message().find("is held for writing by") != std::string::npos ||
          s.message().find("is open in another process") != std::string::npos);
}

Result<std::optional<uint64_t>> OptionalCount(const std::optional<std::string>& text,
                                              std::string_view option) {
  if (!text) return std::optional<uint64_t>();
  Result<uint64_t> count = ParseCount(*text);
  if (!count.ok()) return count.status().WithContext(option);
  return std::optional<uint64_t>(*count);
}

Result<AsOf> AsOfOption(const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<uint64_t> at, OptionalCount(o.at, "--at"));
  if (at) return AsOf{at, std::nullopt};
  if (o.as_of.empty()) return AsOf{};
  Result<int64_t> time = ParseTime(o.as_of);
  if (!time.ok()) return time.status().WithContext("--as-of");
  return AsOf{std::nullopt, *time};
}

}  // namespace

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

int ExitCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 3;
    case StatusCode::kNotFound:
      return 4;
    case StatusCode::kAborted:
      return 5;
    case StatusCode::kDataLoss:
      return 6;
    default:
      return 1;
  }
}

Result<std::unique_ptr<Registry>> Cli::Open(bool read_only) const {
  Result<std::chrono::milliseconds> wait = ParseSeconds(o_.wait_lock);
  if (!wait.ok()) return wait.status().WithContext("--wait-lock");
  registry::RegistryOptions options{o_.data_dir, o_.plugin_dir, read_only, nullptr, *wait};
  Result<std::unique_ptr<Registry>> opened = Registry::Open(options);
  if (opened.ok()) {
    // What the registry repaired on its way in (a projection rebuilt from the journal).
    for (const std::string& notice : (*opened)->Notices()) {
      std::cerr << "trunkctl: notice: " << EscapeText(notice) << "\n";
    }
    return opened;
  }
  const Status& s = opened.status();
  if (!read_only && HeldByAnotherProcess(s)) {
    return Status(StatusCode::kUnavailable,
                  "another process holds the data dir " + o_.data_dir + " for writing (" +
                      s.message() + "); waited " + o_.wait_lock +
                      " s for it; use --wait-lock SECONDS to wait longer");
  }
  if (read_only && s.code() == StatusCode::kNotFound) {
    return Status(StatusCode::kNotFound,
                  s.message() + "; looked in the data dir " + o_.data_dir + " (" +
                      o_.data_dir_source +
                      "); choose another with --data-dir DIR or the TRUNKLINE_DATA_DIR "
                      "environment variable");
  }
  return s;
}

Result<domain::FieldChanges> Cli::Changes() const {
  domain::FieldChanges changes;
  for (const std::string& kv : o_.set) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("--set: must be KEY=VALUE (got \"" + kv + "\")");
    }
    changes.set[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  changes.unset = o_.unset;
  return changes;
}

Result<registry::CommandMeta> Cli::Meta() const {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<uint64_t> expected,
                             OptionalCount(o_.expect_version, "--expect-version"));
  return registry::CommandMeta{o_.actor.empty() ? EnvOr("USER", "unknown") : o_.actor, o_.reason,
                               o_.command_id.empty() ? "cmd-" + RandomHex(24) : o_.command_id, "",
                               expected};
}

Status Cli::Execute(const std::string& id, const domain::Command& command) const {
  TRUNKLINE_ASSIGN_OR_RETURN(registry::CommandMeta meta, Meta());
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, Open(false));
  TRUNKLINE_ASSIGN_OR_RETURN(registry::CommandOutcome outcome, reg->Execute(id, command, meta));
  if (outcome.changed) {
    committed_ = "the change was journaled (last position " +
                 std::to_string(outcome.receipt.last_position) + ", command id " + meta.command_id +
                 ")";
  }
  if (json()) {
    boost::json::object out = TrunkJson(outcome.state);
    out["changed"] = outcome.changed;
    out["replayed"] = outcome.receipt.replayed;
    out["position"] = outcome.receipt.last_position;
    PrintJson(out);
  } else {
    std::cout << (outcome.changed ? "" : "(nothing changed)\n");
    PrintTrunk(outcome.state, std::cout);
  }
  return OkStatus();
}

Status CreateCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
  const std::string id = o.id.empty() ? "tr-" + RandomHex(12) : o.id;
  return cli.Execute(id, domain::CreateTrunk{o.provider, o.account, std::move(changes)});
}

Status GetCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf as_of, AsOfOption(o));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(domain::TrunkState trunk, reg->Get(o.id, as_of));
  // Where it stands with its provider: now only (the past of sync is in its history).
  std::optional<sync::TrunkSyncStatus> synced;
  if (!as_of.position && !as_of.time_us) {
    TRUNKLINE_ASSIGN_OR_RETURN(sync::TrunkSync s, sync::ReadTrunkSync(reg->journal(), o.id));
    synced = std::move(s.status);
  }
  if (cli.json()) {
    boost::json::object out = TrunkJson(trunk);
    if (synced) out["sync"] = SyncStatusJson(*synced);
    PrintJson(out);
  } else {
    PrintTrunk(trunk, std::cout);
    if (synced) PrintSyncStatus(*synced, std::cout);
  }
  return OkStatus();
}

Status ListCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf as_of, AsOfOption(o));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(auto trunks, reg->List(o.provider, as_of));
  if (cli.json()) {
    boost::json::array out;
    for (const auto& t : trunks) out.push_back(TrunkJson(t));
    PrintJson(out);
  } else {
    PrintTrunkList(trunks, std::cout);
  }
  return OkStatus();
}

Status HistoryCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(auto history, reg->History(o.id));
  // The sync outcomes, interleaved by position: when each change reached the provider.
  TRUNKLINE_ASSIGN_OR_RETURN(sync::TrunkSync synced, sync::ReadTrunkSync(reg->journal(), o.id));
  auto outcome = synced.records.begin();
  const auto outcomes_before = [&](uint64_t position, auto emit) {
    for (; outcome != synced.records.end() && outcome->position < position; ++outcome) {
      emit(*outcome);
    }
  };
  if (cli.json()) {
    PrintJson(TrunkHistoryJson(history, synced));
  } else {
    const auto emit = [&](const sync::SyncRecord& r) { PrintSyncRecord(r, std::cout); };
    for (const auto& e : history) {
      outcomes_before(e.position, emit);
      PrintHistory({e}, std::cout);
    }
    outcomes_before(UINT64_MAX, emit);
  }
  return OkStatus();
}

Status DiffCommand(const Cli& cli, const Options& o) {
  Result<AsOf> from = ParsePoint(o.from);
  if (!from.ok()) return from.status().WithContext("--from");
  Result<AsOf> to = ParsePoint(o.to);
  if (!to.ok()) return to.status().WithContext("--to");
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(auto changes, reg->Diff(o.id, *from, *to));
  if (cli.json()) {
    boost::json::array out;
    for (const auto& c : changes) out.push_back(ChangeJson(c));
    PrintJson(out);
  } else {
    PrintChanges(changes, std::cout);
  }
  return OkStatus();
}

Status VerifyCommand(const Cli& cli) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(journal::VerifyReport report, reg->journal().Verify());
  if (cli.json()) {
    PrintJson(boost::json::object{{"ok", true},
                                  {"records", report.records},
                                  {"last_position", report.last_position},
                                  {"chain_head", ToHex(report.last_hash)}});
  } else {
    std::cout << "journal intact: " << report.records << " records, chain head "
              << ToHex(report.last_hash) << "\n";
  }
  return OkStatus();
}

// Stops at the first lost line: main reports the write error.
Status ExportCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<uint64_t> first, OptionalCount(o.export_from, "--from"));
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<uint64_t> to, OptionalCount(o.export_to, "--to"));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  const uint64_t last = to.value_or(UINT64_MAX);
  for (uint64_t next = first.value_or(1); next <= last && std::cout;) {
    TRUNKLINE_ASSIGN_OR_RETURN(auto batch, reg->journal().ReadAll(next, 1024));
    if (batch.empty()) break;
    for (const journal::Record& r : batch) {
      if (r.position > last || !std::cout) return OkStatus();
      PrintJson(RecordJson(r));
    }
    if (batch.back().position == UINT64_MAX) break;
    next = batch.back().position + 1;
  }
  return OkStatus();
}

Status RebuildCommand(const Cli& cli) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(false));
  const auto start = std::chrono::steady_clock::now();
  auto last_print = start;
  uint64_t folded = 0;
  auto progress = [&](uint64_t done, uint64_t total) {
    folded = done;
    const auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_print < std::chrono::milliseconds(250)) return true;
    last_print = now;
    const double seconds = std::chrono::duration<double>(now - start).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    std::fprintf(stderr, "\rrebuild: %llu/%llu events, %.0f events/s, ETA %.1f s   ",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 rate, eta);
    return true;
  };
  TRUNKLINE_RETURN_IF_ERROR(reg->RebuildProjections(progress));
  std::fprintf(stderr, "\n");
  if (cli.json()) {
    PrintJson(boost::json::object{{"folded", folded}, {"checkpoint", reg->ProjectionCheckpoint()}});
  } else {
    std::cout << "projections rebuilt: " << folded << " events folded, checkpoint "
              << reg->ProjectionCheckpoint() << "\n";
  }
  return OkStatus();
}

Status PluginsCommand(const Cli& cli, const Options& o, bool inspect) {
  plugin_host::PluginHost host;
  TRUNKLINE_ASSIGN_OR_RETURN(plugin_host::LoadReport report, host.LoadDirectory(o.plugin_dir));
  for (const Status& s : report.refused)
    std::cerr << "trunkctl: " << EscapeText(s.message()) << "\n";
  if (!inspect) {
    boost::json::array out;
    for (const auto* p : host.plugins()) {
      out.push_back(boost::json::object{{"provider", p->provider_id()},
                                        {"version", p->version()},
                                        {"abi", p->abi_version()},
                                        {"path", p->path()}});
      if (!cli.json()) {
        std::cout << EscapeText(p->provider_id()) << " " << EscapeText(p->version()) << " (ABI "
                  << EscapeText(p->abi_version()) << ") " << EscapeText(p->path()) << "\n";
      }
    }
    if (cli.json()) PrintJson(out);
    return OkStatus();
  }
  const plugin_host::LoadedPlugin* plugin = host.Find(o.provider);
  if (plugin == nullptr) {
    return NotFoundError("provider: no plugin provides \"" + o.provider + "\"");
  }
  TRUNKLINE_ASSIGN_OR_RETURN(std::string bytes, plugin->DescribeSchema());
  TRUNKLINE_ASSIGN_OR_RETURN(domain::Schema schema, domain::DecodeSchemaBytes(bytes));
  PrintSchema(schema, cli.json(), std::cout);
  return OkStatus();
}

}  // namespace trunkline::trunkctl
