// `trunkline-bench sync`: the sync worker against the provider emulator, started in process.
#pragma once

#include <string>
#include <vector>

#include "figures.h"
#include "trunkline/base/status.h"

namespace trunkline::bench {

struct SyncBenchOptions {
  std::string dir;                // scratch space; a fresh subdirectory is used and removed
  uint64_t twilio_trunks = 1000;  // each with one origination URL
  uint64_t plivo_trunks = 500;
  uint64_t telnyx_trunks = 500;  // each with one FQDN
  uint32_t concurrency = 32;  // trunks reconciled at once
  double idle_seconds = 3;    // how long the idle worker's CPU is measured
  // When not empty, only these figures are measured ("twilio", "plivo", "idle" groups run
  // when any of their figures is named).
  std::vector<std::string> only;
};

// sync_1000_latency20ms_s, sync_floor_s, sync_ratio (Twilio, 20 ms added latency; floor =
// requests x 20 ms / concurrency); sync_plivo_ratelimited_s, plivo_floor_s, plivo_ratio,
// plivo_429_count (Plivo limited to 60 requests/s, burst 60; floor = requests / 60);
// sync_telnyx_latency20ms_s, telnyx_floor_s, telnyx_ratio (Telnyx, 20 ms added latency,
// floor as Twilio's); sync_idle_cpu_pct (the worker's CPU while nothing needs syncing).
Result<std::vector<Figure>> RunSyncBench(const SyncBenchOptions& options);

}  // namespace trunkline::bench
