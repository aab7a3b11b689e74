// Check 3: check_rules, sync_plan and sync_absorb survive hostile input (mutate.h's fixed
// cases, then the context's number of generated cases), each call answering within the
// time bound, every OK answer in the ABI's grammar; and the plugin does not leak (what it
// returns goes back through free_bytes and is released; the heap and resident set stay flat
// over repeated calls).
//
// Each function runs in a child process of its own (isolate.h), so a crash or hang fails
// the check naming the case. Thread-safety: one check at a time.
#pragma once

#include "plugin_calls.h"

namespace trunkline::plugin_check {

// robust.<function>: the fixed hostile cases, then context.cases generated ones.
void CheckRobustness(const CheckContext& context, Function f, Channel& channel);

// memory.growth: heap in use and resident set size before and after many calls of each
// function on valid and hostile inputs, after a warm-up.
void CheckMemoryGrowth(const CheckContext& context, Channel& channel);

// A valid input of `f` (unmutated case 0), for checks that need one.
std::string ValidInput(const CheckContext& context, Function f);

}  // namespace trunkline::plugin_check
