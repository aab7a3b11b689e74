// trunkctl: the trunk registry from the command line.
//
//   trunkctl [--data-dir DIR] [--plugin-dir DIR] [-o table|json] COMMAND ...
//
// Exit codes: 0 ok; 2 usage; 3 invalid input or rule broken; 4 not found; 5 version
// conflict; 6 data loss; 1 anything else. Nothing is journaled on a non-zero exit.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <random>

#include "render.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/registry/registry.h"

namespace trunkline::trunkctl {

using registry::AsOf;
using registry::Registry;

struct Options {
  std::string data_dir;
  std::string plugin_dir;
  std::string output = "table";
  // Mutating commands.
  std::string actor;
  std::string reason;
  std::string command_id;
  std::optional<uint64_t> expect_version;
  std::vector<std::string> set;
  std::vector<std::string> unset;
  // Targets.
  std::string id;
  std::string provider;
  std::string account = "default";
  std::string sub_resource;
  std::string item_id;
  std::string ref;
  // Points in time.
  std::string as_of;
  std::optional<uint64_t> at;
  std::string from;
  std::string to;
  std::optional<uint64_t> export_from;
  std::optional<uint64_t> export_to;
};

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string RandomHex(size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kHex[rd() % 16]);
  return out;
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

class Cli {
 public:
  explicit Cli(Options& o) : o_(o) {}

  Result<std::unique_ptr<Registry>> Open(bool read_only) const {
    registry::RegistryOptions options{o_.data_dir, o_.plugin_dir, read_only, nullptr};
    auto opened = Registry::Open(options);
    if (!read_only && !opened.ok() && opened.status().code() == StatusCode::kUnavailable) {
      return opened.status().WithContext(
          "cannot open the registry for writing (run commands through that process instead)");
    }
    return opened;
  }

  Result<domain::FieldChanges> Changes() const {
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

  registry::CommandMeta Meta() const {
    return registry::CommandMeta{o_.actor.empty() ? EnvOr("USER", "unknown") : o_.actor, o_.reason,
                                 o_.command_id.empty() ? "cmd-" + RandomHex(24) : o_.command_id, "",
                                 o_.expect_version};
  }

  // A point given as a position (digits) or a time.
  static Result<AsOf> Point(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
      return AsOf{std::stoull(text), std::nullopt};
    }
    TRUNKLINE_ASSIGN_OR_RETURN(int64_t t, ParseTime(text));
    return AsOf{std::nullopt, t};
  }

  Result<AsOf> AsOfOption() const {
    if (o_.at) return AsOf{o_.at, std::nullopt};
    if (o_.as_of.empty()) return AsOf{};
    TRUNKLINE_ASSIGN_OR_RETURN(int64_t t, ParseTime(o_.as_of));
    return AsOf{std::nullopt, t};
  }

  Status Execute(const std::string& id, const domain::Command& command) const {
    TRUNKLINE_ASSIGN_OR_RETURN(auto reg, Open(false));
    TRUNKLINE_ASSIGN_OR_RETURN(registry::CommandOutcome outcome, reg->Execute(id, command, Meta()));
    if (json()) {
      boost::json::object out = TrunkJson(outcome.state);
      out["changed"] = outcome.changed;
      out["replayed"] = outcome.receipt.replayed;
      out["position"] = outcome.receipt.last_position;
      std::cout << boost::json::serialize(out) << "\n";
    } else {
      std::cout << (outcome.changed ? "" : "(nothing changed)\n");
      PrintTrunk(outcome.state, std::cout);
    }
    return OkStatus();
  }

  bool json() const { return o_.output == "json"; }

 private:
  Options& o_;
};

Status CreateCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
  const std::string id = o.id.empty() ? "tr-" + RandomHex(12) : o.id;
  return cli.Execute(id, domain::CreateTrunk{o.provider, o.account, std::move(changes)});
}

Status GetCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf as_of, cli.AsOfOption());
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(domain::TrunkState trunk, reg->Get(o.id, as_of));
  if (cli.json()) {
    std::cout << boost::json::serialize(TrunkJson(trunk)) << "\n";
  } else {
    PrintTrunk(trunk, std::cout);
  }
  return OkStatus();
}

Status ListCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf as_of, cli.AsOfOption());
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(auto trunks, reg->List(o.provider, as_of));
  if (cli.json()) {
    boost::json::array out;
    for (const auto& t : trunks) out.push_back(TrunkJson(t));
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    PrintTrunkList(trunks, std::cout);
  }
  return OkStatus();
}

Status HistoryCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(auto history, reg->History(o.id));
  if (cli.json()) {
    boost::json::array out;
    for (const auto& e : history) out.push_back(HistoryJson(e));
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    PrintHistory(history, std::cout);
  }
  return OkStatus();
}

Status DiffCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf from, Cli::Point(o.from));
  TRUNKLINE_ASSIGN_OR_RETURN(AsOf to, Cli::Point(o.to));
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(auto changes, reg->Diff(o.id, from, to));
  if (cli.json()) {
    boost::json::array out;
    for (const auto& c : changes) out.push_back(ChangeJson(c));
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    PrintChanges(changes, std::cout);
  }
  return OkStatus();
}

Status VerifyCommand(const Cli& cli) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  TRUNKLINE_ASSIGN_OR_RETURN(journal::VerifyReport report, reg->journal().Verify());
  if (cli.json()) {
    boost::json::object out{{"ok", true},
                            {"records", report.records},
                            {"last_position", report.last_position},
                            {"chain_head", ToHex(report.last_hash)}};
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    std::cout << "journal intact: " << report.records << " records, chain head "
              << ToHex(report.last_hash) << "\n";
  }
  return OkStatus();
}

Status ExportCommand(const Cli& cli, const Options& o) {
  TRUNKLINE_ASSIGN_OR_RETURN(auto reg, cli.Open(true));
  const uint64_t last = o.export_to.value_or(UINT64_MAX);
  for (uint64_t next = o.export_from.value_or(1); next <= last;) {
    TRUNKLINE_ASSIGN_OR_RETURN(auto batch, reg->journal().ReadAll(next, 1024));
    if (batch.empty()) break;
    for (const journal::Record& r : batch) {
      if (r.position > last) return OkStatus();
      std::cout << boost::json::serialize(RecordJson(r)) << "\n";
    }
    next = batch.back().position + 1;
  }
  return OkStatus();
}

// Prints "rebuild: DONE/TOTAL events, RATE events/s, ETA S s" on stderr, a few times a second.
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
    std::cout << boost::json::serialize(boost::json::object{
                     {"folded", folded}, {"checkpoint", reg->ProjectionCheckpoint()}})
              << "\n";
  } else {
    std::cout << "projections rebuilt: " << folded << " events folded, checkpoint "
              << reg->ProjectionCheckpoint() << "\n";
  }
  return OkStatus();
}

Status PluginsCommand(const Cli& cli, const Options& o, bool inspect) {
  plugin_host::PluginHost host;
  TRUNKLINE_ASSIGN_OR_RETURN(plugin_host::LoadReport report, host.LoadDirectory(o.plugin_dir));
  for (const Status& s : report.refused) std::cerr << "trunkctl: " << s.message() << "\n";
  if (!inspect) {
    boost::json::array out;
    for (const auto* p : host.plugins()) {
      out.push_back(boost::json::object{{"provider", p->provider_id()},
                                        {"version", p->version()},
                                        {"abi", p->abi_version()},
                                        {"path", p->path()}});
      if (!cli.json()) {
        std::cout << p->provider_id() << " " << p->version() << " (ABI " << p->abi_version() << ") "
                  << p->path() << "\n";
      }
    }
    if (cli.json()) std::cout << boost::json::serialize(out) << "\n";
    return OkStatus();
  }
  const plugin_host::LoadedPlugin* plugin = host.Find(o.provider);
  if (plugin == nullptr)
    return NotFoundError("provider: no plugin provides \"" + o.provider + "\"");
  TRUNKLINE_ASSIGN_OR_RETURN(std::string bytes, plugin->DescribeSchema());
  TRUNKLINE_ASSIGN_OR_RETURN(domain::Schema schema, domain::DecodeSchemaBytes(bytes));
  PrintSchema(schema, cli.json(), std::cout);
  return OkStatus();
}

}  // namespace trunkline::trunkctl

namespace {

using trunkline::Status;
using trunkline::trunkctl::Cli;
using trunkline::trunkctl::Options;
namespace tc = trunkline::trunkctl;
namespace domain = trunkline::domain;

// Adds --actor, --reason, --command-id and the field options to a mutating command.
void MutatingOptions(CLI::App* cmd, Options& o, bool fields) {
  cmd->add_option("--actor", o.actor, "who makes the change (default: $USER)");
  cmd->add_option("--reason", o.reason, "why");
  cmd->add_option("--command-id", o.command_id, "idempotency key (default: a fresh one)");
  if (!fields) return;
  cmd->add_option("--set", o.set, "KEY=VALUE (repeatable)");
  cmd->add_option("--unset", o.unset, "KEY (repeatable)");
}

void AsOfOptions(CLI::App* cmd, Options& o) {
  auto* as_of = cmd->add_option("--as-of", o.as_of, "a past time, e.g. 2026-11-22T14:00:00Z");
  cmd->add_option("--at", o.at, "a past global position")->excludes(as_of);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data_dir = tc::EnvOr("TRUNKLINE_DATA_DIR", "./trunkline-data");
  std::function<Status()> action;
  Cli cli(o);

  CLI::App app{"trunkctl: the trunk registry from the command line"};
  app.require_subcommand(1);
  app.add_option("--data-dir", o.data_dir,
                 "registry data (default ./trunkline-data or "
                 "$TRUNKLINE_DATA_DIR)");
  app.add_option("--plugin-dir", o.plugin_dir,
                 "provider plugins (default: $TRUNKLINE_PLUGIN_DIR "
                 "or the built ones)");
  app.add_option("-o,--output", o.output, "table or json")->check(CLI::IsMember({"table", "json"}));

  CLI::App* trunk = app.add_subcommand("trunk", "trunks")->require_subcommand(1);
  CLI::App* create = trunk->add_subcommand("create", "create a trunk");
  create->add_option("--provider", o.provider, "provider id, e.g. twilio")->required();
  create->add_option("--account", o.account, "provider account alias (default: default)");
  create->add_option("--id", o.id, "trunk id (default: a fresh one)");
  MutatingOptions(create, o, true);
  create->callback([&] { action = [&] { return tc::CreateCommand(cli, o); }; });

  CLI::App* update = trunk->add_subcommand("update", "change fields of a trunk");
  update->add_option("ID", o.id)->required();
  update->add_option("--expect-version", o.expect_version, "refuse unless at this version");
  MutatingOptions(update, o, true);
  update->callback([&] {
    action = [&]() -> Status {
      TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
      return cli.Execute(o.id, domain::UpdateTrunk{std::move(changes)});
    };
  });

  CLI::App* del = trunk->add_subcommand("delete", "delete a trunk");
  del->add_option("ID", o.id)->required();
  del->add_option("--expect-version", o.expect_version, "refuse unless at this version");
  MutatingOptions(del, o, false);
  del->callback([&] { action = [&] { return cli.Execute(o.id, domain::DeleteTrunk{}); }; });

  CLI::App* get = trunk->add_subcommand("get", "show a trunk, now or as of a past point");
  get->add_option("ID", o.id)->required();
  AsOfOptions(get, o);
  get->callback([&] { action = [&] { return tc::GetCommand(cli, o); }; });

  CLI::App* list = trunk->add_subcommand("list", "list trunks, now or as of a past point");
  list->add_option("--provider", o.provider, "only this provider's");
  AsOfOptions(list, o);
  list->callback([&] { action = [&] { return tc::ListCommand(cli, o); }; });

  CLI::App* history = trunk->add_subcommand("history", "every change: who, when, why, what");
  history->add_option("ID", o.id)->required();
  history->callback([&] { action = [&] { return tc::HistoryCommand(cli, o); }; });

  CLI::App* diff = trunk->add_subcommand("diff", "what changed between two points");
  diff->add_option("ID", o.id)->required();
  diff->add_option("--from", o.from, "position or time")->required();
  diff->add_option("--to", o.to, "position or time")->required();
  diff->callback([&] { action = [&] { return tc::DiffCommand(cli, o); }; });

  // Sub-resources: collection items, singletons, attachments.
  CLI::App* item = trunk->add_subcommand("item", "collection items, e.g. origination_urls")
                       ->require_subcommand(1);
  for (const char* verb : {"add", "update", "remove"}) {
    CLI::App* c = item->add_subcommand(verb, std::string(verb) + " an item");
    c->add_option("ID", o.id)->required();
    c->add_option("SUB_RESOURCE", o.sub_resource)->required();
    c->add_option("ITEM_ID", o.item_id)->required();
    MutatingOptions(c, o, std::string(verb) != "remove");
    const std::string v = verb;
    c->callback([&, v] {
      action = [&, v]() -> Status {
        TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
        if (v == "add") {
          return cli.Execute(o.id, domain::AddItem{o.sub_resource, o.item_id, changes});
        }
        if (v == "update") {
          return cli.Execute(o.id, domain::UpdateItem{o.sub_resource, o.item_id, changes});
        }
        return cli.Execute(o.id, domain::RemoveItem{o.sub_resource, o.item_id});
      };
    });
  }
  CLI::App* single = trunk->add_subcommand("set", "update a singleton, e.g. recording");
  single->add_option("ID", o.id)->required();
  single->add_option("SUB_RESOURCE", o.sub_resource)->required();
  MutatingOptions(single, o, true);
  single->callback([&] {
    action = [&]() -> Status {
      TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
      return cli.Execute(o.id, domain::UpdateSingleton{o.sub_resource, std::move(changes)});
    };
  });
  for (const char* verb : {"attach", "detach"}) {
    CLI::App* c = trunk->add_subcommand(verb, std::string(verb) + " e.g. a phone number");
    c->add_option("ID", o.id)->required();
    c->add_option("SUB_RESOURCE", o.sub_resource)->required();
    c->add_option("REF", o.ref, "the provider's id")->required();
    MutatingOptions(c, o, false);
    const bool attach = std::string(verb) == "attach";
    c->callback([&, attach] {
      action = [&, attach]() -> Status {
        if (attach) return cli.Execute(o.id, domain::Attach{o.sub_resource, o.ref});
        return cli.Execute(o.id, domain::Detach{o.sub_resource, o.ref});
      };
    });
  }

  CLI::App* journal = app.add_subcommand("journal", "the event journal")->require_subcommand(1);
  journal->add_subcommand("verify", "prove the history intact")->callback([&] {
    action = [&] { return tc::VerifyCommand(cli); };
  });
  CLI::App* exp = journal->add_subcommand("export", "events as JSON Lines");
  exp->add_option("--from", o.export_from, "first position");
  exp->add_option("--to", o.export_to, "last position");
  exp->callback([&] { action = [&] { return tc::ExportCommand(cli, o); }; });

  CLI::App* projections = app.add_subcommand("projections", "derived state")->require_subcommand(1);
  projections->add_subcommand("rebuild", "fold the whole journal again (resumable)")->callback([&] {
    action = [&] { return tc::RebuildCommand(cli); };
  });

  CLI::App* plugins = app.add_subcommand("plugins", "provider plugins")->require_subcommand(1);
  plugins->add_subcommand("list", "loaded plugins")->callback([&] {
    action = [&] { return tc::PluginsCommand(cli, o, false); };
  });
  CLI::App* inspect = plugins->add_subcommand("inspect", "a provider's schema and rules");
  inspect->add_option("PROVIDER", o.provider)->required();
  inspect->callback([&] { action = [&] { return tc::PluginsCommand(cli, o, true); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (o.plugin_dir.empty()) o.plugin_dir = trunkline::plugin_host::DefaultPluginDir();
  const Status s = action();
  if (!s.ok()) std::cerr << "trunkctl: " << s.ToString() << "\n";
  return tc::ExitCode(s);
}
