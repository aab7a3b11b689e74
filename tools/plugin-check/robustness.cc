#include "robustness.h"

#include <chrono>

#include "descriptor_probe.h"

namespace trunkline::plugin_check {
namespace {

using Clock = std::chrono::steady_clock;

// Hostile cases per function, at most (the named ones, then cuts and type swaps).
constexpr size_t kMaxHostile = 1500;

// What the cases of one robustness check came to.
struct Tally {
  size_t calls = 0;
  size_t errors = 0;  // answered with an error status (fine: hostile input)
  double slowest_ms = 0;
  std::string slowest_case;
  std::vector<std::string> bad_answers;  // OK answers outside the grammar
};

void RunCase(const plugin_host::LoadedPlugin& plugin, Function f, const Case& c, Tally& tally,
             Channel& channel) {
  channel.Begin(c.name);
  const auto start = Clock::now();
  Result<std::string> answer = Call(plugin, f, c.bytes);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  channel.End();
  ++tally.calls;
  if (ms > tally.slowest_ms) {
    tally.slowest_ms = ms;
    tally.slowest_case = c.name;
  }
  if (!answer.ok()) {
    ++tally.errors;
    return;
  }
  if (std::optional<std::string> problem = AnswerProblem(f, *answer)) {
    tally.bad_answers.push_back("case " + c.name + ": answered OK with a value that is not " +
                                "its grammar's (" + *problem + ")");
  }
}

std::string Fixed(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", ms);
  return text;
}

}  // namespace

std::string ValidInput(const CheckContext& context, Function f) {
  return CaseMaker(context, f).Valid(0).bytes;
}

void CheckRobustness(const CheckContext& context, Function f, Channel& channel) {
  const std::string id = std::string("robust.") + FunctionName(f);
  channel.StartCheck(id);
  plugin_host::PluginHost host;
  const plugin_host::LoadedPlugin* plugin = LoadInChild(host, context.path, id, channel);
  if (plugin == nullptr) return;
  std::vector<PlannedStep> steps;
  if (f == Function::kSyncAbsorb) {
    steps =
        HarvestSteps(*plugin, context, std::min<size_t>(200, context.cases / 4 + 20), 400, channel);
  }
  const CaseMaker maker(context, f, std::move(steps));
  Tally tally;
  const std::vector<Case> hostile = HostileCases(maker.Valid(0).bytes, kMaxHostile);
  for (const Case& c : hostile) RunCase(*plugin, f, c, tally, channel);
  for (uint64_t i = 0; i < context.cases; ++i) {
    RunCase(*plugin, f, maker.Generated(i), tally, channel);
  }
  if (!tally.bad_answers.empty()) {
    std::string message = tally.bad_answers.front();
    if (tally.bad_answers.size() > 1) {
      message += " (and " + std::to_string(tally.bad_answers.size() - 1) + " more cases)";
    }
    return channel.Report(Fail(id, message));
  }
  channel.Report(Pass(id, std::to_string(hostile.size()) + " hostile and " +
                              std::to_string(context.cases) + " generated cases (seed " +
                              std::to_string(context.seed) + "): no crash, no hang, " +
                              std::to_string(tally.errors) + " refused; slowest call " +
                              Fixed(tally.slowest_ms) + " ms"));
}

namespace {

// The inputs of one function for the memory check: valid ones and generated ones, none
// larger than 64 KiB (the check measures what stays behind, not how large inputs are).
std::vector<Case> LeakInputs(const CheckContext& context, Function f,
                             std::vector<PlannedStep> steps) {
  const CaseMaker maker(context, f, std::move(steps));
  std::vector<Case> out;
  for (uint64_t i = 0; i < 16; ++i) out.push_back(maker.Valid(i));
  for (uint64_t i = 0; out.size() < 32 && i < 200; ++i) {
    Case c = maker.Generated(i);
    if (c.bytes.size() <= (64u << 10)) out.push_back(std::move(c));
  }
  return out;
}

struct Growth {
  std::string function;
  size_t calls = 0;
  int64_t heap = 0;
  int64_t resident = 0;
  uint64_t answered = 0;  // bytes of OK answers
};

Growth Measure(const plugin_host::LoadedPlugin& plugin, std::optional<Function> f,
               const std::vector<Case>& inputs, int rounds, Channel& channel) {
  Growth g;
  g.function = f ? FunctionName(*f) : "describe_schema";
  const auto run = [&](int n, bool count) {
    for (int round = 0; round < n; ++round) {
      for (const Case& c : inputs) {
        channel.Begin(g.function + " of " + c.name + " (memory check, round " +
                      std::to_string(round) + ")");
        Result<std::string> r = f ? Call(plugin, *f, c.bytes) : plugin.DescribeSchema();
        channel.End();
        if (count) {
          ++g.calls;
          if (r.ok()) g.answered += r->size();
        }
      }
    }
  };
  run(2, false);  // warm-up: caches, lazily built tables
  const uint64_t heap = HeapInUse(), resident = ResidentBytes();
  run(rounds, true);
  g.heap = static_cast<int64_t>(HeapInUse()) - static_cast<int64_t>(heap);
  g.resident = static_cast<int64_t>(ResidentBytes()) - static_cast<int64_t>(resident);
  return g;
}

}  // namespace

void CheckMemoryGrowth(const CheckContext& context, Channel& channel) {
  const std::string id = "memory.growth";
  channel.StartCheck(id);
  if (kAddressSanitizer) {
    return channel.Report(Skip(id, "built with AddressSanitizer, which keeps no heap figures; "
                                   "its leak checker looks at what is not freed"));
  }
  plugin_host::PluginHost host;
  const plugin_host::LoadedPlugin* plugin = LoadInChild(host, context.path, id, channel);
  if (plugin == nullptr) return;
  constexpr int kRounds = 40;
  std::vector<Growth> growths;
  if (context.has_schema) {
    growths.push_back(Measure(*plugin, std::nullopt, {Case{"no input", ""}}, kRounds * 8, channel));
    growths.push_back(Measure(*plugin, Function::kCheckRules,
                              LeakInputs(context, Function::kCheckRules, {}), kRounds, channel));
  }
  if (context.can_sync) {
    growths.push_back(Measure(*plugin, Function::kSyncPlan,
                              LeakInputs(context, Function::kSyncPlan, {}), kRounds, channel));
    std::vector<PlannedStep> steps = HarvestSteps(*plugin, context, 40, 64, channel);
    growths.push_back(Measure(*plugin, Function::kSyncAbsorb,
                              LeakInputs(context, Function::kSyncAbsorb, steps), kRounds, channel));
  }
  // Allocator noise stays well under this; a leak of 16 bytes per call does not.
  constexpr int64_t kHeapSlack = 32 << 10;
  constexpr int64_t kResidentSlack = 48 << 20;
  std::string summary;
  for (const Growth& g : growths) {
    const int64_t per_call = g.calls ? g.heap / static_cast<int64_t>(g.calls) : 0;
    const uint64_t answer = g.calls ? g.answered / g.calls : 0;
    if (g.heap > kHeapSlack && per_call >= 8) {
      std::string why = "the plugin keeps memory per call";
      const int64_t size = static_cast<int64_t>(answer);
      if (size > 0 && per_call >= size * 3 / 4 && per_call <= size * 3 / 2) {
        why = "about the size of its answers (" + std::to_string(answer) +
              " bytes on average): free_bytes does not seem to release them";
      }
      return channel.Report(
          Fail(id, g.function + ": heap in use grew by " + std::to_string(g.heap) + " bytes over " +
                       std::to_string(g.calls) + " calls (" + std::to_string(per_call) +
                       " bytes per call; " + why + ")"));
    }
    if (g.resident > kResidentSlack) {
      return channel.Report(Fail(id, g.function + ": resident memory grew by " +
                                         std::to_string(g.resident >> 20) + " MiB over " +
                                         std::to_string(g.calls) + " calls"));
    }
    summary += (summary.empty() ? "" : ", ") + g.function + " " + std::to_string(g.heap) +
               " bytes over " + std::to_string(g.calls) + " calls";
  }
  channel.Report(
      Pass(id, growths.empty() ? "no function to call" : "heap growth after warm-up: " + summary));
}

}  // namespace trunkline::plugin_check
