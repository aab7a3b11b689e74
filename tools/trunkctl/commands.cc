#include "commands.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include "backend.h"
#include "render.h"
#include "sync_commands.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/sync/sync_ledger.h"

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

std::vector<sync::SyncState> SyncStatesOf(const std::string& states) {
  if (states.empty()) return {};
  Result<std::vector<sync::SyncState>> parsed = sync::ParseSyncStates(states);
  return parsed.ok() ? std::move(*parsed) : std::vector<sync::SyncState>{};
}

bool InSyncStates(std::string_view state, const std::vector<sync::SyncState>& wanted) {
  return wanted.empty() || std::any_of(wanted.begin(), wanted.end(), [&](sync::SyncState s) {
           return state == sync::SyncStateName(s);
         });
}

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

Cli::Cli(Options& options) : o_(options) {}
Cli::~Cli() = default;
void Cli::set_backend(std::unique_ptr<Backend> backend) { backend_ = std::move(backend); }

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
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::object out, backend().Execute(id, command, meta));
  const bool changed = FlagOf(out, "changed");
  if (changed) {
    committed_ = "the change was journaled (last position " +
                 std::to_string(CountOf(out, "position")) + ", command id " + meta.command_id + ")";
  }
  if (json()) {
    PrintJson(out);
  } else {
    std::cout << (changed ? "" : "(nothing changed)\n");
    PrintTrunk(out, std::cout);
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
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::object trunk, cli.backend().Get(o.id, as_of));
  if (cli.json()) {
    PrintJson(trunk);
  } else {
    PrintTrunk(trunk, std::cout);
    // Where it stands with its provider: now only (the past of sync is in its history).
    if (trunk.contains("sync")) PrintSyncStatus(ObjectOf(trunk, "sync"), std::cout);
  }
  return OkStatus();
}

Status ListCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf as_of, AsOfOption(o));
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::array trunks, cli.backend().List(o.provider, as_of));
  if (cli.json()) {
    PrintJson(trunks);
  } else {
    PrintTrunkList(trunks, std::cout);
  }
  return OkStatus();
}

// The changes with the sync outcomes interleaved by position: when each change reached the
// provider.
Status HistoryCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::array history, cli.backend().History(o.id));
  if (cli.json()) {
    PrintJson(history);
  } else {
    PrintHistory(history, std::cout);
  }
  return OkStatus();
}

Status DiffCommand(const Cli& cli, const Options& o) {
  Result<AsOf> from = ParsePoint(o.from);
  if (!from.ok()) return from.status().WithContext("--from");
  Result<AsOf> to = ParsePoint(o.to);
  if (!to.ok()) return to.status().WithContext("--to");
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::array changes, cli.backend().Diff(o.id, *from, *to));
  if (cli.json()) {
    PrintJson(changes);
  } else {
    PrintChanges(changes, std::cout);
  }
  return OkStatus();
}

Status VerifyCommand(const Cli& cli) {
  TRUNKLINE_ASSIGN_OR_RETURN(boost::json::object report, cli.backend().Verify());
  if (cli.json()) {
    PrintJson(report);
  } else {
    std::cout << "journal intact: " << CountOf(report, "records") << " records, chain head "
              << EscapeText(TextOf(report, "chain_head")) << "\n";
  }
  return OkStatus();
}

// Stops at the first lost line: main reports the write error.
Status ExportCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<uint64_t> first, OptionalCount(o.export_from, "--from"));
  TRUNKLINE_ASSIGN_OR_RETURN(std::optional<uint64_t> to, OptionalCount(o.export_to, "--to"));
  return cli.backend().Export(first.value_or(1), to.value_or(UINT64_MAX),
                              [](const std::string& line) {
                                std::cout << line << "\n";
                                return static_cast<bool>(std::cout);
                              });
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
  std::vector<std::string> refused;
  const auto say_refused = [&] {
    for (const std::string& why : refused) std::cerr << "trunkctl: " << EscapeText(why) << "\n";
  };
  if (inspect) {
    Result<boost::json::object> schema = cli.backend().Schema(o.provider, &refused);
    say_refused();
    if (!schema.ok()) return schema.status();
    PrintSchema(*schema, cli.json(), std::cout);
    return OkStatus();
  }
  Result<boost::json::array> plugins = cli.backend().Plugins(&refused);
  say_refused();
  if (!plugins.ok()) return plugins.status();
  if (cli.json()) {
    PrintJson(*plugins);
    return OkStatus();
  }
  for (const boost::json::value& v : *plugins) {
    if (!v.is_object()) continue;
    const boost::json::object& p = v.as_object();
    std::cout << EscapeText(TextOf(p, "provider")) << " " << EscapeText(TextOf(p, "version"))
              << " (ABI " << EscapeText(TextOf(p, "abi")) << ")";
    // Where the plugin's file is, when the answer says (trunkd's does not).
    if (p.contains("path")) std::cout << " " << EscapeText(TextOf(p, "path"));
    std::cout << "\n";
  }
  return OkStatus();
}

}  // namespace trunkline::trunkctl
