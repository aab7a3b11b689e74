#include "plugin_calls.h"

#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::plugin_check {

namespace psdk = plugin_sdk;

const char* FunctionName(Function f) {
  switch (f) {
    case Function::kCheckRules:
      return "check_rules";
    case Function::kSyncPlan:
      return "sync_plan";
    case Function::kSyncAbsorb:
      return "sync_absorb";
  }
  return "check_rules";
}

const plugin_host::LoadedPlugin* LoadInChild(plugin_host::PluginHost& host, const std::string& path,
                                             const std::string& check, Channel& channel) {
  channel.Begin("loading the plugin through the host (create)");
  const Status loaded = host.LoadFile(path);
  channel.End();
  if (!loaded.ok()) {
    channel.Report(Fail(check, "the host did not load it: " + loaded.message()));
    return nullptr;
  }
  std::vector<const plugin_host::LoadedPlugin*> all = host.plugins();
  return all.empty() ? nullptr : all.front();
}

Result<std::string> Call(const plugin_host::LoadedPlugin& plugin, Function f,
                         std::string_view input) {
  switch (f) {
    case Function::kCheckRules:
      return plugin.CheckRules(input);
    case Function::kSyncPlan:
      return plugin.SyncPlan(input);
    case Function::kSyncAbsorb:
      return plugin.SyncAbsorb(input);
  }
  return InternalError("unknown function");
}

std::optional<std::string> AnswerProblem(Function f, const std::string& value) {
  try {
    switch (f) {
      case Function::kCheckRules:
        psdk::DecodeViolations(value);
        break;
      case Function::kSyncPlan:
        psdk::DecodeSteps(value);
        break;
      case Function::kSyncAbsorb: {
        psdk::AbsorbResult r = psdk::DecodeAbsorbResult(value);
        if (r.error && r.error->code == 0) return "an error with code 0 (OK)";
        break;
      }
    }
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

CaseMaker::CaseMaker(const CheckContext& context, Function f, std::vector<PlannedStep> steps)
    : context_(context), f_(f), factory_(context.schema), steps_(std::move(steps)) {}

Case CaseMaker::Valid(uint64_t index) const { return Make(index, false); }
Case CaseMaker::Generated(uint64_t index) const { return Make(index, true); }

Case CaseMaker::Make(uint64_t index, bool may_mutate) const {
  Rng rng = CaseRng(context_.seed, FunctionName(f_), index);
  Case c;
  std::string what;
  switch (f_) {
    case Function::kCheckRules:
      what = "a trunk";
      c.bytes = psdk::EncodeTrunkFacts(factory_.Facts(rng));
      break;
    case Function::kSyncPlan:
      c.bytes = psdk::EncodePlanInput(factory_.Plan(rng, &what));
      break;
    case Function::kSyncAbsorb: {
      std::string state;
      if (!steps_.empty() && rng() % 10 < 7) {
        const PlannedStep& p = steps_[rng() % steps_.size()];
        c.bytes = psdk::EncodeAbsorbInput(factory_.Absorb(rng, p.input, &p.step, &what));
      } else {
        const psdk::PlanInput plan = factory_.Plan(rng, &state);
        c.bytes = psdk::EncodeAbsorbInput(factory_.Absorb(rng, plan, nullptr, &what));
        what += " (a made-up step)";
      }
      break;
    }
  }
  const std::string kind = may_mutate ? "generated" : "valid";
  c.name = kind + " #" + std::to_string(index) + " of seed " + std::to_string(context_.seed) +
           " (" + what;
  if (may_mutate && rng() % 4 != 0) {
    std::string mutation;
    c.bytes = Mutate(c.bytes, rng, &mutation);
    c.name += "; mutated: " + mutation;
  }
  c.name += ")";
  return c;
}

std::vector<PlannedStep> HarvestSteps(const plugin_host::LoadedPlugin& plugin,
                                      const CheckContext& context, size_t count, size_t max_steps,
                                      Channel& channel) {
  std::vector<PlannedStep> out;
  InputFactory factory(context.schema);
  for (uint64_t i = 0; i < count && out.size() < max_steps; ++i) {
    Rng rng = CaseRng(context.seed, "harvest", i);
    std::string state;
    psdk::PlanInput input = factory.Plan(rng, &state);
    const std::string bytes = psdk::EncodePlanInput(input);
    channel.Begin("sync_plan of valid #" + std::to_string(i) + " of seed " +
                  std::to_string(context.seed) + " (" + state + "), for sync_absorb's inputs");
    Result<std::string> answer = plugin.SyncPlan(bytes);
    channel.End();
    if (!answer.ok() || AnswerProblem(Function::kSyncPlan, *answer)) continue;
    for (psdk::Step& step : psdk::DecodeSteps(*answer)) {
      out.push_back({input, std::move(step)});
    }
  }
  return out;
}

std::string Excerpt(std::string_view text, size_t at, size_t max) {
  const size_t from = at > max / 2 ? at - max / 2 : 0;
  std::string out = from > 0 ? "..." : "";
  for (size_t i = from; i < text.size() && i < from + max; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  if (from + max < text.size()) out += "...";
  return out;
}

std::string Summary(const Result<std::string>& r) {
  if (r.ok()) return "OK, " + std::to_string(r->size()) + " bytes";
  return "error " + std::to_string(static_cast<int>(r.status().code())) + ": " +
         Excerpt(r.status().message(), 0, 160);
}

}  // namespace trunkline::plugin_check
