#include "metrics.h"

#include <cmath>
#include <cstdio>

namespace trunkline::trunkd {
namespace {

std::string Number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

}  // namespace

void MetricHeader(const char* name, const char* type, const char* help, std::string& out) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

std::string LabelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(std::max(0.0, seconds) * 1e6)),
                        std::memory_order_relaxed);
}

void Histogram::Write(const std::string& name, const std::string& labels, std::string& out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name + "_bucket{" + labels + sep + "le=\"" + Number(kBounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += counts_[kBounds.size()].load(std::memory_order_relaxed);
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " +
         Number(static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6) + "\n";
  out += name + "_count" + braces + " " + std::to_string(cumulative) + "\n";
}

void Metrics::Request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  request_seconds_[route].Observe(seconds);
}

void Metrics::Command(const std::string& result, double seconds_to_durable) {
  {
    std::lock_guard lock(mu_);
    ++commands_[result];
  }
  if (seconds_to_durable >= 0) append_seconds_.Observe(seconds_to_durable);
}

void Metrics::ProviderRequest(const std::string& provider, const std::string& status) {
  std::lock_guard lock(mu_);
  ++provider_requests_[{provider, status}];
}

std::string Metrics::Text(const std::string& gauges) const {
  std::string out;
  std::lock_guard lock(mu_);
  MetricHeader("trunkline_http_requests_total", "counter",
               "API requests answered, by route and status.", out);
  for (const auto& [key, n] : requests_) {
    out += "trunkline_http_requests_total{route=\"" + LabelValue(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  MetricHeader("trunkline_http_request_duration_seconds", "histogram",
               "Time from a request's arrival to its answer, by route.", out);
  for (const auto& [route, h] : request_seconds_) {
    h.Write("trunkline_http_request_duration_seconds", "route=\"" + LabelValue(route) + "\"", out);
  }
  MetricHeader("trunkline_commands_total", "counter", "Trunk commands, by result.", out);
  for (const auto& [result, n] : commands_) {
    out += "trunkline_commands_total{result=\"" + LabelValue(result) + "\"} " + std::to_string(n) +
           "\n";
  }
  MetricHeader("trunkline_append_duration_seconds", "histogram",
               "Time from a command's arrival to its events being durable in the journal.", out);
  append_seconds_.Write("trunkline_append_duration_seconds", "", out);
  MetricHeader("trunkline_provider_requests_total", "counter",
               "Requests the sync worker sent to providers, by provider and HTTP status.", out);
  for (const auto& [key, n] : provider_requests_) {
    out += "trunkline_provider_requests_total{provider=\"" + LabelValue(key.first) +
           "\",status=\"" + LabelValue(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += gauges;
  return out;
}

}  // namespace trunkline::trunkd
