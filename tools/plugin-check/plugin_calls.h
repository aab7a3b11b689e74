// What the checks that call a plugin share: the context they run in, loading the plugin
// through the real host inside a check's child process, calling one of its functions by
// name, checking an answer against the ABI's grammar, and making each function's inputs
// (valid ones from the schema, and seeded mutations of them).
//
// Thread-safety: not thread-safe; one check (one child process) at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inputs.h"
#include "isolate.h"
#include "mutate.h"
#include "trunkline/plugin_host/plugin_host.h"

namespace trunkline::plugin_check {

// What every check of one plugin knows.
struct CheckContext {
  std::string path;
  uint64_t seed = 0;
  size_t cases = 2000;      // generated cases per function
  bool has_schema = false;  // capability SCHEMA (and the schema decoded)
  bool can_sync = false;    // capability SYNC on ABI 1.1 or later
  plugin_sdk::Schema schema;
  std::vector<std::string> secret_fields;
};

enum class Function { kCheckRules, kSyncPlan, kSyncAbsorb };
const char* FunctionName(Function f);  // "check_rules", "sync_plan", "sync_absorb"

// Loads the plugin at `path` into `host` (in the calling child), reporting the load as a
// call. nullptr when the host refused it (the refusal is reported as a failure of `check`).
const plugin_host::LoadedPlugin* LoadInChild(plugin_host::PluginHost& host, const std::string& path,
                                             const std::string& check, Channel& channel);

// Calls `f` through the host.
Result<std::string> Call(const plugin_host::LoadedPlugin& plugin, Function f,
                         std::string_view input);

// Why an OK answer of `f` is not what the ABI's grammar says it returns; nullopt when it is.
std::optional<std::string> AnswerProblem(Function f, const std::string& value);

// A step the plugin planned, with the input it planned it for.
struct PlannedStep {
  plugin_sdk::PlanInput input;
  plugin_sdk::Step step;
};

// Inputs of one function for a plugin, from its schema.
class CaseMaker {
 public:
  // `steps`: steps the plugin planned, answered in sync_absorb inputs (may be empty).
  CaseMaker(const CheckContext& context, Function f, std::vector<PlannedStep> steps = {});

  // Valid input number `index` (unmutated), encoded.
  Case Valid(uint64_t index) const;
  // Generated case number `index`: a valid input, mutated three times in four.
  Case Generated(uint64_t index) const;

 private:
  Case Make(uint64_t index, bool may_mutate) const;

  const CheckContext& context_;
  Function f_;
  InputFactory factory_;
  std::vector<PlannedStep> steps_;
};

// Plans `count` valid inputs (in calls reported to `channel`) and returns the steps the
// plugin answered, at most `max_steps`.
std::vector<PlannedStep> HarvestSteps(const plugin_host::LoadedPlugin& plugin,
                                      const CheckContext& context, size_t count, size_t max_steps,
                                      Channel& channel);

// `text` cut to about `max` bytes around byte `at`, non-printable bytes as '.'.
std::string Excerpt(std::string_view text, size_t at, size_t max = 48);

// A result in one line, for messages: "OK, 123 bytes" or "error 3: <message>".
std::string Summary(const Result<std::string>& r);

}  // namespace trunkline::plugin_check
