// trunkline-bench: measures trunkline's components on this machine.
//
//   trunkline-bench [-o text|json] journal --dir DIR [--events N] [--seconds S]
//   trunkline-bench [-o text|json] domain --dir DIR [--events N] [--trunks N]
//   trunkline-bench [-o text|json] sync --dir DIR [--twilio-trunks N] [--plivo-trunks N]
//   trunkline-bench [-o text|json] load --url http://HOST:PORT --token-file F [--connections N]
//                   [--seconds S] [--trunks N] [--acks FILE]
//   trunkline-bench --version
//
// Options may also follow the command (`journal --dir DIR -o json`).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "domain_bench.h"
#include "figures.h"
#include "journal_bench.h"
#include "load_bench.h"
#include "sync_bench.h"
#include "trunkline/base/suggest.h"

namespace {

// "unknown command 'jurnal'; did you mean 'journal'?" when the parse failed on a word that
// names no command; nullopt when it failed for another reason.
std::optional<std::string> UnknownCommand(CLI::App& app) {
  if (!app.get_subcommands().empty()) return std::nullopt;
  std::string word;
  for (const std::string& arg : app.remaining()) {
    if (word.empty() && !arg.empty() && arg[0] != '-') word = arg;
  }
  if (word.empty()) return std::nullopt;
  std::vector<std::string> names;
  std::string listed;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // internal
    names.push_back(sub->get_name());
    listed += (listed.empty() ? "" : ", ") + sub->get_name();
  }
  const std::string message = "unknown command '" + word + "'";
  if (std::optional<std::string> best = trunkline::Suggest(word, names)) {
    return message + "; did you mean '" + *best + "'?";
  }
  return message + "; commands: " + listed;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trunkline::bench;
  CLI::App app{"trunkline-bench: measures trunkline on this machine"};
  app.require_subcommand(1);
  app.fallthrough();  // -o may follow the command; subcommands inherit this
  app.set_version_flag("--version", std::string("trunkline-bench ") + TRUNKLINE_VERSION);
  std::string output = "text";
  app.add_option("-o,--output", output, "text (one 'name value unit' line each) or json")
      ->check(CLI::IsMember({"text", "json"}));

  JournalBenchOptions journal_options;
  CLI::App* journal = app.add_subcommand("journal", "durable appends, import and replay");
  journal->add_option("--dir", journal_options.dir, "scratch directory (on the disk to measure)")
      ->required();
  journal->add_option("--events", journal_options.events, "events to import and replay")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{100'000'000}));
  journal
      ->add_option("--seconds", journal_options.seconds_per_run,
                   "duration of each fsync and durable-append run")
      ->check(CLI::Range(0.1, 600.0));
  journal->add_option("--only", journal_options.only, "measure only these figures")
      ->delimiter(',')
      ->check(CLI::IsMember({"fsync_per_s", "append_1writer_durable_eps",
                             "append_64writers_durable_eps", "append_64threads_blocking_eps",
                             "import_eps", "replay_eps"}));

  DomainBenchOptions domain_options;
  domain_options.self = "/proc/self/exe";
  CLI::App* domain = app.add_subcommand("domain", "projection rebuild, as-of reads, memory");
  domain->add_option("--dir", domain_options.dir, "scratch directory")->required();
  domain->add_option("--events", domain_options.events, "events to rebuild from")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{100'000'000}));
  domain->add_option("--trunks", domain_options.trunks, "trunks they are spread over")
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  domain
      ->add_option("--rebuild-runs", domain_options.rebuild_runs,
                   "rebuilds of one journal (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  domain->add_option("--rss-trunks", domain_options.rss_trunks, "trunks for the memory figure")
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));

  SyncBenchOptions sync_options;
  CLI::App* sync = app.add_subcommand(
      "sync", "the sync worker against the provider emulator (started in process)");
  sync->add_option("--dir", sync_options.dir, "scratch directory")->required();
  sync->add_option("--twilio-trunks", sync_options.twilio_trunks,
                   "Twilio trunks, one origination URL each (20 ms added latency)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000}));
  sync->add_option("--plivo-trunks", sync_options.plivo_trunks,
                   "Plivo trunks (the account limited to 60 requests/s)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000}));
  sync->add_option("--telnyx-trunks", sync_options.telnyx_trunks,
                   "Telnyx connections, one FQDN each (20 ms added latency)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000}));
  sync->add_option("--concurrency", sync_options.concurrency, "trunks synced at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  sync->add_option("--only", sync_options.only, "measure only these figures")
      ->delimiter(',')
      ->check(CLI::IsMember({"sync_1000_latency20ms_s", "sync_floor_s", "sync_ratio",
                             "sync_idle_cpu_pct", "sync_plivo_ratelimited_s", "plivo_floor_s",
                             "plivo_ratio", "plivo_429_count", "sync_telnyx_latency20ms_s",
                             "telnyx_floor_s", "telnyx_ratio"}));

  LoadBenchOptions load_options;
  CLI::App* load = app.add_subcommand(
      "load",
      "commands per second and latency of a running trunkd's HTTP API (tools/bench/README.md)");
  load->add_option("--url", load_options.url, "trunkd's address, http://HOST:PORT")->required();
  load->add_option("--token-file", load_options.token_file,
                   "file whose first line is a write token (trunkd's <data-dir>/api-token)")
      ->required();
  load->add_option("--connections", load_options.connections, "keep-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000));
  load->add_option("--seconds", load_options.seconds, "seconds of commands")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86'400.0));
  load->add_option("--trunks", load_options.trunks,
                   "trunks created first, split between connections")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  load->add_option("--acks", load_options.acks_file,
                   "append '<idempotency key> <trunk id> <position>' per acknowledged command");
  load->add_option("--plivo-ipacl", load_options.plivo_ipacl,
                   "UUID of a Plivo IP ACL: then 1 trunk in --plivo-every is Plivo (default: "
                   "Twilio only)");
  load->add_option("--plivo-every", load_options.plivo_every, "see --plivo-ipacl")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  load->add_option("--threads", load_options.threads, "io threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 2));
  load->add_option("--prefix", load_options.prefix,
                   "trunk ids and idempotency keys begin with it (default: a random one)");

  std::string rss_dir;
  CLI::App* project_rss = app.add_subcommand("project-rss");  // the memory figure's child
  project_rss->group("");
  project_rss->add_option("--dir", rss_dir)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (std::optional<std::string> unknown = UnknownCommand(app)) {
        std::cerr << "trunkline-bench: " << *unknown << "\nRun with --help for more information.\n";
        return 2;
      }
    }
    return app.exit(e);
  }

  if (project_rss->parsed()) {
    trunkline::Result<double> mb = ProjectAndMeasureRss(rss_dir);
    if (!mb.ok()) {
      std::cerr << "trunkline-bench: " << mb.status().ToString() << "\n";
      return 1;
    }
    std::cout << *mb << "\n";
    return 0;
  }
  if (load->parsed()) {
    LoadBenchResult loaded = RunLoadBench(load_options);
    if (!loaded.figures.empty()) {
      output == "json" ? PrintJson(loaded.figures, std::cout)
                       : PrintText(loaded.figures, std::cout);
    }
    if (!loaded.status.ok()) {
      std::cerr << "trunkline-bench: load: " << loaded.status.ToString() << "\n";
      return loaded.status.code() == trunkline::StatusCode::kInvalidArgument ? 2 : 1;
    }
    return 0;
  }
  // /proc/self/exe would name the child itself once popen's shell runs it; resolve it now.
  domain_options.self = std::filesystem::read_symlink("/proc/self/exe").string();
  trunkline::Result<std::vector<Figure>> figures = domain->parsed() ? RunDomainBench(domain_options)
                                                   : sync->parsed()
                                                       ? RunSyncBench(sync_options)
                                                       : RunJournalBench(journal_options);
  if (!figures.ok()) {
    std::cerr << "trunkline-bench: " << figures.status().ToString() << "\n";
    return 1;
  }
  if (output == "json") {
    PrintJson(*figures, std::cout);
  } else {
    PrintText(*figures, std::cout);
  }
  return 0;
}
