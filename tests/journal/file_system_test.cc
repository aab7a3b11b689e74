// A journal on a file system that fills up, is read-only, or refuses access: a clear error
// naming the cause, never a wait for a lock nobody holds or an abort; nothing half written is
// ever acknowledged or read back, and a retry that shared a failed commit is not told it was
// replayed. Needs root (to mount, and to drop to another user); skipped otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::Event;
using testing::GateClock;
using testing::Request;
using testing::SmallFileSystem;
using testing::TempDir;

TEST(DiskFullTest, AppendThatDoesNotFitFailsClearlyAndNothingOfItIsJournaled) {
  SmallFileSystem fs("4m");
  if (!fs.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  RocksDbJournalOptions options;
  options.dir = fs.Sub("journal");
  {
    auto journal = RocksDbJournal::Open(options);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    ASSERT_TRUE((*journal)->Append(Request("s", ExpectedVersion::Any(), "small")).ok());
    auto full = (*journal)->Append(
        Request("s", ExpectedVersion::Any(), "big", {Event("E", std::string(6 << 20, 'x'))}));
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted) << full.status().ToString();
    EXPECT_THAT(full.status().message(), ::testing::HasSubstr("No space left on device"));
    // The journal does not go on as if nothing happened.
    EXPECT_FALSE((*journal)->Append(Request("s", ExpectedVersion::Any(), "after")).ok());
  }
  ASSERT_TRUE(fs.Resize("64m"));
  auto journal = RocksDbJournal::Open(options);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  auto report = (*journal)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 1u);
  EXPECT_FALSE((*journal)->FindCommand("big")->has_value());
}

// Two submissions of one command id in one commit group: the second is a replay of the
// first, so if the group's write fails, neither may be acknowledged.
TEST(DiskFullTest, RetryThatSharedAFailedCommitIsNotAcknowledgedAsReplayed) {
  SmallFileSystem fs("3m");
  if (!fs.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  GateClock clock;
  RocksDbJournalOptions options;
  options.dir = fs.Sub("journal");
  options.clock = &clock;
  auto journal = RocksDbJournal::Open(options);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  clock.Arm();
  std::thread leader([&] {
    EXPECT_TRUE((*journal)->Append(Request("other", ExpectedVersion::Any(), "first")).ok());
  });
  const AppendRequest big =
      Request("s", ExpectedVersion::Any(), "dup", {Event("E", std::string(7 << 19, 'x'))});
  Result<AppendReceipt> results[2] = {InternalError("not run"), InternalError("not run")};
  std::thread a([&] { results[0] = (*journal)->Append(big); });
  std::thread b([&] { results[1] = (*journal)->Append(big); });
  // Both queue behind the held leader, then commit as one group (3.5 MiB each, within the
  // group limit of 8), whose write of one copy is too much for 3 MiB.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  clock.Release();
  leader.join();
  a.join();
  b.join();
  for (const auto& r : results) {
    EXPECT_FALSE(r.ok()) << "acknowledged an append that was never written (replayed = "
                         << (r.ok() ? r->replayed : false) << ")";
  }
}

TEST(FileSystemTest, AReadOnlyFileSystemIsSaidPlainlyAndReadsStillWork) {
  TempDir source;
  RocksDbJournalOptions options;
  options.dir = source.Sub("journal");
  {
    auto journal = RocksDbJournal::Open(options);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Append(Request("s", ExpectedVersion::Any(), "one")).ok());
  }
  TempDir view;
  if (::mount(source.path().c_str(), view.path().c_str(), nullptr, MS_BIND, nullptr) != 0) {
    GTEST_SKIP() << "bind mounts need root";
  }
  const bool read_only = ::mount(nullptr, view.path().c_str(), nullptr,
                                 MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
  options.dir = view.Sub("journal");
  options.lock_wait = std::chrono::seconds(30);  // must not be waited out
  const auto start = std::chrono::steady_clock::now();
  auto writer = RocksDbJournal::Open(options);
  const auto took = std::chrono::steady_clock::now() - start;
  options.read_only = true;
  auto reader = RocksDbJournal::Open(options);
  ::umount2(view.path().c_str(), MNT_DETACH);
  ASSERT_TRUE(read_only);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kPermissionDenied) << writer.status().ToString();
  EXPECT_THAT(writer.status().message(), ::testing::HasSubstr("Read-only file system"));
  EXPECT_LT(took, std::chrono::seconds(5));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->LastPosition(), 1u);
}

// Opens `dir` for writing as an unprivileged user in a child; returns what it said.
std::string OpenAsNobody(const std::string& dir) {
  int out[2];
  if (pipe(out) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(out[0]);
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    RocksDbJournalOptions options;
    options.dir = dir;
    options.lock_wait = std::chrono::seconds(30);
    auto journal = RocksDbJournal::Open(options);
    const std::string said = journal.ok() ? "opened" : journal.status().ToString();
    if (write(out[1], said.data(), said.size()) < 0) _exit(4);
    _exit(0);
  }
  close(out[1]);
  std::string said;
  char buf[512];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) said.append(buf, n);
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return said;
}

TEST(FileSystemTest, PermissionDeniedIsSaidPlainly) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
  TempDir dir;
  RocksDbJournalOptions options;
  options.dir = dir.Sub("journal");
  {
    auto journal = RocksDbJournal::Open(options);
    ASSERT_TRUE(journal.ok());
  }
  // Another user may reach the journal, whose files stay root's.
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  const auto start = std::chrono::steady_clock::now();
  const std::string said = OpenAsNobody(options.dir);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_THAT(said, ::testing::HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(said, ::testing::HasSubstr("Permission denied"));
}

}  // namespace
}  // namespace trunkline::journal
