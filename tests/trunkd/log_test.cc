// trunkd's log: request lines are gathered and written together, every other line at once
// and after the request lines before it; nothing is lost when the log closes.
#include "log.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "testutil/temp_dir.h"

namespace trunkline::trunkd {
namespace {

using ::testing::HasSubstr;

// Sends this process's stderr (fd 2) to a file while it lives.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) : path_(path), saved_(::dup(STDERR_FILENO)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0) << path;
    EXPECT_GE(::dup2(fd, STDERR_FILENO), 0);
    ::close(fd);
  }
  ~StderrToFile() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  std::string Read() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
  int saved_;
};

// "route" values of the log's lines, in order.
std::vector<std::string> Routes(const std::string& log) {
  std::vector<std::string> routes;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("\"route\":\"");
    if (at == std::string::npos) continue;
    const size_t start = at + 9;
    routes.push_back(line.substr(start, line.find('"', start) - start));
  }
  return routes;
}

TEST(LogTest, AnOtherLineIsWrittenAtOnceAfterTheRequestLinesBeforeIt) {
  testing::TempDir dir;
  StderrToFile err(dir.Sub("stderr"));
  Log log(LogFormat::kJson);
  log.Request({{"route", "r1"}});
  log.Request({{"route", "r2"}});
  log.Warn("slow", {{"route", "w"}});
  EXPECT_EQ(Routes(err.Read()), (std::vector<std::string>{"r1", "r2", "w"}));
  EXPECT_THAT(err.Read(), HasSubstr("\"level\":\"info\",\"msg\":\"request\""));
}

TEST(LogTest, GatheredRequestLinesAreWrittenWithinTheFlushInterval) {
  testing::TempDir dir;
  StderrToFile err(dir.Sub("stderr"));
  Log log(LogFormat::kText);
  log.Request({{"route", "alone"}});
  // Bounded: far beyond kRequestFlush, for a loaded machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (err.Read().find("route=alone") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(err.Read(), HasSubstr("info request route=alone"));
}

TEST(LogTest, ClosingWritesWhatIsGathered) {
  testing::TempDir dir;
  StderrToFile err(dir.Sub("stderr"));
  {
    Log log(LogFormat::kJson);
    for (int i = 0; i < 1000; ++i) log.Request({{"route", "r" + std::to_string(i)}});
  }
  const std::vector<std::string> routes = Routes(err.Read());
  ASSERT_EQ(routes.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(routes[i], "r" + std::to_string(i));
}

}  // namespace
}  // namespace trunkline::trunkd
