// Group commit under concurrent writers, and subscriptions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::Event;
using testing::Request;
using testing::TempDir;

std::unique_ptr<RocksDbJournal> OpenJournal(const std::string& dir) {
  RocksDbJournalOptions options;
  options.dir = dir;
  auto opened = RocksDbJournal::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(*opened) : nullptr;
}

TEST(ConcurrencyTest, SixtyFourWritersGetGapFreePositionsWhileAReaderNeverSeesAGap) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  constexpr int kWriters = 64;
  constexpr int kAppendsEach = 40;
  constexpr uint64_t kTotal = uint64_t{kWriters} * kAppendsEach * 2;  // two events each
  std::vector<std::vector<AppendReceipt>> receipts(kWriters);

  // The reader follows the global order and checks that each position it sees is the next.
  std::atomic<bool> reader_saw_gap{false};
  uint64_t reader_last = 0;
  std::thread reader([&] {
    auto subscription = journal->Subscribe(0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (reader_last < kTotal && std::chrono::steady_clock::now() < deadline) {
      auto batch = subscription->Next(1000, std::chrono::milliseconds(100));
      ASSERT_TRUE(batch.ok());
      for (const Record& r : *batch) {
        if (r.position != reader_last + 1) reader_saw_gap = true;
        reader_last = r.position;
      }
    }
  });

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string stream = "w" + std::to_string(w);
      for (int i = 0; i < kAppendsEach; ++i) {
        auto r = journal->Append(
            Request(stream, i == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exactly(2 * i),
                    stream + "/" + std::to_string(i), {Event("A", "a"), Event("B", "b")}));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        receipts[w].push_back(*r);
      }
    });
  }
  for (auto& t : writers) t.join();
  reader.join();

  std::set<uint64_t> positions;
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_EQ(receipts[w].size(), static_cast<size_t>(kAppendsEach));
    for (int i = 0; i < kAppendsEach; ++i) {
      const AppendReceipt& r = receipts[w][i];
      EXPECT_EQ(r.first_version, 2u * i + 1);
      EXPECT_EQ(r.last_position, r.first_position + 1);  // a batch is contiguous
      positions.insert(r.first_position);
      positions.insert(r.last_position);
    }
  }
  EXPECT_EQ(positions.size(), kTotal);
  EXPECT_EQ(*positions.begin(), 1u);
  EXPECT_EQ(*positions.rbegin(), kTotal);
  EXPECT_EQ(journal->LastPosition(), kTotal);
  EXPECT_FALSE(reader_saw_gap);
  EXPECT_EQ(reader_last, kTotal);
  auto report = journal->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, kTotal);
}

// Verify on the writer's own journal (trunkd serves it while commands arrive) reads the
// records and both indexes as of one moment: appends landing between them are no reason to
// report data loss, and the journal goes on taking appends.
TEST(ConcurrencyTest, VerifyBesideAppendsInTheSameProcessIsIntactEveryTime) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop.load() && i < 100000; ++i) {
        const std::string stream = "w" + std::to_string(w) + "-" + std::to_string(i % 50);
        auto r = journal->Append(Request(stream, ExpectedVersion::Any(),
                                         "c" + std::to_string(w) + "/" + std::to_string(i)));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
      }
    });
  }
  int verified = 0;
  uint64_t seen_last = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline || verified < 10) {
    const uint64_t published = journal->LastPosition();
    auto report = journal->Verify();
    ASSERT_TRUE(report.ok()) << "verify " << verified + 1 << ": " << report.status().ToString();
    EXPECT_GE(report->last_position, published);
    EXPECT_GE(report->last_position, seen_last);
    seen_last = report->last_position;
    ++verified;
  }
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_GT(seen_last, 0u);
  auto after = journal->Append(Request("after", ExpectedVersion::NoStream(), "after-verifies"));
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST(ConcurrencyTest, ConcurrentWritersOnOneStreamConflictInsteadOfLosingUpdates) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_TRUE(journal->Append(Request("shared", ExpectedVersion::NoStream(), "init")).ok());
  // Every writer reads version 1 and tries to append after it: exactly one may succeed.
  std::atomic<int> succeeded{0};
  std::atomic<int> aborted{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 16; ++w) {
    writers.emplace_back([&, w] {
      auto r =
          journal->Append(Request("shared", ExpectedVersion::Exactly(1), "w" + std::to_string(w)));
      if (r.ok()) ++succeeded;
      if (r.status().code() == StatusCode::kAborted) ++aborted;
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(succeeded.load(), 1);
  EXPECT_EQ(aborted.load(), 15);
  EXPECT_EQ(*journal->StreamHead("shared"), 2u);
}

TEST(ConcurrencyTest, ConcurrentRetriesOfOneCommandWriteItOnce) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  std::vector<AppendReceipt> receipts(8);
  std::vector<std::thread> retries;
  for (int i = 0; i < 8; ++i) {
    retries.emplace_back([&, i] {
      auto r = journal->Append(Request("s", ExpectedVersion::Any(), "same-command"));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      receipts[i] = *r;
    });
  }
  for (auto& t : retries) t.join();
  int originals = 0;
  for (const AppendReceipt& r : receipts) {
    originals += r.replayed ? 0 : 1;
    EXPECT_EQ(r.first_position, 1u);
  }
  EXPECT_EQ(originals, 1);
  EXPECT_EQ(journal->LastPosition(), 1u);
}

TEST(SubscriptionTest, CatchesUpFromDiskThenReceivesLiveEvents) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(
        journal->Append(Request("s", ExpectedVersion::Any(), "c" + std::to_string(i))).ok());
  }
  auto subscription = journal->Subscribe(100);
  std::vector<uint64_t> seen;
  while (seen.size() < 150) {
    auto batch = subscription->Next(64, std::chrono::milliseconds(0));
    ASSERT_TRUE(batch.ok());
    ASSERT_FALSE(batch->empty()) << "catch-up stalled at " << subscription->cursor();
    EXPECT_LE(batch->size(), 64u);
    for (const Record& r : *batch) seen.push_back(r.position);
  }
  EXPECT_EQ(seen.front(), 101u);
  EXPECT_EQ(seen.back(), 250u);
  // Caught up: nothing more arrives until someone appends.
  EXPECT_TRUE(subscription->Next(10, std::chrono::milliseconds(20))->empty());

  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(journal->Append(Request("s", ExpectedVersion::Any(), "live")).ok());
  });
  const auto start = std::chrono::steady_clock::now();
  auto live = subscription->Next(10, std::chrono::seconds(10));
  const auto waited = std::chrono::steady_clock::now() - start;
  appender.join();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().position, 251u);
  EXPECT_EQ(live->front().metadata.command_id, "live");
  EXPECT_LT(waited, std::chrono::seconds(5));  // woken by the commit, not by the timeout
  EXPECT_EQ(subscription->cursor(), 251u);
}

TEST(SubscriptionTest, CancelEndsAWaitingNext) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  auto subscription = journal->Subscribe(0);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    subscription->Cancel();
  });
  auto r = subscription->Next(10, std::chrono::seconds(30));
  canceller.join();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

// A second writer waits for the directory within its lock_wait, then gives up naming the
// holder by pid and program name.
TEST(ConcurrencyTest, SecondWriterWaitsForTheLockThenGivesUpNamingTheHolder) {
  TempDir dir;
  auto holder = OpenJournal(dir.Sub("j"));
  RocksDbJournalOptions options;
  options.dir = dir.Sub("j");
  options.lock_wait = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto second = RocksDbJournal::Open(options);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(),
              ::testing::HasSubstr("held for writing by pid " + std::to_string(getpid()) +
                                   " (journal_test); gave up after waiting 0."));
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(ConcurrencyTest, SecondWriterGetsTheDirectoryOnceTheHolderLetsGo) {
  TempDir dir;
  auto holder = OpenJournal(dir.Sub("j"));
  ASSERT_TRUE(holder->Append(Request("s", ExpectedVersion::Any(), "first")).ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    holder.reset();
  });
  RocksDbJournalOptions options;
  options.dir = dir.Sub("j");
  options.lock_wait = std::chrono::seconds(20);
  auto second = RocksDbJournal::Open(options);
  release.join();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*second)->LastPosition(), 1u);
}

}  // namespace
}  // namespace trunkline::journal
