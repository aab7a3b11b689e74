#include "checker.h"

#include <algorithm>
#include <chrono>

#include "descriptor_probe.h"
#include "purity.h"
#include "robustness.h"
#include "schema_checks.h"
#include "trunkline/plugin_sdk/abi.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::plugin_check {
namespace {

// Every check past loading, in report order (for the skips when the plugin is not loaded).
const std::vector<std::string>& LaterChecks() {
  static const std::vector<std::string> ids = {
      "schema.describe",        "schema.provider",    "schema.names",         "schema.types",
      "schema.defaults",        "schema.patterns",    "schema.sub_resources", "robust.check_rules",
      "robust.sync_plan",       "robust.sync_absorb", "memory.free_bytes",    "memory.growth",
      "pure.describe_schema",   "pure.check_rules",   "pure.sync_plan",       "pure.sync_absorb",
      "requests.authorization", "requests.secrets"};
  return ids;
}

bool AlwaysRun(const std::string& id) {
  return id.starts_with("descriptor.") || id == "host.load" || id == "schema.describe";
}

// Runs `body` isolated, unless none of `expected` is selected, and appends what it reported
// of the selected checks; each of `expected` it did not report (the child ended first) is
// added as skipped.
void Run(PluginReport& report, const CheckerOptions& options,
         const std::vector<std::string>& expected, const std::function<void(Channel&)>& body,
         std::map<std::string, std::string>* data = nullptr) {
  const auto wanted = [&](const std::string& id) { return AlwaysRun(id) || Selected(options, id); };
  if (!expected.empty() && std::none_of(expected.begin(), expected.end(), wanted)) return;
  ChildOutcome outcome = RunIsolated(body, options.isolation);
  for (CheckResult& r : outcome.results) {
    if (wanted(r.id) || r.id == "checker") report.checks.push_back(std::move(r));
  }
  for (const std::string& id : expected) {
    if (!wanted(id)) continue;
    const bool reported = std::any_of(report.checks.begin(), report.checks.end(),
                                      [&](const CheckResult& c) { return c.id == id; });
    if (!reported && outcome.died) {
      report.checks.push_back(Skip(id, "not run: the check before it ended the process"));
    }
  }
  if (data != nullptr) *data = std::move(outcome.data);
}

// host.load and schema.describe, in one child; the facts they learn come back as data.
void LoadAndDescribe(const std::string& path, Channel& channel) {
  channel.StartCheck("host.load");
  plugin_host::PluginHost host;
  const plugin_host::LoadedPlugin* plugin = LoadInChild(host, path, "host.load", channel);
  if (plugin == nullptr) return;
  channel.Report(Pass("host.load", "the host loads it and creates an instance (provider " +
                                       plugin->provider_id() + ", version " + plugin->version() +
                                       ", ABI " + plugin->abi_version() + ")"));
  channel.Data("provider_id", plugin->provider_id());
  channel.Data("version", plugin->version());
  channel.Data("abi", plugin->abi_version());
  channel.Data("schema_capability",
               (plugin->capabilities() & TRUNKLINE_PLUGIN_CAP_SCHEMA) ? "1" : "0");
  channel.Data("can_sync", plugin->can_sync() ? "1" : "0");
  channel.StartCheck("schema.describe");
  if (!(plugin->capabilities() & TRUNKLINE_PLUGIN_CAP_SCHEMA)) {
    return channel.Report(Skip("schema.describe", "no capability SCHEMA"));
  }
  channel.Begin("describe_schema");
  Result<std::string> schema = plugin->DescribeSchema();
  channel.End();
  if (!schema.ok()) {
    return channel.Report(
        Fail("schema.describe", "describe_schema failed: " + schema.status().message()));
  }
  try {
    plugin_sdk::DecodeSchema(*schema);
  } catch (const std::exception& e) {
    return channel.Report(
        Fail("schema.describe", std::string("the schema does not decode: ") + e.what()));
  }
  channel.Data("schema", *schema);
  channel.Report(Pass("schema.describe", "a schema of " + std::to_string(schema->size()) +
                                             " bytes in the ABI's grammar"));
}

void SkipLater(PluginReport& report, const CheckerOptions& options, const std::string& why) {
  for (const std::string& id : LaterChecks()) {
    if (!AlwaysRun(id) && !Selected(options, id)) continue;
    const bool reported = std::any_of(report.checks.begin(), report.checks.end(),
                                      [&](const CheckResult& c) { return c.id == id; });
    if (!reported) report.checks.push_back(Skip(id, why));
  }
}

// The calling checks, given what loading learnt.
void RunCallingChecks(PluginReport& report, const CheckerOptions& options,
                      const CheckContext& context) {
  const auto skip_all = [&](std::initializer_list<const char*> ids, const char* why) {
    for (const char* id : ids) {
      if (Selected(options, id)) report.checks.push_back(Skip(id, why));
    }
  };
  if (context.has_schema) {
    Run(report, options, {"robust.check_rules"},
        [&](Channel& c) { CheckRobustness(context, Function::kCheckRules, c); });
  } else {
    skip_all({"robust.check_rules"}, "no usable schema");
  }
  if (context.can_sync) {
    Run(report, options, {"robust.sync_plan"},
        [&](Channel& c) { CheckRobustness(context, Function::kSyncPlan, c); });
    Run(report, options, {"robust.sync_absorb"},
        [&](Channel& c) { CheckRobustness(context, Function::kSyncAbsorb, c); });
  } else {
    skip_all({"robust.sync_plan", "robust.sync_absorb"}, "no capability SYNC");
  }
  Run(report, options, {"memory.free_bytes"}, [&](Channel& c) {
    CheckFreeBytes(context.path, ValidInput(context, Function::kCheckRules),
                   ValidInput(context, Function::kSyncPlan), c);
  });
  Run(report, options, {"memory.growth"}, [&](Channel& c) { CheckMemoryGrowth(context, c); });
  Run(report, options,
      {"pure.describe_schema", "pure.check_rules", "pure.sync_plan", "pure.sync_absorb"},
      [&](Channel& c) { CheckPurity(context, c); });
  if (context.can_sync) {
    Run(report, options, {"requests.authorization", "requests.secrets"},
        [&](Channel& c) { CheckRequests(context, c); });
  } else {
    skip_all({"requests.authorization", "requests.secrets"}, "no capability SYNC");
  }
}

}  // namespace

bool KnownCheck(const std::string& name) {
  static const std::vector<std::string> first = {
      "descriptor.library",     "descriptor.entry",          "descriptor.abi_version",
      "descriptor.size",        "descriptor.capabilities",   "descriptor.create",
      "descriptor.destroy",     "descriptor.free_bytes",     "descriptor.describe_schema",
      "descriptor.check_rules", "descriptor.sync_plan",      "descriptor.sync_absorb",
      "descriptor.provider_id", "descriptor.plugin_version", "host.load"};
  const auto named = [&](const std::string& id) {
    return id == name || (id.starts_with(name) && id[name.size()] == '.');
  };
  return std::any_of(first.begin(), first.end(), named) ||
         std::any_of(LaterChecks().begin(), LaterChecks().end(), named);
}

bool Selected(const CheckerOptions& options, const std::string& id) {
  if (options.only.empty()) return true;
  return std::any_of(options.only.begin(), options.only.end(), [&](const std::string& o) {
    return id == o || (id.starts_with(o) && id.size() > o.size() && id[o.size()] == '.');
  });
}

PluginReport CheckPlugin(const std::string& path, const CheckerOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  PluginReport report;
  report.path = path;
  Run(report, options, {}, [&](Channel& c) { ProbeDescriptor(path, c); });
  std::map<std::string, std::string> facts;
  Run(
      report, options, {"host.load", "schema.describe"},
      [&](Channel& c) { LoadAndDescribe(path, c); }, &facts);
  report.loaded = facts.count("provider_id") > 0;
  const auto finish = [&] {
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  };
  if (!report.loaded) {
    SkipLater(report, options, "not run: the host did not load the plugin");
    return finish();
  }
  report.provider_id = facts["provider_id"];
  report.plugin_version = facts["version"];
  report.abi_version = facts["abi"];
  CheckContext context;
  context.path = path;
  context.seed = options.seed;
  context.cases = options.cases;
  context.can_sync = facts["can_sync"] == "1";
  if (auto it = facts.find("schema"); it != facts.end()) {
    context.schema = plugin_sdk::DecodeSchema(it->second);
    context.has_schema = true;
    for (CheckResult& r : CheckSchema(context.schema, report.provider_id)) {
      if (Selected(options, r.id)) report.checks.push_back(std::move(r));
    }
    context.secret_fields = SecretFields(context.schema, it->second);
  } else {
    for (const char* id : {"schema.provider", "schema.names", "schema.types", "schema.defaults",
                           "schema.patterns", "schema.sub_resources"}) {
      if (Selected(options, id)) report.checks.push_back(Skip(id, "no schema to check"));
    }
  }
  RunCallingChecks(report, options, context);
  return finish();
}

}  // namespace trunkline::plugin_check
