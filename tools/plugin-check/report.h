// The checker's output: one line per check in text, or one JSON document.
//
// Thread-safety: pure functions; safe for concurrent use.
#pragma once

#include <ostream>
#include <vector>

#include "check_result.h"
#include "checker.h"

namespace trunkline::plugin_check {

// Exit codes of trunkline-plugin-check.
inline constexpr int kExitPass = 0;         // every check passed (or was skipped)
inline constexpr int kExitCheckFailed = 1;  // a plugin loaded, and a check failed
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitNotLoaded = 3;    // the host could not load a plugin

// kExitNotLoaded when any plugin was not loaded, else kExitCheckFailed when any check
// failed, else kExitPass.
int ExitCode(const std::vector<PluginReport>& reports);

// The run's settings in one line ("seed 42 (rerun with --seed 42), ...").
std::string Settings(const CheckerOptions& options);

// "PASS  descriptor.size  ..." lines and a summary line for one plugin.
void PrintText(const PluginReport& report, std::ostream& out);

// {"seed", "cases", "timeout_ms", "exit_code", "plugins": [{path, loaded, provider_id,
//   plugin_version, abi_version, seconds, passed, failed, skipped,
//   checks: [{id, verdict, message}]}]}
void PrintJson(const std::vector<PluginReport>& reports, const CheckerOptions& options,
               std::ostream& out);

}  // namespace trunkline::plugin_check
