// trunkd's metrics, written in the Prometheus text format (version 0.0.4) on GET /metrics.
// Counters and histograms are kept here as requests pass; gauges (journal position,
// projection lag, sync state) are read when /metrics is asked for, by the caller's
// `gauges` text.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace trunkline::trunkd {

// Observations of durations, in seconds, counted in the buckets Prometheus expects
// (cumulative `le` buckets, `_sum`, `_count`).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void Observe(double seconds);
  // The lines of `name` (with `labels`, "" or `a="b"`) in the text format.
  void Write(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};  // the last: +Inf
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  // One API request answered: its route ("POST /v1/trunks"), status and time taken.
  void Request(const std::string& route, int status, double seconds);
  // One command's outcome: "ok", "replayed", "unchanged" or the error code's name; and for a
  // command that reached the journal, the time from its arrival to its durability.
  void Command(const std::string& result, double seconds_to_durable);
  // One provider request of the sync worker, by provider and HTTP status ("error" when no
  // answer came).
  void ProviderRequest(const std::string& provider, const std::string& status);

  // Everything above, then `gauges` (lines already in the text format).
  std::string Text(const std::string& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> request_seconds_;
  std::map<std::string, uint64_t> commands_;
  std::map<std::pair<std::string, std::string>, uint64_t> provider_requests_;
  Histogram append_seconds_;
};

// The "# HELP" and "# TYPE" lines of metric `name` ("counter", "gauge", "histogram").
void MetricHeader(const char* name, const char* type, const char* help, std::string& out);

// `text` escaped as a label value (backslash, double quote, newline).
std::string LabelValue(const std::string& text);

}  // namespace trunkline::trunkd
