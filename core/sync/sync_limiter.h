// Limiter: the client-side limits of one provider account, for coroutines on one io thread:
// a token bucket (requests per second, burst), a cap on requests in flight, and a pause (a
// 429's Retry-After) during which nothing is sent. The rate adapts to 429s: halved on each,
// grown back by a quarter every quiet quarter of a second. Not thread-safe: one executor.
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
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
        configured_rate_(rate),
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
        recent_.push_back(now);
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

  // A 429: pauses for `delay`, and halves the rate (to half of what was sent in the last
  // second when there was no limit): multiplicative decrease.
  void RateLimited(std::chrono::milliseconds delay) {
    const Clock::time_point now = Clock::now();
    PauseFor(delay);
    Forget(now);
    const double sent = static_cast<double>(recent_.size());
    const double lower = std::max(1.0, (rate_ > 0 ? std::min(rate_, sent) : sent) / 2);
    if (rate_ <= 0 || lower < rate_) {
      rate_ = lower;
      tokens_ = std::min(tokens_, 1.0);
    }
    changed_ = now;
  }

  // A request went through: every quiet quarter of a second, the rate grows back by a quarter,
  // up to the configured rate, or until unlimited again when there was none.
  void Succeeded() {
    if (rate_ <= 0 || rate_ == configured_rate_) return;
    const Clock::time_point now = Clock::now();
    if (now - changed_ < std::chrono::milliseconds(250)) return;
    changed_ = now;
    rate_ += std::max(1.0, rate_ / 4);
    if (configured_rate_ > 0) {
      rate_ = std::min(rate_, configured_rate_);
    } else if (rate_ > 10'000) {
      rate_ = 0;
    }
  }

  double rate() const { return rate_; }

 private:
  // Keeps only the sends of the last second.
  void Forget(Clock::time_point now) {
    while (!recent_.empty() && now - recent_.front() > std::chrono::seconds(1)) {
      recent_.pop_front();
    }
  }

  void Refill(Clock::time_point now) {
    if (rate_ <= 0) return;
    const double seconds = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    refilled_ = now;
  }

  boost::asio::io_context::executor_type executor_;
  double rate_;
  double configured_rate_;
  double burst_;
  double tokens_;
  uint32_t max_in_flight_;
  uint32_t in_flight_ = 0;
  Clock::time_point refilled_;
  Clock::time_point paused_until_{};
  std::list<std::shared_ptr<boost::asio::steady_timer>> waiters_;
  std::deque<Clock::time_point> recent_;  // sends of the last second (when last asked)
  Clock::time_point changed_{};           // the rate's last change
};

}  // namespace trunkline::sync::internal
