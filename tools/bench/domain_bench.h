// `trunkline-bench domain`: projection rebuild, as-of reads, and memory per projected trunk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "figures.h"
#include "trunkline/base/status.h"

namespace trunkline::bench {

struct DomainBenchOptions {
  std::string dir;                // scratch space; a fresh subdirectory is used and removed
  uint64_t events = 1'000'000;    // for rebuild_eps
  uint64_t trunks = 10'000;       // they are spread over
  uint64_t rss_trunks = 100'000;  // for rss_100k_trunks_mb
  int rebuild_runs = 3;           // rebuilds of the same journal; rebuild_eps is their median
  std::string self;               // this executable, to measure memory in a clean process
};

// rebuild_eps, as_of_p99_us, rss_100k_trunks_mb, peak_rss_mb.
Result<std::vector<Figure>> RunDomainBench(const DomainBenchOptions& options);

// The child side of rss_100k_trunks_mb: projects every trunk of the journal in `dir` and
// returns the process's peak RSS in MiB.
Result<double> ProjectAndMeasureRss(const std::string& dir);

}  // namespace trunkline::bench
