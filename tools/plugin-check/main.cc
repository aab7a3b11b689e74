// trunkline-plugin-check: the conformance checker for trunkline provider plugins.
//
//   trunkline-plugin-check [--cases N] [--seed N] [--timeout-ms N] [--memory-limit-mb N]
//                          [--checks ID,...] [-o text|json] PLUGIN.so [PLUGIN.so ...]
//
// Loads each plugin through the real host and runs every check on it (README.md). Exit
// codes: 0 every check passed; 1 a check failed; 2 usage; 3 the host could not load a plugin.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <random>

#include "checker.h"
#include "report.h"

namespace {

namespace pc = trunkline::plugin_check;

constexpr char kDescription[] =
    "Checks trunkline provider plugins for conformance: loads each through the real host and\n"
    "runs, one line per check:\n"
    "  descriptor.*  the descriptor as the host checks it: library, entry symbol, size, ABI\n"
    "                version, capability bits, every function pointer, provider id, version\n"
    "  host.load     the host loads it and creates an instance\n"
    "  schema.*      the schema decodes and is self-consistent: provider, names, types,\n"
    "                defaults, patterns, sub-resources\n"
    "  robust.*      check_rules, sync_plan and sync_absorb survive hostile and generated\n"
    "                input (seeded) without crashing or hanging, answering in their grammar\n"
    "  memory.*      free_bytes releases what the plugin returns; no growth over many calls\n"
    "  pure.*        the same input gives the same answer, twice and on a second instance\n"
    "  requests.*    planned requests carry no Authorization header and no secret value\n"
    "Every plugin call runs in a child process: a crash or a call over the time bound fails\n"
    "its check, naming the case and the signal.\n\n"
    "Exit codes: 0 every check passed (or was skipped); 1 a check failed; 2 usage error;\n"
    "3 the host could not load a plugin (takes precedence over 1).";

struct Args {
  std::vector<std::string> plugins;
  std::optional<uint64_t> seed;
  size_t cases = 2000;
  int64_t timeout_ms = 1000;
  uint64_t memory_limit_mb = 4096;
  std::string output = "text";
  std::vector<std::string> only;
};

int Run(int argc, char** argv) {
  CLI::App app(kDescription, "trunkline-plugin-check");
  app.get_formatter()->column_width(28);
  Args args;
  app.add_option("plugins", args.plugins, "plugin files (.so) to check")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--cases", args.cases,
                 "generated cases per function, on top of the fixed hostile ones (default 2000)")
      ->check(CLI::Range(size_t{0}, size_t{10000000}));
  app.add_option("--seed", args.seed,
                 "seed of the generated cases (default: a random one; printed either way)");
  app.add_option("--timeout-ms", args.timeout_ms,
                 "time bound of one plugin call in milliseconds (default 1000)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
  app.add_option("--memory-limit-mb", args.memory_limit_mb,
                 "address space limit of the processes that call the plugin, MiB; 0: none "
                 "(default 4096; none in a checker built with AddressSanitizer)");
  app.add_option("--checks", args.only,
                 "run only these checks: ids or groups such as robust or pure.sync_plan, "
                 "comma-separated (descriptor.*, host.load and schema.describe always run)")
      ->allow_extra_args(false)
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& name) {
            return pc::KnownCheck(name) ? std::string()
                                        : "no check or group of checks is called " + name;
          },
          "ID"));
  app.add_option("-o,--output", args.output, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? pc::kExitPass : pc::kExitUsage;
  }
  pc::CheckerOptions options;
  options.seed = args.seed ? *args.seed : std::random_device{}();
  options.cases = args.cases;
  options.isolation.call_timeout = std::chrono::milliseconds(args.timeout_ms);
  options.isolation.memory_limit_mb = args.memory_limit_mb;
  options.only = args.only;
  const bool text = args.output == "text";
  if (text) std::cout << "trunkline-plugin-check: " << pc::Settings(options) << "\n";
  std::vector<pc::PluginReport> reports;
  for (const std::string& path : args.plugins) {
    reports.push_back(pc::CheckPlugin(path, options));
    if (text) pc::PrintText(reports.back(), std::cout);
    std::cout.flush();
  }
  if (!text) pc::PrintJson(reports, options, std::cout);
  return pc::ExitCode(reports);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "trunkline-plugin-check: internal error: " << e.what() << "\n";
    return 1;
  }
}
