// trunkd's log on stderr: text lines on a terminal ("2026-12-04T10:00:00.123Z info request
// method=GET route=... status=200 ms=0.4"), JSON lines with --log-format json ({"time",
// "level", "msg", ...fields}). Fields never hold a secret: callers pass none, and the API
// logs routes and ids, never headers or bodies. Built on spdlog.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace trunkline::trunkd {

enum class LogFormat { kText, kJson };

class Log {
 public:
  explicit Log(LogFormat format);
  ~Log();
  void Info(const std::string& message, const boost::json::object& fields = {});
  void Warn(const std::string& message, const boost::json::object& fields = {});
  void Error(const std::string& message, const boost::json::object& fields = {});

 private:
  void Write(const char* level, const std::string& message, const boost::json::object& fields);
  LogFormat format_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace trunkline::trunkd
