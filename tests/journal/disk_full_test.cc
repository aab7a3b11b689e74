// A journal on a file system that fills up: appends fail with a clear error, nothing half
// written is ever acknowledged or read back, and a retry that shared a failed commit is not
// told it was replayed. Needs to mount a small tmpfs (root); skipped otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::Event;
using testing::Request;
using testing::TempDir;

// A tmpfs of a given size mounted on a fresh directory for the life of the object.
class SmallFileSystem {
 public:
  explicit SmallFileSystem(const std::string& size) {
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallFileSystem() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool Resize(const std::string& size) {
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) ==
           0;
  }
  std::string Sub(const std::string& name) const { return dir_.Sub(name); }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

// A clock whose first reading after Arm() waits for Release(): it holds a commit leader
// after it has taken its group, so that the appends queued meanwhile form the next group.
class GateClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    std::unique_lock lock(mu_);
    if (armed_) {
      armed_ = false;
      cv_.wait(lock, [&] { return released_; });
    }
    return SystemClock().NowMicros();
  }
  void Arm() {
    std::lock_guard lock(mu_);
    armed_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable bool armed_ = false;
  bool released_ = false;
};

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

}  // namespace
}  // namespace trunkline::journal
