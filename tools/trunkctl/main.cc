// trunkctl: the trunk registry from the command line.
//
//   trunkctl [--data-dir DIR] [--plugin-dir DIR] [-o table|json] [--wait-lock SECONDS] COMMAND ...
//   trunkctl --server URL [--token-file FILE] [--ca-file FILE] [-o table|json] COMMAND ...
//
// Embedded, every command opens the data dir itself; with --server it goes through trunkd's
// API, printing the same and exiting with the same code. Global options may also follow the
// command. Exit codes: 0 ok; 2 usage; 3 invalid input or rule broken; 4 not found; 5 version
// conflict; 6 data loss; 1 anything else, including output that could not be written. Nothing is
// journaled on a non-zero exit, except that a change whose output is then lost is reported as such
// (exit 1).
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>

#include "backend.h"
#include "commands.h"
#include "sync_commands.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/plugin_host/plugin_host.h"

namespace {

using trunkline::Status;
using trunkline::trunkctl::Cli;
using trunkline::trunkctl::Options;
namespace tc = trunkline::trunkctl;
namespace domain = trunkline::domain;

// A CLI11 check from one of args.h's parsers: a refused value is a usage error (exit 2)
// that names the option.
template <typename Parse>
CLI::Validator Checked(Parse parse, std::string type) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        auto parsed = parse(text);
        return parsed.ok() ? std::string() : parsed.status().message();
      },
      std::move(type));
}

CLI::Validator CountCheck() { return Checked(trunkline::api::ParseCount, "N"); }
// A whole number from `min` to `max`.
CLI::Validator CountCheck(uint64_t min, uint64_t max) {
  return Checked(
      [min, max](std::string_view text) -> trunkline::Result<uint64_t> {
        trunkline::Result<uint64_t> n = trunkline::api::ParseCount(text);
        if (n.ok() && *n >= min && *n <= max) return n;
        return trunkline::InvalidArgumentError("must be a whole number from " +
                                               std::to_string(min) + " to " + std::to_string(max));
      },
      "N");
}
CLI::Validator TimeCheck() { return Checked(trunkline::api::ParseTime, "TIME"); }
CLI::Validator PointCheck() { return Checked(trunkline::api::ParsePoint, "POS|TIME"); }

// Adds --actor, --reason, --command-id and the field options to a mutating command.
void MutatingOptions(CLI::App* cmd, Options& o, bool fields) {
  cmd->add_option("--actor", o.actor,
                  "who makes the change (default: $USER; with --server the token's name, "
                  "which trunkd decides)");
  cmd->add_option("--reason", o.reason, "why");
  cmd->add_option("--command-id", o.command_id, "idempotency key (default: a fresh one)");
  if (!fields) return;
  cmd->add_option("--set", o.set, "KEY=VALUE (repeatable)");
  cmd->add_option("--unset", o.unset, "KEY (repeatable)");
}

void AsOfOptions(CLI::App* cmd, Options& o) {
  auto* as_of = cmd->add_option("--as-of", o.as_of, "a past time, e.g. 2026-11-22T14:00:00Z")
                    ->check(TimeCheck());
  cmd->add_option("--at", o.at, "a past global position")->check(CountCheck())->excludes(as_of);
}

CLI::App* IdArgument(CLI::App* cmd, Options& o) {
  cmd->add_option("ID", o.id, "the trunk's id")->required();
  return cmd;
}

CLI::App* ExpectVersionOption(CLI::App* cmd, Options& o) {
  cmd->add_option("--expect-version", o.expect_version,
                  "refuse unless the trunk is at this version")
      ->check(CountCheck());
  return cmd;
}

using Action = std::function<Status()>;

void AddTrunkCommands(CLI::App* trunk, Options& o, const Cli& cli, Action& action) {
  CLI::App* create = trunk->add_subcommand("create", "create a trunk");
  create->add_option("--provider", o.provider, "provider id, e.g. twilio")->required();
  create->add_option("--account", o.account, "provider account alias (default: default)");
  create->add_option("--id", o.id, "trunk id (default: a fresh one)");
  MutatingOptions(create, o, true);
  create->callback([&] { action = [&] { return tc::CreateCommand(cli, o); }; });

  CLI::App* update = IdArgument(trunk->add_subcommand("update", "change fields of a trunk"), o);
  ExpectVersionOption(update, o);
  MutatingOptions(update, o, true);
  update->callback([&] {
    action = [&]() -> Status {
      TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
      return cli.Execute(o.id, domain::UpdateTrunk{std::move(changes)});
    };
  });

  CLI::App* del = IdArgument(trunk->add_subcommand("delete", "delete a trunk"), o);
  ExpectVersionOption(del, o);
  MutatingOptions(del, o, false);
  del->callback([&] { action = [&] { return cli.Execute(o.id, domain::DeleteTrunk{}); }; });

  CLI::App* get =
      IdArgument(trunk->add_subcommand("get", "show a trunk, now or as of a past point"), o);
  AsOfOptions(get, o);
  get->callback([&] { action = [&] { return tc::GetCommand(cli, o); }; });

  CLI::App* list = trunk->add_subcommand("list", "list trunks, now or as of a past point");
  list->add_option("--provider", o.provider, "only this provider's");
  AsOfOptions(list, o);
  list->callback([&] { action = [&] { return tc::ListCommand(cli, o); }; });

  IdArgument(trunk->add_subcommand("history", "every change: who, when, why, what"), o)
      ->callback([&] { action = [&] { return tc::HistoryCommand(cli, o); }; });

  CLI::App* diff = IdArgument(trunk->add_subcommand("diff", "what changed between two points"), o);
  diff->add_option("--from", o.from, "a global position or a time")
      ->required()
      ->check(PointCheck());
  diff->add_option("--to", o.to, "a global position or a time")->required()->check(PointCheck());
  diff->callback([&] { action = [&] { return tc::DiffCommand(cli, o); }; });
}

// Sub-resources: collection items, singletons, attachments.
void AddSubResourceCommands(CLI::App* trunk, Options& o, const Cli& cli, Action& action) {
  CLI::App* item = trunk->add_subcommand("item", "collection items, e.g. origination_urls")
                       ->require_subcommand(1);
  for (const char* verb : {"add", "update", "remove"}) {
    CLI::App* c = IdArgument(item->add_subcommand(verb, std::string(verb) + " an item"), o);
    c->add_option("SUB_RESOURCE", o.sub_resource, "a collection, e.g. origination_urls")
        ->required();
    c->add_option("ITEM_ID", o.item_id, "the item's id within the collection")->required();
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
  CLI::App* single =
      IdArgument(trunk->add_subcommand("set", "update a singleton, e.g. recording"), o);
  single->add_option("SUB_RESOURCE", o.sub_resource, "a singleton, e.g. recording")->required();
  MutatingOptions(single, o, true);
  single->callback([&] {
    action = [&]() -> Status {
      TRUNKLINE_ASSIGN_OR_RETURN(domain::FieldChanges changes, cli.Changes());
      return cli.Execute(o.id, domain::UpdateSingleton{o.sub_resource, std::move(changes)});
    };
  });
  for (const char* verb : {"attach", "detach"}) {
    CLI::App* c =
        IdArgument(trunk->add_subcommand(verb, std::string(verb) + " e.g. a phone number"), o);
    c->add_option("SUB_RESOURCE", o.sub_resource, "an attachments list, e.g. phone_numbers")
        ->required();
    c->add_option("REF", o.ref, "the provider's id of what is attached")->required();
    MutatingOptions(c, o, false);
    const bool attach = std::string(verb) == "attach";
    c->callback([&, attach] {
      action = [&, attach]() -> Status {
        if (attach) return cli.Execute(o.id, domain::Attach{o.sub_resource, o.ref});
        return cli.Execute(o.id, domain::Detach{o.sub_resource, o.ref});
      };
    });
  }
}

void AddOtherCommands(CLI::App& app, Options& o, const Cli& cli, Action& action) {
  CLI::App* journal = app.add_subcommand("journal", "the event journal")->require_subcommand(1);
  journal->add_subcommand("verify", "prove the history intact")->callback([&] {
    action = [&] { return tc::VerifyCommand(cli); };
  });
  CLI::App* exp = journal->add_subcommand("export", "events as JSON Lines");
  exp->add_option("--from", o.export_from, "first global position")->check(CountCheck());
  exp->add_option("--to", o.export_to, "last global position")->check(CountCheck());
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
  inspect->add_option("PROVIDER", o.provider, "a provider id, e.g. twilio")->required();
  inspect->callback([&] { action = [&] { return tc::PluginsCommand(cli, o, true); }; });
}

void AddSyncCommands(CLI::App& app, Options& o, const Cli& cli, Action& action) {
  const auto accounts = [&](CLI::App* cmd) {
    cmd->add_option("--accounts", o.accounts_file,
                    "provider accounts file (default: $TRUNKLINE_ACCOUNTS; core/sync/README.md; "
                    "not with --server: trunkd's)");
    cmd->add_option("--ca-file", o.ca_file,
                    "PEM certificate authorities for the provider APIs (default: the system's; "
                    "with --server, for trunkd)");
    return cmd;
  };
  CLI::App* sync = app.add_subcommand("sync", "bring providers in line with the registry")
                       ->require_subcommand(1);
  CLI::App* run = accounts(sync->add_subcommand("run", "run the sync worker in the foreground"));
  run->add_flag("--once", o.once,
                "one pass over every trunk that needs work; exit 0 when all converged");
  run->add_option("--concurrency", o.concurrency, "trunks synced at once (default 32)")
      ->check(CountCheck(1, 4096));
  run->add_option("--max-attempts", o.max_attempts,
                  "failed attempts in a row before a trunk is parked (default 8)")
      ->check(CountCheck(1, 1000));
  run->add_option("--drift-interval", o.drift_interval,
                  "seconds between observations of synced trunks for drift (default: never)")
      ->check(Checked(trunkline::api::ParseSeconds, "SECONDS"));
  run->add_option("--actor", o.actor, "the actor of journaled outcomes (default: sync)");
  run->callback([&] { action = [&] { return tc::SyncRunCommand(cli, o); }; });

  CLI::App* status = sync->add_subcommand("status", "where each trunk stands with its provider");
  status->add_option("ID", o.id, "one trunk (default: all)");
  status
      ->add_option("--state", o.sync_states,
                   "only trunks in these states, e.g. failed,parked (of pending, synced, failed, "
                   "parked, deleted)")
      ->check(Checked(trunkline::sync::ParseSyncStates, "STATES"));
  status->callback([&] { action = [&] { return tc::SyncStatusCommand(cli, o); }; });

  CLI::App* plan =
      accounts(sync->add_subcommand("plan", "the requests a sync would send (reads only)"));
  plan->add_option("ID", o.id, "one trunk (default: every trunk that needs work)");
  plan->callback([&] { action = [&] { return tc::SyncPlanCommand(cli, o); }; });

  CLI::App* retry = IdArgument(sync->add_subcommand("retry", "sync a parked trunk again"), o);
  retry->add_option("--actor", o.actor,
                    "who asks (default: trunkctl; with --server the token's name)");
  retry->callback([&] { action = [&] { return tc::SyncRetryCommand(cli, o); }; });

  CLI::App* policy =
      IdArgument(sync->add_subcommand("policy", "correct drift, or only report it"), o);
  policy->add_option("POLICY", o.policy, "correct or report")
      ->required()
      ->check(CLI::IsMember({"correct", "report"}));
  policy->add_option("--actor", o.actor,
                     "who asks (default: trunkctl; with --server the token's name)");
  policy->callback([&] { action = [&] { return tc::SyncPolicyCommand(cli, o); }; });

  CLI::App* adopt =
      accounts(app.add_subcommand("import", "adopt a provider account's trunks (reads only)"));
  adopt->add_option("--provider", o.provider, "provider id, e.g. twilio")->required();
  adopt->add_option("--account", o.account, "account alias (default: default)");
  adopt->add_option("--actor", o.actor,
                    "the actor of the imported trunks (default: import; with --server, "
                    "trunkd's)");
  adopt->callback([&] { action = [&] { return tc::ImportCommand(cli, o); }; });
}

// "unknown command 'trnk'; did you mean 'trunk'?" when the word where a command was
// expected names none; nullopt when the parse failed for another reason.
std::optional<std::string> UnknownCommand(CLI::App& app) {
  std::vector<CLI::App*> chain{&app};
  while (!chain.back()->get_subcommands().empty()) {
    chain.push_back(chain.back()->get_subcommands().front());
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : chain.back()->get_subcommands({})) {
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  }
  if (names.empty()) return std::nullopt;
  std::string word;
  for (const CLI::App* a : chain) {
    for (const std::string& arg : a->remaining()) {
      if (word.empty() && !arg.empty() && arg[0] != '-') word = arg;
    }
  }
  if (word.empty()) return std::nullopt;
  std::string path;
  for (size_t i = 1; i < chain.size(); ++i) path += chain[i]->get_name() + " ";
  std::string message = "unknown command '" + trunkline::api::EscapeText(path + word) + "'";
  if (std::optional<std::string> near = trunkline::Suggest(word, names)) {
    return message + "; did you mean '" + path + *near + "'?";
  }
  std::string listed;
  for (const std::string& name : names) listed += (listed.empty() ? "" : ", ") + name;
  return message + "; " + (path.empty() ? "commands" : path + "commands") + ": " + listed;
}

// Where --data-dir came from, for messages.
std::string DataDirSource(const CLI::Option* option) {
  if (option->count() > 0) return "from --data-dir";
  if (!tc::EnvOr("TRUNKLINE_DATA_DIR", "").empty()) return "from $TRUNKLINE_DATA_DIR";
  return "the default";
}

// The app and the subcommands chosen, outermost first: {app, "sync", "run"}.
std::vector<CLI::App*> Chosen(CLI::App& app) {
  std::vector<CLI::App*> chain{&app};
  while (!chain.back()->get_subcommands().empty()) {
    chain.push_back(chain.back()->get_subcommands().front());
  }
  return chain;
}

// Why the command line does not go with --server, if it does not.
std::optional<std::string> NotWithServer(const std::vector<CLI::App*>& chain) {
  std::string path;
  for (size_t i = 1; i < chain.size(); ++i) path += (i > 1 ? " " : "") + chain[i]->get_name();
  if (path == "sync run") {
    return "sync run: not with --server: it runs a sync worker on a data dir it holds, and "
           "trunkd runs its own; run it without --server on a data dir no trunkd holds";
  }
  if (path == "projections rebuild") {
    return "projections rebuild: not with --server: it rewrites the projections of a data dir "
           "it holds; stop trunkd and run it without --server on trunkd's data dir (trunkd "
           "catches them up when it starts)";
  }
  static const std::pair<const char*, const char*> kTrunkdDecides[] = {
      {"--actor", "trunkd takes the actor from the token (its name)"},
      {"--data-dir", "the data dir is trunkd's"},
      {"--plugin-dir", "the plugins are trunkd's"},
      {"--wait-lock", "trunkd holds its data dir; nothing waits for it"},
      {"--accounts", "the provider accounts are trunkd's"},
  };
  for (const CLI::App* a : chain) {
    for (const auto& [name, why] : kTrunkdDecides) {
      const CLI::Option* option = a->get_option_no_throw(name);
      if (option != nullptr && option->count() > 0) {
        return std::string(name) + ": not with --server: " + why;
      }
    }
  }
  return std::nullopt;
}

struct RunResult {
  int code = 1;
  std::string committed;  // Cli::committed()
};

RunResult UsageError(const std::string& message) {
  std::cerr << "trunkctl: " << trunkline::api::EscapeText(message)
            << "\nRun with --help for more information.\n";
  return {2};
}

RunResult Run(int argc, char** argv) {
  Options o;
  o.data_dir = tc::EnvOr("TRUNKLINE_DATA_DIR", "./trunkline-data");
  Action action;
  Cli cli(o);

  CLI::App app{"trunkctl: the trunk registry from the command line"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command; subcommands inherit this
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string("trunkctl ") + TRUNKLINE_VERSION);
  CLI::Option* data_dir = app.add_option(
      "--data-dir", o.data_dir, "registry data (default ./trunkline-data or $TRUNKLINE_DATA_DIR)");
  app.add_option("--plugin-dir", o.plugin_dir,
                 "provider plugins (default: $TRUNKLINE_PLUGIN_DIR or the built ones)");
  app.add_option("-o,--output", o.output, "table or json")->check(CLI::IsMember({"table", "json"}));
  app.add_option("--wait-lock", o.wait_lock,
                 "seconds a command waits for another process that holds the data dir for "
                 "writing (default 5)")
      ->check(Checked(trunkline::api::ParseSeconds, "SECONDS"));
  CLI::Option* server = app.add_option(
      "--server", o.server,
      "trunkd's URL, e.g. https://trunkd.example:8470 (default $TRUNKLINE_SERVER; \"\": "
      "embedded): every command goes through trunkd's API, with the same output and exit "
      "codes; the actor of changes is the token's name");
  app.add_option("--token-file", o.token_file,
                 "with --server: a file whose first line is the token (mode 600; default: "
                 "$TRUNKLINE_TOKEN)");
  app.add_option("--ca-file", o.ca_file,
                 "with --server: PEM certificate authorities for trunkd (default: the system's)");

  CLI::App* trunk = app.add_subcommand("trunk", "trunks")->require_subcommand(1);
  AddTrunkCommands(trunk, o, cli, action);
  AddSubResourceCommands(trunk, o, cli, action);
  AddOtherCommands(app, o, cli, action);
  AddSyncCommands(app, o, cli, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (std::optional<std::string> unknown = UnknownCommand(app)) {
        std::cerr << "trunkctl: " << *unknown << "\nRun with --help for more information.\n";
        return {2};
      }
    }
    return {app.exit(e) == 0 ? 0 : 2};
  }
  o.data_dir_source = DataDirSource(data_dir);
  if (server->count() == 0) o.server = tc::EnvOr("TRUNKLINE_SERVER", "");
  bool url_refused = false;
  if (o.server.empty()) {
    if (!o.token_file.empty()) {
      return UsageError("--token-file: only with --server (or $TRUNKLINE_SERVER)");
    }
    if (o.plugin_dir.empty()) o.plugin_dir = trunkline::plugin_host::DefaultPluginDir();
    cli.set_backend(tc::MakeLocalBackend(cli, o));
  } else {
    if (std::optional<std::string> why = NotWithServer(Chosen(app))) return UsageError(*why);
    std::string token = tc::EnvOr("TRUNKLINE_TOKEN", "");
    std::string token_source = "$TRUNKLINE_TOKEN";
    if (!o.token_file.empty()) {
      trunkline::Result<std::string> read = tc::ReadTokenFile(o.token_file);
      if (!read.ok()) {
        std::cerr << "trunkctl: " << trunkline::api::EscapeText(read.status().ToString()) << "\n";
        return {tc::ExitCode(read.status())};
      }
      token = std::move(*read);
      token_source = "--token-file " + o.token_file;
    } else if (token.empty()) {
      return UsageError(
          "--server: no token for trunkd: set $TRUNKLINE_TOKEN or give "
          "--token-file FILE");
    }
    trunkline::Result<std::unique_ptr<tc::Backend>> backend =
        tc::MakeServerBackend(o, std::move(token), std::move(token_source), &url_refused);
    if (!backend.ok()) {
      std::cerr << "trunkctl: " << trunkline::api::EscapeText(backend.status().ToString()) << "\n";
      return {tc::ExitCode(backend.status())};
    }
    cli.set_backend(std::move(*backend));
  }
  const Status s = action();
  if (!s.ok()) std::cerr << "trunkctl: " << trunkline::api::EscapeText(s.ToString()) << "\n";
  return {url_refused ? 2 : tc::ExitCode(s), cli.committed()};
}

// Points std::cout at an FdOutput for the life of main, and reports a lost write.
class CheckedStdout {
 public:
  CheckedStdout() : output_(STDOUT_FILENO), previous_(std::cout.rdbuf(&output_)) {}
  ~CheckedStdout() { std::cout.rdbuf(previous_); }

  // Flushes; false (after saying why on stderr) when any output was lost.
  bool Finish(const std::string& committed) {
    std::cout.flush();
    if (output_.error() == 0 && std::cout) return true;
    std::cerr << "trunkctl: writing output: "
              << (output_.error() != 0 ? strerror(output_.error()) : "the stream failed");
    if (!committed.empty()) std::cerr << " (" << committed << ")";
    std::cerr << "\n";
    return false;
  }

 private:
  trunkline::api::FdOutput output_;
  std::streambuf* previous_;
};

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe is a write error (EPIPE) reported like any other, not a silent death.
  signal(SIGPIPE, SIG_IGN);
  CheckedStdout out;
  RunResult result;
  try {
    result = Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "trunkctl: internal error: " << trunkline::api::EscapeText(e.what()) << "\n";
  } catch (...) {
    std::cerr << "trunkctl: internal error: an unknown exception\n";
  }
  if (!out.Finish(result.committed)) return result.code == 0 ? 1 : result.code;
  return result.code;
}
