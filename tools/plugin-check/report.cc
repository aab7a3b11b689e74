#include "report.h"

#include <boost/json.hpp>
#include <cstdio>

namespace trunkline::plugin_check {
namespace {

// `text` with control characters as \n, \t or \xNN, so that a check stays on one line.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const char* Label(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
      return "SKIP";
  }
  return "FAIL";
}

}  // namespace

int ExitCode(const std::vector<PluginReport>& reports) {
  int code = kExitPass;
  for (const PluginReport& r : reports) {
    if (!r.loaded) return kExitNotLoaded;
    if (r.failed() > 0) code = kExitCheckFailed;
  }
  return code;
}

std::string Settings(const CheckerOptions& options) {
  return "seed " + std::to_string(options.seed) + " (rerun with --seed " +
         std::to_string(options.seed) + "), " + std::to_string(options.cases) +
         " generated cases per function, " +
         std::to_string(options.isolation.call_timeout.count()) + " ms per call";
}

void PrintText(const PluginReport& report, std::ostream& out) {
  out << "== " << report.path << "\n";
  size_t width = 0;
  for (const CheckResult& c : report.checks) width = std::max(width, c.id.size());
  for (const CheckResult& c : report.checks) {
    out << Label(c.verdict) << "  " << c.id << std::string(width - c.id.size() + 2, ' ')
        << OneLine(c.message) << "\n";
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", report.seconds);
  out << "== "
      << (report.loaded ? report.provider_id + " " + report.plugin_version + " (ABI " +
                              report.abi_version + ")"
                        : std::string("not loaded"))
      << ": " << report.passed() << " passed, " << report.failed() << " failed, "
      << report.skipped() << " skipped in " << seconds << " s\n";
}

void PrintJson(const std::vector<PluginReport>& reports, const CheckerOptions& options,
               std::ostream& out) {
  namespace json = boost::json;
  json::array plugins;
  for (const PluginReport& r : reports) {
    json::array checks;
    for (const CheckResult& c : r.checks) {
      checks.push_back({{"id", c.id}, {"verdict", VerdictName(c.verdict)}, {"message", c.message}});
    }
    plugins.push_back({{"path", r.path},
                       {"loaded", r.loaded},
                       {"provider_id", r.provider_id},
                       {"plugin_version", r.plugin_version},
                       {"abi_version", r.abi_version},
                       {"seconds", r.seconds},
                       {"passed", r.passed()},
                       {"failed", r.failed()},
                       {"skipped", r.skipped()},
                       {"checks", std::move(checks)}});
  }
  json::object doc{{"seed", options.seed},
                   {"cases", options.cases},
                   {"timeout_ms", options.isolation.call_timeout.count()},
                   {"exit_code", ExitCode(reports)},
                   {"plugins", std::move(plugins)}};
  out << json::serialize(doc) << "\n";
}

}  // namespace trunkline::plugin_check
