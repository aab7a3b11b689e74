// The conformance checker: runs every check on one plugin file and collects the report.
//
// Order: the descriptor (descriptor.*, read directly), loading through the real host
// (host.load), the schema (schema.*), then robustness (robust.*), memory (memory.*), purity
// (pure.*) and requests (requests.*). Every call into the plugin happens in a forked child
// (isolate.h); the checker itself never runs plugin code. When the host does not load the
// plugin, the checks past loading are reported as skipped.
//
// Thread-safety: not thread-safe (forks); one plugin at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "check_result.h"
#include "isolate.h"

namespace trunkline::plugin_check {

struct CheckerOptions {
  uint64_t seed = 0;
  size_t cases = 2000;  // generated cases per function
  IsolationOptions isolation;
  // When not empty: run only the checks whose id is one of these or starts with one and a
  // '.' ("robust" selects robust.*). descriptor.*, host.load and schema.describe always run.
  std::vector<std::string> only;
};

// Whether `name` is a check id, or a group of them ("robust").
bool KnownCheck(const std::string& name);

// Whether the check `id` is selected by `options.only`.
bool Selected(const CheckerOptions& options, const std::string& id);

PluginReport CheckPlugin(const std::string& path, const CheckerOptions& options);

}  // namespace trunkline::plugin_check
