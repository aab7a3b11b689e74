// trunkline-bench: measures trunkline's components on this machine.
//
//   trunkline-bench journal --dir DIR [--events N] [--seconds S] [--output text|json]
#include <CLI/CLI.hpp>
#include <iostream>

#include "figures.h"
#include "journal_bench.h"

int main(int argc, char** argv) {
  using namespace trunkline::bench;
  CLI::App app{"trunkline-bench: measures trunkline on this machine"};
  app.require_subcommand(1);
  std::string output = "text";
  app.add_option("-o,--output", output, "text (one 'name value unit' line each) or json")
      ->check(CLI::IsMember({"text", "json"}));

  JournalBenchOptions journal_options;
  CLI::App* journal = app.add_subcommand("journal", "durable appends, import and replay");
  journal->add_option("--dir", journal_options.dir, "scratch directory (on the disk to measure)")
      ->required();
  journal->add_option("--events", journal_options.events, "events to import and replay")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{100'000'000}));
  journal->add_option("--seconds", journal_options.seconds_per_run,
                      "duration of each fsync and durable-append run")
      ->check(CLI::Range(0.1, 600.0));
  journal->add_option("--only", journal_options.only, "measure only these figures")
      ->delimiter(',')
      ->check(CLI::IsMember({"fsync_per_s", "append_1writer_durable_eps",
                             "append_64writers_durable_eps", "import_eps", "replay_eps"}));

  CLI11_PARSE(app, argc, argv);

  trunkline::Result<std::vector<Figure>> figures = RunJournalBench(journal_options);
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
