// Readers in one process beside a writer in another that appends and compacts all the time:
// every read-only open, export-like scan and verify sees a gap-free prefix of the journal, or
// fails loudly; never a hole, never a false alarm.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::TempDir;

// The writer child: started on construction, stopped (stdin closed, then waited for) on
// destruction.
class BusyWriter {
 public:
  BusyWriter(const std::string& dir, int seconds) {
    int in[2];
    int out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
      const std::string s = std::to_string(seconds);
      execl(TRUNKLINE_BUSY_WRITER, TRUNKLINE_BUSY_WRITER, dir.c_str(), s.c_str(), nullptr);
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    FILE* from = fdopen(out[0], "r");
    char line[64] = {};
    ready_ = from && fgets(line, sizeof line, from) && std::string(line) == "READY\n";
    if (from) fclose(from);
  }
  ~BusyWriter() {
    if (pid_ <= 0) return;
    close(stdin_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  bool ready() const { return ready_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  bool ready_ = false;
};

TEST(BesideWriterTest, ExportsAreGapFreeAndVerifiesAgreeWhileTheWriterCompacts) {
  TempDir dir;
  const std::string journal_dir = dir.Sub("journal");
  BusyWriter writer(journal_dir, 60);
  ASSERT_TRUE(writer.ready());
  RocksDbJournalOptions options;
  options.dir = journal_dir;
  options.read_only = true;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  int rounds = 0;
  int unavailable = 0;  // reads that said they could not see the journal whole: allowed
  uint64_t last_seen = 0;
  // A read beside the writer either sees a dense prefix or says kUnavailable; never a gap,
  // never data loss. At least three whole rounds, however slow the build (sanitizers).
  const auto whole_or_unavailable = [&](const Status& s) {
    if (s.code() == StatusCode::kUnavailable) {
      ++unavailable;
      std::printf("round %d: %s\n", rounds, s.ToString().c_str());
      return false;
    }
    EXPECT_TRUE(s.ok()) << "round " << rounds << ": " << s.ToString();
    return s.ok();
  };
  while (rounds < 200 && (rounds - unavailable < 3 || std::chrono::steady_clock::now() < until)) {
    ++rounds;
    ASSERT_LT(unavailable, 20) << "a read beside the writer keeps failing";
    auto journal = RocksDbJournal::Open(options);
    if (!whole_or_unavailable(journal.status())) continue;
    // The export: every position from 1, in order, each exactly once, up to where the
    // reader's view ends.
    uint64_t expected = 1;
    Status scan = (*journal)->Scan(1, [&](const RecordView& r) {
      EXPECT_EQ(r.position, expected) << "round " << rounds;
      expected = r.position + 1;
      return r.position == expected - 1;
    });
    if (!whole_or_unavailable(scan)) continue;
    ASSERT_GE(expected - 1, (*journal)->LastPosition()) << "round " << rounds;
    ASSERT_GE(expected - 1, last_seen) << "round " << rounds << ": the journal went back";
    last_seen = expected - 1;
    auto report = (*journal)->Verify();
    if (!whole_or_unavailable(report.status())) continue;
    EXPECT_GE(report->records, last_seen);
    auto stream = (*journal)->ReadStream("busy-3", 1, SIZE_MAX);
    if (!whole_or_unavailable(stream.status())) continue;
    for (size_t i = 0; i < stream->size(); ++i) ASSERT_EQ((*stream)[i].version, i + 1);
  }
  if (HasFailure()) return;
  std::printf("%d rounds (%d could not see the journal whole); the last saw %llu events\n",
              rounds, unavailable, static_cast<unsigned long long>(last_seen));
  EXPECT_GT(last_seen, 300u);
}

}  // namespace
}  // namespace trunkline::journal
