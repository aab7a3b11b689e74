#include "log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "trunkline/api/json.h"
#include "trunkline/api/text.h"
#include "trunkline/base/clock.h"

namespace trunkline::trunkd {

Log::Log(LogFormat format)
    : format_(format),
      logger_(std::make_shared<spdlog::logger>("trunkd",
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
  logger_->set_pattern("%v");  // the line is made here: time, level and fields
  logger_->flush_on(spdlog::level::info);
}

Log::~Log() = default;

void Log::Info(const std::string& message, const boost::json::object& fields) {
  Write("info", message, fields);
}
void Log::Warn(const std::string& message, const boost::json::object& fields) {
  Write("warn", message, fields);
}
void Log::Error(const std::string& message, const boost::json::object& fields) {
  Write("error", message, fields);
}

void Log::Write(const char* level, const std::string& message, const boost::json::object& fields) {
  const std::string time = api::FormatTime(SystemClock().NowMicros());
  if (format_ == LogFormat::kJson) {
    boost::json::object line{{"time", time}, {"level", level}, {"msg", message}};
    for (const auto& [key, value] : fields) line[key] = value;
    logger_->info(api::SerializeJson(line));
    return;
  }
  std::string line = time + " " + level + " " + api::EscapeText(message);
  for (const auto& [key, value] : fields) {
    line += " " + std::string(key) + "=";
    line += value.is_string() ? api::EscapeText(value.as_string()) : api::SerializeJson(value);
  }
  logger_->info(line);
}

}  // namespace trunkline::trunkd
