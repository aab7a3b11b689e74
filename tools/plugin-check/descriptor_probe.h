// Check 1: the plugin's descriptor, member by member, as plugins/sdk/ABI.md lists what the
// host checks ("What the host checks, in order"), one result per rule and per function
// pointer, plus what abi.h asks of the provider id and version.
//
// The host refuses a plugin with one message and exposes no raw descriptor, so the probe
// reads it itself with dlopen/dlsym (the C loader; Boost.DLL stays in plugins/host). Loading
// through the host is its own check (host.load), run separately.
//
// Thread-safety: call from one thread; run it in an isolated child (it runs the plugin's
// static initialisers and its entry function).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "check_result.h"
#include "isolate.h"

namespace trunkline::plugin_check {

// Reports every descriptor check of the plugin at `path` to `channel`. Stops early (with
// the rest unreported) when a member cannot be read safely: no library, no entry symbol, a
// descriptor too small for its versions or of another major.
void ProbeDescriptor(const std::string& path, Channel& channel);

// The free_bytes contract, called directly: a buffer returned by the plugin's cheapest
// function (describe_schema, else check_rules, else sync_plan) is released by free_bytes
// (the process's heap in use drops by at least its size), and free_bytes accepts an empty
// buffer {NULL, 0} (the host hands back every empty message and value). Reports
// memory.free_bytes. `rules_input` and `plan_input` are valid inputs of those functions.
void CheckFreeBytes(const std::string& path, const std::string& rules_input,
                    const std::string& plan_input, Channel& channel);

// Bytes of heap in use in this process (malloc's arenas and mmapped chunks).
uint64_t HeapInUse();
// Resident set size of this process in bytes.
uint64_t ResidentBytes();

}  // namespace trunkline::plugin_check
