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
  uint64_t rss_trunks = 100'000;  // for the memory figure, RssFigureName(rss_trunks)
  int rebuild_runs = 3;           // rebuilds of the same journal; rebuild_eps is their median
  std::string self;               // this executable, to measure memory in a clean process
};

// rebuild_eps, as_of_p50_us, as_of_p99_us, the memory figure, peak_rss_mb.
Result<std::vector<Figure>> RunDomainBench(const DomainBenchOptions& options);

// The memory figure's name, after the number of trunks projected: "rss_100k_trunks_mb" for
// 100,000 (see CountName).
std::string RssFigureName(uint64_t trunks);

// The child side of the memory figure: projects every trunk of the journal in `dir`, leaves
// the number of trunks projected in a file in `dir` for the parent, and returns the
// process's peak RSS in MiB.
Result<double> ProjectAndMeasureRss(const std::string& dir);

}  // namespace trunkline::bench
