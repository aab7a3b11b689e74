// What a conformance check found: one line of the checker's report.
//
// Plain values; safe to copy between threads and (as bytes) between processes.
#pragma once

#include <string>
#include <vector>

namespace trunkline::plugin_check {

enum class Verdict { kPass, kFail, kSkip };

struct CheckResult {
  std::string id;  // "descriptor.capabilities", "robust.check_rules", ...
  Verdict verdict = Verdict::kPass;
  std::string message;  // one line: what was checked, or what is wrong and where
};

inline CheckResult Pass(std::string id, std::string message) {
  return {std::move(id), Verdict::kPass, std::move(message)};
}
inline CheckResult Fail(std::string id, std::string message) {
  return {std::move(id), Verdict::kFail, std::move(message)};
}
inline CheckResult Skip(std::string id, std::string message) {
  return {std::move(id), Verdict::kSkip, std::move(message)};
}

const char* VerdictName(Verdict verdict);  // "pass", "fail", "skip"

// Everything the checker found about one plugin file.
struct PluginReport {
  std::string path;
  bool loaded = false;  // the host loaded it (else the checks past loading were not run)
  std::string provider_id;
  std::string plugin_version;
  std::string abi_version;
  std::vector<CheckResult> checks;
  double seconds = 0;

  int failed() const;
  int passed() const;
  int skipped() const;
};

}  // namespace trunkline::plugin_check
