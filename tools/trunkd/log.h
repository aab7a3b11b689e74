// trunkd's log on stderr: text lines on a terminal ("2026-12-04T10:00:00.123Z info request
// method=GET route=... status=200 ms=0.4"), JSON lines with --log-format json ({"time",
// "level", "msg", ...fields}). Fields never hold a secret: callers pass none, and the API
// logs routes and ids, never headers or bodies. Built on spdlog.
//
// Info, Warn and Error lines are written at once. Request lines (one per answered request)
// are gathered and written together, at the latest kRequestFlush after the first of them,
// before any other line, and when the log closes: under load, one write(2) for many
// requests rather than one each. A process killed outright loses at most that much of them.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace spdlog {
class logger;
}

namespace trunkline::trunkd {

enum class LogFormat { kText, kJson };

class Log {
 public:
  static constexpr std::chrono::milliseconds kRequestFlush{200};

  explicit Log(LogFormat format);
  ~Log();
  void Info(const std::string& message, const boost::json::object& fields = {});
  void Warn(const std::string& message, const boost::json::object& fields = {});
  void Error(const std::string& message, const boost::json::object& fields = {});
  // An info line "request" with `fields`, gathered (above).
  void Request(const boost::json::object& fields);

 private:
  void Write(const char* level, const std::string& message, const boost::json::object& fields,
             bool gathered);
  void FlushLoop();

  LogFormat format_;
  std::shared_ptr<spdlog::logger> logger_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool pending_ = false;  // request lines gathered and not yet written
  bool closing_ = false;
  std::thread flusher_;
};

}  // namespace trunkline::trunkd
