// Runs the built trunkline-bench end to end on a small workload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

namespace {

struct BenchRun {
  int exit_code = -1;
  std::string out;
};

BenchRun RunBench(const std::string& args) {
  const std::string command = std::string(TRUNKLINE_BENCH) + " " + args + " 2>&1";
  BenchRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string ScratchDir() {
  std::string dir = (std::filesystem::temp_directory_path() / "bench-cli-XXXXXX").string();
  return mkdtemp(dir.data()) ? dir : "";
}

const char* const kFigures[] = {"fsync_per_s",
                                "append_1writer_durable_eps",
                                "append_64writers_durable_eps",
                                "append_64threads_blocking_eps",
                                "import_eps",
                                "disk_bytes_per_event",
                                "payload_bytes_per_event",
                                "replay_eps",
                                "peak_rss_mb"};

TEST(BenchCliTest, JournalPrintsEveryFigureAsNameValueUnitLines) {
  const std::string dir = ScratchDir();
  BenchRun run = RunBench("journal --dir " + dir + " --events 5000 --seconds 0.2");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  std::istringstream lines(run.out);
  std::vector<std::string> names;
  for (std::string name, unit; lines >> name;) {
    double value = -1;
    lines >> value >> unit;
    EXPECT_GT(value, 0) << name;
    EXPECT_FALSE(unit.empty()) << name;
    names.push_back(name);
  }
  EXPECT_THAT(names, ::testing::ElementsAreArray(kFigures));
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "scratch data was left behind";
  std::filesystem::remove_all(dir);
}

TEST(BenchCliTest, JsonOutputIsOneObjectWithTheSameFigures) {
  const std::string dir = ScratchDir();
  BenchRun run = RunBench("-o json journal --dir " + dir + " --events 2000 --seconds 0.1");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  boost::json::object object = boost::json::parse(run.out).as_object();
  for (const char* name : kFigures) {
    ASSERT_TRUE(object.contains(name)) << name;
    EXPECT_GT(object.at(name).to_number<double>(), 0) << name;
  }
  EXPECT_EQ(object.size(), std::size(kFigures));
  std::filesystem::remove_all(dir);
}

TEST(BenchCliTest, DomainPrintsItsFigures) {
  const std::string dir = ScratchDir();
  BenchRun run =
      RunBench("-o json domain --dir " + dir + " --events 2000 --trunks 20 --rss-trunks 200");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  boost::json::object object = boost::json::parse(run.out).as_object();
  for (const char* name : {"rebuild_eps", "as_of_p99_us", "rss_200_trunks_mb", "peak_rss_mb"}) {
    ASSERT_TRUE(object.contains(name)) << name;
    EXPECT_GT(object.at(name).to_number<double>(), 0) << name;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "scratch data was left behind";
  std::filesystem::remove_all(dir);
}

TEST(BenchCliTest, MissingDirIsAUsageError) {
  BenchRun run = RunBench("journal");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.out, ::testing::HasSubstr("--dir"));
}

TEST(BenchCliTest, OptionsMayFollowTheCommand) {
  const std::string dir = ScratchDir();
  BenchRun run = RunBench("journal --dir " + dir + " --seconds 0.1 --only fsync_per_s -o json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  boost::json::object object = boost::json::parse(run.out).as_object();
  EXPECT_TRUE(object.contains("fsync_per_s")) << run.out;
  std::filesystem::remove_all(dir);
}

TEST(BenchCliTest, AnUnknownCommandIsNamedWithASuggestion) {
  BenchRun near = RunBench("jurnal --dir /nonexistent");
  EXPECT_EQ(near.exit_code, 2);
  EXPECT_THAT(near.out, ::testing::HasSubstr("unknown command 'jurnal'; did you mean 'journal'?"));
  BenchRun far = RunBench("frobnicate");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_THAT(far.out, ::testing::HasSubstr("unknown command 'frobnicate'; commands: journal, "
                                            "domain"));
}

TEST(BenchCliTest, VersionPrintsTheProgramAndItsVersion) {
  BenchRun run = RunBench("--version");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, ::testing::MatchesRegex("trunkline-bench [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

}  // namespace
