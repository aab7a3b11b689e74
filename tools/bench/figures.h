// Benchmark figures and how trunkline-bench prints them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "trunkline/base/status.h"

namespace trunkline::bench {

struct Figure {
  std::string name;  // e.g. "append_1writer_durable_eps"
  double value = 0;
  std::string unit;  // e.g. "events/s"
};

// One line per figure: "name value unit".
void PrintText(const std::vector<Figure>& figures, std::ostream& out);
// One JSON object: {"name": value, ...} in the figures' order.
void PrintJson(const std::vector<Figure>& figures, std::ostream& out);

// A count as figure names spell it: 100000 -> "100k", 2000000 -> "2m", 250 -> "250".
std::string CountName(uint64_t count);

// The bytes of every regular file under `dir`, recursively.
// kUnavailable: `dir` or something in it could not be read.
Result<uint64_t> DirectoryBytes(const std::filesystem::path& dir);

// The process's peak resident set so far, in MiB.
double PeakRssMb();

// Runs `measure` in a fresh directory "<dir>/<name>-<pid>", removed afterwards whatever
// happens, and returns the figures it collected.
Result<std::vector<Figure>> MeasureInScratchDir(
    const std::string& dir, const std::string& name,
    const std::function<Status(const std::filesystem::path& root, std::vector<Figure>& figures)>&
        measure);

}  // namespace trunkline::bench
