// Clock: the one source of wall-clock time, so that time can be injected in tests.
// Times are microseconds since the Unix epoch, UTC.
//
// Thread-safety: SystemClock and ManualClock are safe for concurrent use.
#pragma once

#include <atomic>
#include <cstdint>

namespace trunkline {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since 1970-01-01T00:00:00Z.
  virtual int64_t NowMicros() const = 0;
};

// The real clock (std::chrono::system_clock). The returned object lives forever.
Clock& SystemClock();

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros = 0) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_micros) { now_.store(now_micros, std::memory_order_relaxed); }
  void Advance(int64_t micros) { now_.fetch_add(micros, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace trunkline
