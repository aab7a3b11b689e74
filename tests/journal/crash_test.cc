// Kills an appending child process with SIGKILL at random moments and checks that every
// acknowledged append survived exactly once and the chain still verifies.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>

#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::TempDir;

struct Ack {
  uint64_t first = 0;
  uint64_t last = 0;
};

// Runs one child round; returns the lines it printed before it died.
std::vector<std::string> RunAndKill(const std::string& dir, int round, int kill_after_ms) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    const std::string r = std::to_string(round);
    execl(TRUNKLINE_CRASH_CHILD, TRUNKLINE_CRASH_CHILD, dir.c_str(), r.c_str(), "4", nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string text;
  bool killed = false;
  bool ready = false;
  std::chrono::steady_clock::time_point ready_at;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  char buf[65536];
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const bool due = ready && now >= ready_at + std::chrono::milliseconds(kill_after_ms);
    if (!killed && (due || now > give_up)) {
      kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 5) < 0) break;
    if (p.revents & (POLLIN | POLLHUP)) {
      const ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;  // the child is gone and the pipe drained
      text.append(buf, static_cast<size_t>(n));
      if (!ready && text.find("READY\n") != std::string::npos) {
        ready = true;
        ready_at = std::chrono::steady_clock::now();
      }
    }
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child of round " << round << " did not die by SIGKILL (status " << status << ")";
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // a line cut short by the kill was never terminated
    lines.push_back(line);
  }
  return lines;
}

TEST(CrashTest, EveryAcknowledgedAppendSurvivesSigkillExactlyOnce) {
  TempDir dir;
  const std::string journal_dir = dir.Sub("j");
  const unsigned seed = std::random_device()();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(5, 150);
  std::map<std::string, Ack> acked;
  int replays_checked = 0;

  for (int round = 0; round < 20; ++round) {
    for (const std::string& line : RunAndKill(journal_dir, round, delay_ms(rng))) {
      std::istringstream words(line);
      std::string kind, id;
      words >> kind >> id;
      if (kind == "ACK") {
        Ack ack;
        words >> ack.first >> ack.last;
        ASSERT_TRUE(acked.emplace(id, ack).second) << "acknowledged twice: " << id;
      } else if (kind == "REPLAY") {
        int replayed = 0;
        uint64_t first = 0;
        words >> replayed >> first;
        // A command acknowledged before the crash is recognised after it.
        if (auto it = acked.find(id); it != acked.end()) {
          EXPECT_EQ(replayed, 1) << id;
          EXPECT_EQ(first, it->second.first) << id;
          ++replays_checked;
        } else {
          acked.emplace(id, Ack{first, first + 1});
        }
      }
    }
  }

  RocksDbJournalOptions options;
  options.dir = journal_dir;
  auto journal = RocksDbJournal::Open(options);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  auto report = (*journal)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  std::map<std::string, std::vector<uint64_t>> stored;  // command id -> positions
  for (uint64_t next = 1;;) {
    auto batch = (*journal)->ReadAll(next, 4096);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (batch->empty()) break;
    for (const Record& r : *batch) stored[r.metadata.command_id].push_back(r.position);
    next = batch->back().position + 1;
  }
  EXPECT_GT(acked.size(), 100u) << "the child barely ran; the test proves little";
  for (const auto& [id, ack] : acked) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acknowledged but lost: " << id;
    EXPECT_EQ(it->second, (std::vector<uint64_t>{ack.first, ack.last})) << id;
  }
  for (const auto& [id, positions] : stored) {
    ASSERT_EQ(positions.size(), 2u) << "stored more or less than once: " << id;
    EXPECT_EQ(positions[1], positions[0] + 1) << id;
  }
  EXPECT_GE(replays_checked, 1);
  std::cout << "crash test: " << acked.size() << " acknowledged appends, " << stored.size()
            << " stored, " << replays_checked << " retries recognised, " << report->records
            << " records verified\n";
}

}  // namespace
}  // namespace trunkline::journal
