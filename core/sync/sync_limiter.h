// Limiter: the client-side limits of one provider account, for coroutines on one io thread:
// a token bucket (requests per second, burst), a cap on requests in flight, and a pause (a
// 429's Retry-After) during which nothing is sent. Not thread-safe: one executor.
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>

namespace trunkline::sync::internal {

class Limiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate 0: no rate limit; max_in_flight 0: no cap.
  Limiter(boost::asio::io_context::executor_type executor, double rate, uint32_t burst,
          uint32_t max_in_flight)
      : executor_(executor),
        rate_(rate),
        burst_(std::max<double>(1, burst)),
        tokens_(burst_),
        max_in_flight_(max_in_flight),
        refilled_(Clock::now()) {}

  // Waits until a request may go; pair each with Release().
  boost::asio::awaitable<void> Acquire() {
    for (;;) {
      const Clock::time_point now = Clock::now();
      Refill(now);
      const bool paused = now < paused_until_;
      const bool capped = max_in_flight_ != 0 && in_flight_ >= max_in_flight_;
      const bool empty = rate_ > 0 && tokens_ < 1;
      if (!paused && !capped && !empty) {
        if (rate_ > 0) tokens_ -= 1;
        ++in_flight_;
        co_return;
      }
      Clock::duration wait = std::chrono::seconds(1);  // a Release() wakes it sooner
      if (paused) {
        wait = paused_until_ - now;
      } else if (empty) {
        wait = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>((1 - tokens_) / rate_));
      }
      auto timer = std::make_shared<boost::asio::steady_timer>(executor_, wait);
      auto waiter = waiters_.insert(waiters_.end(), timer);
      co_await timer->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      waiters_.erase(waiter);
    }
  }

  void Release() {
    --in_flight_;
    if (!waiters_.empty()) waiters_.front()->cancel();
  }

  // Sends nothing for `delay` (a 429's Retry-After).
  void PauseFor(std::chrono::milliseconds delay) {
    paused_until_ = std::max(paused_until_, Clock::now() + delay);
  }

 private:
  void Refill(Clock::time_point now) {
    if (rate_ <= 0) return;
    const double seconds = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    refilled_ = now;
  }

  boost::asio::io_context::executor_type executor_;
  double rate_;
  double burst_;
  double tokens_;
  uint32_t max_in_flight_;
  uint32_t in_flight_ = 0;
  Clock::time_point refilled_;
  Clock::time_point paused_until_{};
  std::list<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

}  // namespace trunkline::sync::internal
