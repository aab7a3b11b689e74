#include "log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "trunkline/api/json.h"
#include "trunkline/api/text.h"
#include "trunkline/base/clock.h"

namespace trunkline::trunkd {
namespace {

// Lines gathered in memory and written to stderr (fd 2) on flush, or when 64 KiB wait.
class GatheringStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    buffer_.append(line.data(), line.size());
    if (buffer_.size() >= (64 << 10)) flush_();
  }

  void flush_() override {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(STDERR_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr gone or full: the log must never take trunkd down
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

}  // namespace

Log::Log(LogFormat format)
    : format_(format),
      logger_(std::make_shared<spdlog::logger>("trunkd", std::make_shared<GatheringStderrSink>())),
      flusher_([this] { FlushLoop(); }) {
  logger_->set_pattern("%v");  // the line is made here: time, level and fields
}

Log::~Log() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  wake_.notify_all();
  flusher_.join();
  logger_->flush();
}

void Log::Info(const std::string& message, const boost::json::object& fields) {
  Write("info", message, fields, false);
}
void Log::Warn(const std::string& message, const boost::json::object& fields) {
  Write("warn", message, fields, false);
}
void Log::Error(const std::string& message, const boost::json::object& fields) {
  Write("error", message, fields, false);
}
void Log::Request(const boost::json::object& fields) { Write("info", "request", fields, true); }

void Log::Write(const char* level, const std::string& message, const boost::json::object& fields,
                bool gathered) {
  const std::string time = api::FormatTime(SystemClock().NowMicros());
  std::string line;
  if (format_ == LogFormat::kJson) {
    boost::json::object out{{"time", time}, {"level", level}, {"msg", message}};
    for (const auto& [key, value] : fields) out[key] = value;
    line = api::SerializeJson(out);
  } else {
    line = time + " " + level + " " + api::EscapeText(message);
    for (const auto& [key, value] : fields) {
      line += " " + std::string(key) + "=";
      line += value.is_string() ? api::EscapeText(value.as_string()) : api::SerializeJson(value);
    }
  }
  logger_->info(line);
  if (!gathered) return logger_->flush();  // with the request lines before it, in order
  std::lock_guard lock(mu_);
  if (!pending_) {
    pending_ = true;
    wake_.notify_one();
  }
}

// Writes the gathered request lines kRequestFlush after the first of them.
void Log::FlushLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return pending_ || closing_; });
    if (closing_) return;
    wake_.wait_for(lock, kRequestFlush, [&] { return closing_; });
    pending_ = false;
    lock.unlock();
    logger_->flush();
    lock.lock();
  }
}

}  // namespace trunkline::trunkd
