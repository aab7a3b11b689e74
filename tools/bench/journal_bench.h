// `trunkline-bench journal`: throughput of the durable journal on this machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "figures.h"
#include "trunkline/base/status.h"

namespace trunkline::bench {

// The import's shape: appends of kImportBatch events of one stream each, the streams taken
// in turn from kImportStreams (at the default 1,000,000 events, one append to each stream).
inline constexpr uint64_t kImportBatch = 100;
inline constexpr uint64_t kImportStreams = 10'000;

struct JournalBenchOptions {
  std::string dir;               // scratch space; a fresh subdirectory is used and removed
  uint64_t events = 1'000'000;   // for import and replay
  double seconds_per_run = 2.0;  // for the fsync and durable-append figures
  // When not empty, only these figures are measured (replay needs import).
  std::vector<std::string> only;
};

// fsync_per_s, append_1writer_durable_eps, append_64writers_durable_eps (64 appends in flight
// through AppendAsync), append_64threads_blocking_eps (64 threads in Append), import_eps,
// disk_bytes_per_event and payload_bytes_per_event (only when `only` is empty), replay_eps,
// peak_rss_mb.
Result<std::vector<Figure>> RunJournalBench(const JournalBenchOptions& options);

}  // namespace trunkline::bench
