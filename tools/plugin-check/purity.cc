#include "purity.h"

#include <algorithm>
#include <cctype>

#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::plugin_check {
namespace {

namespace psdk = plugin_sdk;

// Inputs per function for the purity check.
constexpr size_t kMaxPureCases = 300;

bool Same(const Result<std::string>& a, const Result<std::string>& b) {
  if (a.ok() != b.ok()) return false;
  if (a.ok()) return *a == *b;
  return a.status().code() == b.status().code() && a.status().message() == b.status().message();
}

std::string Text(const Result<std::string>& r) { return r.ok() ? *r : r.status().message(); }

// How two answers differ, in words.
std::string Difference(const Result<std::string>& a, const Result<std::string>& b) {
  if (a.ok() != b.ok() || (!a.ok() && a.status().code() != b.status().code())) {
    return "first " + Summary(a) + ", then " + Summary(b);
  }
  const std::string x = Text(a), y = Text(b);
  const size_t at = std::mismatch(x.begin(), x.end(), y.begin(), y.end()).first - x.begin();
  return "the answers differ at byte " + std::to_string(at) + ": first \"" + Excerpt(x, at) +
         "\", then \"" + Excerpt(y, at) + "\"";
}

void CheckOne(
    const std::string& id, const std::vector<Case>& cases,
    const std::function<Result<std::string>(const plugin_host::LoadedPlugin&, const Case&)>& call,
    const plugin_host::LoadedPlugin& a, const plugin_host::LoadedPlugin& b, Channel& channel) {
  channel.StartCheck(id);
  std::vector<Result<std::string>> first, other, again;
  const auto pass = [&](const plugin_host::LoadedPlugin& p, const char* which,
                        std::vector<Result<std::string>>& out) {
    for (const Case& c : cases) {
      channel.Begin(c.name + " (" + which + ")");
      out.push_back(call(p, c));
      channel.End();
    }
  };
  pass(a, "first instance", first);
  pass(b, "second instance", other);
  pass(a, "first instance, again", again);
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!Same(first[i], again[i])) {
      return channel.Report(Fail(
          id, "case " + cases[i].name +
                  ": the same input twice on one instance: " + Difference(first[i], again[i])));
    }
    if (!Same(first[i], other[i])) {
      return channel.Report(
          Fail(id, "case " + cases[i].name +
                       ": the same input on two instances: " + Difference(first[i], other[i])));
    }
  }
  channel.Report(Pass(id, std::to_string(cases.size()) +
                              (cases.size() == 1 ? " input" : " inputs") +
                              ": the same answers twice and on a second instance"));
}

std::vector<Case> PureCases(const CaseMaker& maker, size_t count) {
  std::vector<Case> out;
  for (uint64_t i = 0; i < count; ++i) out.push_back(i % 2 ? maker.Generated(i) : maker.Valid(i));
  return out;
}

}  // namespace

void CheckPurity(const CheckContext& context, Channel& channel) {
  channel.StartCheck("pure.describe_schema");
  plugin_host::PluginHost host_a, host_b;
  const plugin_host::LoadedPlugin* a =
      LoadInChild(host_a, context.path, "pure.describe_schema", channel);
  if (a == nullptr) return;
  const plugin_host::LoadedPlugin* b =
      LoadInChild(host_b, context.path, "pure.describe_schema", channel);
  if (b == nullptr) return;
  const size_t count = std::min(context.cases, kMaxPureCases);
  if (context.has_schema) {
    CheckOne(
        "pure.describe_schema", {Case{"describe_schema", ""}},
        [](const plugin_host::LoadedPlugin& p, const Case&) { return p.DescribeSchema(); }, *a, *b,
        channel);
    CheckOne(
        "pure.check_rules", PureCases(CaseMaker(context, Function::kCheckRules), count),
        [](const plugin_host::LoadedPlugin& p, const Case& c) { return p.CheckRules(c.bytes); }, *a,
        *b, channel);
  } else {
    channel.Report(Skip("pure.describe_schema", "no capability SCHEMA"));
    channel.Report(Skip("pure.check_rules", "no capability SCHEMA"));
  }
  if (!context.can_sync) {
    channel.Report(Skip("pure.sync_plan", "no capability SYNC"));
    channel.Report(Skip("pure.sync_absorb", "no capability SYNC"));
    return;
  }
  CheckOne(
      "pure.sync_plan", PureCases(CaseMaker(context, Function::kSyncPlan), count),
      [](const plugin_host::LoadedPlugin& p, const Case& c) { return p.SyncPlan(c.bytes); }, *a, *b,
      channel);
  channel.StartCheck("pure.sync_absorb");
  std::vector<PlannedStep> steps = HarvestSteps(*a, context, 60, 200, channel);
  CheckOne(
      "pure.sync_absorb",
      PureCases(CaseMaker(context, Function::kSyncAbsorb, std::move(steps)), count),
      [](const plugin_host::LoadedPlugin& p, const Case& c) { return p.SyncAbsorb(c.bytes); }, *a,
      *b, channel);
}

namespace {

bool IsAuthorization(const std::string& name) {
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "authorization" || lower == "proxy-authorization";
}

// Where in `request` `needle` appears ("the body", "header X-Key", ...); empty: nowhere.
std::string Where(const psdk::HttpRequest& request, const std::string& needle) {
  if (request.method.find(needle) != std::string::npos) return "the method";
  if (request.path.find(needle) != std::string::npos) return "the path";
  for (const auto& [name, value] : request.query) {
    if ((name + "=" + value).find(needle) != std::string::npos) return "query parameter " + name;
  }
  for (const auto& [name, value] : request.headers) {
    if ((name + ": " + value).find(needle) != std::string::npos) return "header " + name;
  }
  if (request.body.find(needle) != std::string::npos) return "the body";
  return "";
}

std::string Describe(const psdk::Step& step) {
  return std::string(psdk::codec_internal::StepKindName(step.kind)) + " step of " + step.target +
         " (" + step.request.method + " " + step.request.path + ")";
}

}  // namespace

void CheckRequests(const CheckContext& context, Channel& channel) {
  channel.StartCheck("requests.authorization");
  plugin_host::PluginHost host;
  const plugin_host::LoadedPlugin* plugin =
      LoadInChild(host, context.path, "requests.authorization", channel);
  if (plugin == nullptr) return;
  std::map<std::string, std::string> secrets;
  for (size_t i = 0; i < context.secret_fields.size(); ++i) {
    secrets[context.secret_fields[i]] = "TLSECRET" + std::to_string(i) + "x7Qz9Kp2";
  }
  const InputFactory factory(context.schema, secrets);
  std::string authorization, leak;
  size_t requests = 0;
  const size_t count = std::min<size_t>(context.cases, 1000);
  for (uint64_t i = 0; i < count && (authorization.empty() || leak.empty()); ++i) {
    Rng rng = CaseRng(context.seed, "requests", i);
    std::string state;
    const psdk::PlanInput input = factory.Plan(rng, &state);
    const std::string name = "valid #" + std::to_string(i) + " of seed " +
                             std::to_string(context.seed) + " (" + state + ")";
    channel.Begin("sync_plan of " + name);
    Result<std::string> answer = plugin->SyncPlan(psdk::EncodePlanInput(input));
    channel.End();
    if (!answer.ok() || AnswerProblem(Function::kSyncPlan, *answer)) continue;
    for (const psdk::Step& step : psdk::DecodeSteps(*answer)) {
      ++requests;
      for (const auto& [header, value] : step.request.headers) {
        if (IsAuthorization(header) && authorization.empty()) {
          authorization = "case " + name + ": the " + Describe(step) + " carries the header " +
                          header + " header (the host adds credentials)";
        }
      }
      for (const auto& [field, value] : secrets) {
        const std::string where = Where(step.request, value);
        if (!where.empty() && leak.empty()) {
          leak = "case " + name + ": the value of secret field " + field + " is in " + where +
                 " of the " + Describe(step);
        }
      }
    }
  }
  const std::string looked = std::to_string(requests) + " requests of " + std::to_string(count) +
                             " plans (seed " + std::to_string(context.seed) + ")";
  channel.Report(authorization.empty()
                     ? Pass("requests.authorization", looked + ": no Authorization header")
                     : Fail("requests.authorization", authorization));
  if (secrets.empty()) {
    return channel.Report(Skip("requests.secrets",
                               "the schema has no secret string field (marked \"secret\": true "
                               "or named like password, secret, token, api_key)"));
  }
  std::string fields;
  for (const auto& [field, value] : secrets) fields += (fields.empty() ? "" : ", ") + field;
  channel.Report(leak.empty() ? Pass("requests.secrets", looked + ": no value of " + fields)
                              : Fail("requests.secrets", leak));
}

}  // namespace trunkline::plugin_check
