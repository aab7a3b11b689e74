// Benchmark figures and how trunkline-bench prints them.
#pragma once

#include <ostream>
#include <string>
#include <vector>

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

// The process's peak resident set so far, in MiB.
double PeakRssMb();

}  // namespace trunkline::bench
