#include "faults.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <vector>

namespace trunkline::emulator {
namespace {

Status Bad(std::string_view key, std::string_view rule) {
  return InvalidArgumentError("faults: " + std::string(key) + " " + std::string(rule));
}

Result<double> Number(std::string_view key, std::string_view text, double lo, double hi) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < lo || value > hi) {
    std::ostringstream rule;
    rule << "must be a number from " << lo << " to " << hi << ", got \"" << text << "\"";
    return Bad(key, rule.str());
  }
  return value;
}

Result<int> Millis(std::string_view key, std::string_view text) {
  TRUNKLINE_ASSIGN_OR_RETURN(double ms, Number(key, text, 0, 600'000));
  if (ms != std::floor(ms)) return Bad(key, "must be whole milliseconds");
  return static_cast<int>(ms);
}

Result<bool> OnOff(std::string_view key, std::string_view text) {
  if (text == "on") return true;
  if (text == "off") return false;
  return Bad(key, "must be on or off, got \"" + std::string(text) + "\"");
}

}  // namespace

Result<FaultSpec> ParseFaults(std::string_view text) {
  FaultSpec spec;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Bad(item, "needs a value (key=value)");
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "latency") {
      const size_t plus = value.find('+');
      TRUNKLINE_ASSIGN_OR_RETURN(spec.latency_ms, Millis(key, value.substr(0, plus)));
      if (plus != std::string_view::npos) {
        TRUNKLINE_ASSIGN_OR_RETURN(spec.jitter_ms, Millis(key, value.substr(plus + 1)));
      }
    } else if (key == "rate") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.rate, Number(key, value, 0, 1e9));
    } else if (key == "burst") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.burst, Number(key, value, 1, 1e9));
    } else if (key == "retry-after") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.retry_after, OnOff(key, value));
    } else if (key == "errors") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.errors, Number(key, value, 0, 1));
    } else if (key == "lost") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.lost, Number(key, value, 0, 1));
    } else if (key == "lost-mode") {
      if (value != "drop" && value != "hold") {
        return Bad(key, "must be drop or hold, got \"" + std::string(value) + "\"");
      }
      spec.lost_hold = value == "hold";
    } else if (key == "hold-ms") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.hold_ms, Millis(key, value));
    } else if (key == "reset") {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.reset, Number(key, value, 0, 1));
    } else {
      return Bad(key,
                 "is not a fault; known: latency, rate, burst, retry-after, errors, lost, "
                 "lost-mode, hold-ms, reset");
    }
  }
  if (spec.errors + spec.reset > 1) return Bad("errors", "plus reset must not exceed 1");
  return spec;
}

std::string FormatFaults(const FaultSpec& s) {
  const FaultSpec none;
  std::vector<std::string> items;
  auto add = [&](const std::string& key, auto value) {
    std::ostringstream out;
    out << key << "=" << value;
    items.push_back(out.str());
  };
  if (s.latency_ms || s.jitter_ms) {
    add("latency", std::to_string(s.latency_ms) + "+" + std::to_string(s.jitter_ms));
  }
  if (s.rate != none.rate) add("rate", s.rate);
  if (s.burst != none.burst) add("burst", s.burst);
  if (s.retry_after != none.retry_after) add("retry-after", s.retry_after ? "on" : "off");
  if (s.errors != none.errors) add("errors", s.errors);
  if (s.lost != none.lost) add("lost", s.lost);
  if (s.lost_hold != none.lost_hold) add("lost-mode", s.lost_hold ? "hold" : "drop");
  if (s.hold_ms != none.hold_ms) add("hold-ms", s.hold_ms);
  if (s.reset != none.reset) add("reset", s.reset);
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

const char* FaultName(FaultDecision::Kind kind) {
  switch (kind) {
    case FaultDecision::Kind::kNone:
      return "";
    case FaultDecision::Kind::kRateLimited:
      return "rate-limited";
    case FaultDecision::Kind::kReset:
      return "reset";
    case FaultDecision::Kind::kError500:
      return "error-500";
    case FaultDecision::Kind::kError503:
      return "error-503";
    case FaultDecision::Kind::kLost:
      return "lost";
  }
  return "";
}

FaultInjector::FaultInjector(uint64_t seed, FaultSpec spec)
    : seed_(seed), spec_(spec), rng_(seed) {}

FaultDecision FaultInjector::Decide(const std::string& account, bool changes) {
  std::lock_guard lock(mu_);
  FaultDecision d;
  // Four draws per request, always, so that one fault's share does not shift the others'.
  std::uniform_real_distribution<double> unit(0, 1);
  const double jitter = unit(rng_), fail = unit(rng_), which = unit(rng_), lose = unit(rng_);
  d.delay = std::chrono::milliseconds(spec_.latency_ms +
                                      static_cast<int>(std::lround(jitter * spec_.jitter_ms)));
  if (spec_.rate > 0) {
    const double capacity = std::max(1.0, spec_.burst > 0 ? spec_.burst : spec_.rate);
    const Clock::time_point now = Clock::now();
    auto [it, added] = buckets_.try_emplace(account, Bucket{capacity, now});
    Bucket& b = it->second;
    b.tokens = std::min(
        capacity, b.tokens + std::chrono::duration<double>(now - b.refilled).count() * spec_.rate);
    b.refilled = now;
    if (b.tokens < 1) {
      d.kind = FaultDecision::Kind::kRateLimited;
      if (spec_.retry_after) {
        d.retry_after_s = static_cast<int>(std::ceil((1 - b.tokens) / spec_.rate));
      }
      return d;
    }
    b.tokens -= 1;
  }
  if (fail < spec_.reset) {
    d.kind = FaultDecision::Kind::kReset;
  } else if (fail < spec_.reset + spec_.errors) {
    d.kind = which < 0.5 ? FaultDecision::Kind::kError500 : FaultDecision::Kind::kError503;
  } else if (changes && lose < spec_.lost) {
    d.kind = FaultDecision::Kind::kLost;
    if (spec_.lost_hold) d.hold = std::chrono::milliseconds(spec_.hold_ms);
  }
  return d;
}

void FaultInjector::set_spec(const FaultSpec& spec) {
  std::lock_guard lock(mu_);
  spec_ = spec;
  buckets_.clear();
}

FaultSpec FaultInjector::spec() const {
  std::lock_guard lock(mu_);
  return spec_;
}

void FaultInjector::Reseed() {
  std::lock_guard lock(mu_);
  rng_.seed(seed_);
  buckets_.clear();
}

}  // namespace trunkline::emulator
