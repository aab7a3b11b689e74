// AppendAsync on the RocksDB journal: it shares group commits with blocking Appends, calls
// back exactly once, in commit order, on the journal's commit thread, with what Append would
// have returned, and calls back everything in flight before the journal is gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "journal_tamper.h"
#include "journal_test_util.h"
#include "testutil/status_matchers.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::Event;
using testing::GateClock;
using ::testing::HasSubstr;
using testing::Request;
using testing::SmallFileSystem;
using testing::TempDir;
using trunkline::testing::IsOk;
using trunkline::testing::StatusIs;

constexpr auto kPatience = std::chrono::seconds(60);

std::unique_ptr<RocksDbJournal> OpenJournal(const std::string& dir, const Clock* clock = nullptr,
                                            bool read_only = false) {
  RocksDbJournalOptions options;
  options.dir = dir;
  options.clock = clock;
  options.read_only = read_only;
  auto opened = RocksDbJournal::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(*opened) : nullptr;
}

// What the callbacks of numbered appends were given, how often, in which order and on which
// threads.
class Outcomes {
 public:
  explicit Outcomes(size_t n) : results_(n), calls_(n, 0) {}

  Journal::AppendCallback For(size_t i) {
    return [this, i](Result<AppendReceipt> r) { Note(i, std::move(r)); };
  }
  void Note(size_t i, Result<AppendReceipt> r) {
    std::lock_guard lock(mu_);
    ++calls_[i];
    results_[i] = std::move(r);
    order_.push_back(i);
    threads_.insert(std::this_thread::get_id());
    cv_.notify_all();
  }
  // Whether `n` callbacks in all have been called, waiting up to a minute for them.
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return order_.size() >= n; });
  }

  // Read these once every callback has been called.
  const Result<AppendReceipt>& result(size_t i) const { return *results_[i]; }
  int calls(size_t i) const { return calls_[i]; }
  const std::vector<size_t>& order() const { return order_; }
  const std::set<std::thread::id>& threads() const { return threads_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Result<AppendReceipt>>> results_;
  std::vector<int> calls_;
  std::vector<size_t> order_;
  std::set<std::thread::id> threads_;
};

// Appends through AppendAsync and waits (bounded) for the callback.
Result<AppendReceipt> AppendAndWait(Journal& journal, AppendRequest request) {
  auto promise = std::make_shared<std::promise<Result<AppendReceipt>>>();
  auto future = promise->get_future();
  journal.AppendAsync(std::move(request),
                      [promise](Result<AppendReceipt> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(kPatience) != std::future_status::ready) {
    return InternalError("the callback was not called within a minute");
  }
  return future.get();
}

// Every position from 1 to the last holds the record its receipt announced.
void ExpectRecordsMatchReceipts(const Journal& journal, const std::vector<AppendRequest>& requests,
                                const std::vector<AppendReceipt>& receipts) {
  ASSERT_EQ(requests.size(), receipts.size());
  std::map<uint64_t, std::pair<const AppendRequest*, uint64_t>> expected;  // position -> event
  for (size_t i = 0; i < receipts.size(); ++i) {
    const AppendReceipt& r = receipts[i];
    EXPECT_EQ(r.stream, requests[i].stream);
    EXPECT_EQ(r.last_position - r.first_position + 1, requests[i].events.size());
    EXPECT_EQ(r.last_version - r.first_version, r.last_position - r.first_position);
    for (uint64_t p = r.first_position; p <= r.last_position; ++p) {
      EXPECT_TRUE(expected.emplace(p, std::make_pair(&requests[i], p - r.first_position)).second)
          << "position " << p << " was given twice";
    }
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(expected.begin()->first, 1u);
  EXPECT_EQ(expected.rbegin()->first, expected.size()) << "positions are not dense";
  EXPECT_EQ(journal.LastPosition(), expected.size());
  auto records = journal.ReadAll(1, expected.size() + 10);
  ASSERT_OK(records);
  ASSERT_EQ(records->size(), expected.size());
  for (const Record& record : *records) {
    const auto& [request, index] = expected.at(record.position);
    EXPECT_EQ(record.stream, request->stream) << record.position;
    EXPECT_EQ(record.metadata.command_id, request->metadata.command_id) << record.position;
    EXPECT_EQ(record.payload, request->events[index].payload) << record.position;
  }
}

TEST(AsyncAppendTest, ManyInFlightFromSeveralThreadsBesideBlockingAppendsGetDensePositions) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  constexpr int kAsyncThreads = 4;
  constexpr int kAsyncEach = 300;
  constexpr int kBlockingThreads = 2;
  constexpr int kBlockingEach = 40;
  // Async appends of one or two events, over a few streams per thread, with no version check
  // (many are in flight on one stream at once).
  std::vector<AppendRequest> async_requests;
  for (int t = 0; t < kAsyncThreads; ++t) {
    for (int i = 0; i < kAsyncEach; ++i) {
      std::vector<NewEvent> events = {Event("A", std::to_string(t) + "/" + std::to_string(i))};
      if (i % 3 == 0) events.push_back(Event("B", "second of " + std::to_string(i)));
      async_requests.push_back(
          Request("a" + std::to_string(t) + "-" + std::to_string(i % 5), ExpectedVersion::Any(),
                  "async/" + std::to_string(t) + "/" + std::to_string(i), std::move(events)));
    }
  }
  Outcomes outcomes(async_requests.size());
  std::vector<std::vector<AppendRequest>> blocking_requests(kBlockingThreads);
  std::vector<std::vector<AppendReceipt>> blocking_receipts(kBlockingThreads);
  std::set<std::thread::id> callers;
  std::mutex callers_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kAsyncThreads; ++t) {
    threads.emplace_back([&, t] {
      {
        std::lock_guard lock(callers_mu);
        callers.insert(std::this_thread::get_id());
      }
      for (int i = 0; i < kAsyncEach; ++i) {
        const size_t n = static_cast<size_t>(t) * kAsyncEach + i;
        journal->AppendAsync(async_requests[n], outcomes.For(n));
      }
    });
  }
  for (int t = 0; t < kBlockingThreads; ++t) {
    threads.emplace_back([&, t] {
      {
        std::lock_guard lock(callers_mu);
        callers.insert(std::this_thread::get_id());
      }
      const std::string stream = "b" + std::to_string(t);
      for (int i = 0; i < kBlockingEach; ++i) {
        AppendRequest request =
            Request(stream, i == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exactly(i),
                    stream + "/" + std::to_string(i), {Event("C", std::to_string(i))});
        auto r = journal->Append(request);
        ASSERT_OK(r);
        EXPECT_EQ(r->first_version, static_cast<uint64_t>(i) + 1);
        blocking_requests[t].push_back(std::move(request));
        blocking_receipts[t].push_back(*r);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(outcomes.WaitFor(async_requests.size()));

  std::vector<AppendRequest> requests;
  std::vector<AppendReceipt> receipts;
  for (size_t i = 0; i < async_requests.size(); ++i) {
    EXPECT_EQ(outcomes.calls(i), 1) << "append " << i;
    ASSERT_OK(outcomes.result(i));
    EXPECT_FALSE(outcomes.result(i)->replayed);
    requests.push_back(async_requests[i]);
    receipts.push_back(*outcomes.result(i));
  }
  // Called back in commit order: positions only grow.
  uint64_t last = 0;
  for (size_t i : outcomes.order()) {
    EXPECT_GT(outcomes.result(i)->first_position, last) << "append " << i;
    last = outcomes.result(i)->last_position;
  }
  // On one thread of the journal's, none of the callers'.
  ASSERT_EQ(outcomes.threads().size(), 1u);
  EXPECT_EQ(callers.count(*outcomes.threads().begin()), 0u);
  for (int t = 0; t < kBlockingThreads; ++t) {
    requests.insert(requests.end(), blocking_requests[t].begin(), blocking_requests[t].end());
    receipts.insert(receipts.end(), blocking_receipts[t].begin(), blocking_receipts[t].end());
  }
  ExpectRecordsMatchReceipts(*journal, requests, receipts);
  EXPECT_OK(journal->Verify());
}

TEST(AsyncAppendTest, CallbacksComeInTheOrderTheAppendsWereMadeFromOneThread) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  constexpr size_t kAppends = 500;
  Outcomes outcomes(kAppends);
  for (size_t i = 0; i < kAppends; ++i) {
    journal->AppendAsync(
        Request("s" + std::to_string(i % 7), ExpectedVersion::Any(), "c" + std::to_string(i)),
        outcomes.For(i));
  }
  ASSERT_TRUE(outcomes.WaitFor(kAppends));
  // One thread's appends queue, and so commit, in the order they were made.
  for (size_t i = 0; i < kAppends; ++i) {
    ASSERT_EQ(outcomes.order()[i], i);
    EXPECT_EQ(outcomes.calls(i), 1);
    ASSERT_OK(outcomes.result(i));
    EXPECT_EQ(outcomes.result(i)->first_position, i + 1);
  }
}

// Keeps appending to one stream from its own callback, each append expecting the version the
// previous one made.
class Chain {
 public:
  Chain(Journal& journal, std::string stream, uint64_t length)
      : journal_(journal), stream_(std::move(stream)), length_(length) {}

  void Start() { Next(0); }
  // Whether the chain ended, waiting up to a minute; its result.
  bool WaitForEnd() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return ended_; });
  }
  const Status& status() const { return status_; }
  uint64_t appended() const { return appended_; }

 private:
  void Next(uint64_t version) {
    journal_.AppendAsync(
        Request(stream_,
                version == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exactly(version),
                stream_ + "/" + std::to_string(version), {Event("Link", std::to_string(version))}),
        [this, version](Result<AppendReceipt> r) {
          if (r.ok() && r->last_version != version + 1) {
            r = InternalError("version " + std::to_string(r->last_version) + " after " +
                              std::to_string(version));
          }
          if (r.ok() && ++appended_ < length_) return Next(r->last_version);
          std::lock_guard lock(mu_);
          status_ = r.status();
          ended_ = true;
          cv_.notify_all();
        });
  }

  Journal& journal_;
  const std::string stream_;
  const uint64_t length_;
  uint64_t appended_ = 0;  // by the callbacks, one after another
  std::mutex mu_;
  std::condition_variable cv_;
  bool ended_ = false;
  Status status_;
};

TEST(AsyncAppendTest, ACallbackThatAppendsAgainKeepsAChainOfAThousandGoing) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  Chain chain(*journal, "chain", 1000);
  chain.Start();
  ASSERT_TRUE(chain.WaitForEnd());
  ASSERT_OK(chain.status());
  EXPECT_EQ(chain.appended(), 1000u);
  auto head = journal->StreamHead("chain");
  ASSERT_OK(head);
  EXPECT_EQ(*head, 1000u);
  EXPECT_EQ(journal->LastPosition(), 1000u);
}

TEST(AsyncAppendTest, ChainsSideBySideShareCommitsAndEachStaysInOrder) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  std::vector<std::unique_ptr<Chain>> chains;
  for (int c = 0; c < 16; ++c) {
    chains.push_back(std::make_unique<Chain>(*journal, "chain-" + std::to_string(c), 100));
  }
  for (auto& chain : chains) chain->Start();
  for (auto& chain : chains) {
    ASSERT_TRUE(chain->WaitForEnd());
    ASSERT_OK(chain->status());
  }
  EXPECT_EQ(journal->LastPosition(), 1600u);
  EXPECT_OK(journal->Verify());
}

TEST(AsyncAppendTest, AVersionConflictAndAReplayComeBackAsFromAppend) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  const AppendRequest first = Request("s", ExpectedVersion::NoStream(), "first");
  auto original = AppendAndWait(*journal, first);
  ASSERT_OK(original);
  EXPECT_FALSE(original->replayed);

  EXPECT_THAT(
      AppendAndWait(*journal, Request("s", ExpectedVersion::NoStream(), "second")),
      StatusIs(StatusCode::kAborted, "stream s: expected version no stream, but it is at 1"));

  auto replay = AppendAndWait(*journal, first);
  ASSERT_OK(replay);
  EXPECT_TRUE(replay->replayed);
  AppendReceipt expected = *original;
  expected.replayed = true;
  EXPECT_EQ(*replay, expected);

  EXPECT_THAT(
      AppendAndWait(*journal, Request("s", ExpectedVersion::Any(), "first", {Event("Other", "y")})),
      StatusIs(StatusCode::kAlreadyExists, "command id first was already used"));
  EXPECT_EQ(journal->LastPosition(), 1u);
}

TEST(AsyncAppendTest, ARetryInTheSameGroupGetsTheOriginalReceiptAsReplayed) {
  TempDir dir;
  GateClock clock;
  auto journal = OpenJournal(dir.Sub("j"), &clock);
  ASSERT_NE(journal, nullptr);
  Outcomes outcomes(3);
  clock.Arm();
  journal->AppendAsync(Request("other", ExpectedVersion::Any(), "lead"), outcomes.For(0));
  // The commit thread holds that group at the clock: both copies queue behind it, and so
  // commit together in the next group.
  ASSERT_TRUE(clock.WaitUntilHeld());
  const AppendRequest twice = Request("s", ExpectedVersion::NoStream(), "twice");
  journal->AppendAsync(twice, outcomes.For(1));
  journal->AppendAsync(twice, outcomes.For(2));
  clock.Release();
  ASSERT_TRUE(outcomes.WaitFor(3));
  ASSERT_OK(outcomes.result(1));
  ASSERT_OK(outcomes.result(2));
  EXPECT_FALSE(outcomes.result(1)->replayed);
  EXPECT_TRUE(outcomes.result(2)->replayed);
  EXPECT_EQ(outcomes.result(2)->first_position, outcomes.result(1)->first_position);
  EXPECT_EQ(outcomes.result(1)->first_position, 2u);
  EXPECT_EQ(journal->LastPosition(), 2u);
}

TEST(AsyncAppendTest, AMalformedRequestIsRefusedOnTheCallersThreadBeforeItReturns) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  Outcomes outcomes(2);
  journal->AppendAsync(Request("", ExpectedVersion::Any(), "c1"), outcomes.For(0));
  journal->AppendAsync(Request("s", ExpectedVersion::Any(), "c2", {}), outcomes.For(1));
  ASSERT_EQ(outcomes.order().size(), 2u) << "not called before AppendAsync returned";
  EXPECT_THAT(outcomes.result(0), StatusIs(StatusCode::kInvalidArgument, "stream"));
  EXPECT_THAT(outcomes.result(1), StatusIs(StatusCode::kInvalidArgument, "events"));
  EXPECT_EQ(outcomes.threads(), std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_EQ(journal->LastPosition(), 0u);
}

TEST(AsyncAppendTest, AReadOnlyJournalRefusesOnTheCallersThread) {
  TempDir dir;
  {
    auto writer = OpenJournal(dir.Sub("j"));
    ASSERT_NE(writer, nullptr);
    ASSERT_OK(writer->Append(Request("s", ExpectedVersion::Any(), "one")));
  }
  auto reader = OpenJournal(dir.Sub("j"), nullptr, /*read_only=*/true);
  ASSERT_NE(reader, nullptr);
  Outcomes outcomes(1);
  reader->AppendAsync(Request("s", ExpectedVersion::Any(), "two"), outcomes.For(0));
  ASSERT_EQ(outcomes.order().size(), 1u) << "not called before AppendAsync returned";
  EXPECT_THAT(outcomes.result(0), StatusIs(StatusCode::kFailedPrecondition, "read-only"));
  EXPECT_EQ(reader->LastPosition(), 1u);
}

TEST(AsyncAppendTest, DestroyingTheJournalCallsBackEveryAppendInFlight) {
  TempDir dir;
  constexpr size_t kAppends = 400;
  constexpr size_t kFollowUps = 100;  // made by the first callbacks, racing the destructor
  Outcomes outcomes(kAppends);
  Outcomes follow_ups(kFollowUps);
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  RocksDbJournal* raw = journal.get();  // the unique_ptr is empty while the journal closes
  auto follow_up = [&](size_t i) {
    return Request("f" + std::to_string(i % 3), ExpectedVersion::Any(),
                   "follow-up/" + std::to_string(i));
  };
  for (size_t i = 0; i < kAppends; ++i) {
    auto noted = outcomes.For(i);
    journal->AppendAsync(
        Request("d" + std::to_string(i % 8), ExpectedVersion::Any(), "append/" + std::to_string(i)),
        [&, i, noted](Result<AppendReceipt> r) {
          if (i < kFollowUps) raw->AppendAsync(follow_up(i), follow_ups.For(i));
          noted(std::move(r));
        });
  }
  journal.reset();
  // Every callback has been called by now, without waiting.
  ASSERT_EQ(outcomes.order().size(), kAppends);
  ASSERT_EQ(follow_ups.order().size(), kFollowUps);

  // What was queued before the journal began to close is committed; a follow-up either made
  // it or was refused as closing, with nothing written.
  auto reopened = OpenJournal(dir.Sub("j"));
  ASSERT_NE(reopened, nullptr);
  uint64_t events = 0;
  auto expect_durable = [&](const AppendReceipt& receipt, const std::string& command_id) {
    auto at = reopened->ReadAll(receipt.first_position, 1);
    ASSERT_OK(at);
    ASSERT_EQ(at->size(), 1u);
    EXPECT_EQ(at->front().metadata.command_id, command_id);
    ++events;
  };
  for (size_t i = 0; i < kAppends; ++i) {
    EXPECT_EQ(outcomes.calls(i), 1);
    ASSERT_OK(outcomes.result(i));
    expect_durable(*outcomes.result(i), "append/" + std::to_string(i));
  }
  size_t refused = 0;
  for (size_t i = 0; i < kFollowUps; ++i) {
    EXPECT_EQ(follow_ups.calls(i), 1);
    const std::string command_id = "follow-up/" + std::to_string(i);
    if (follow_ups.result(i).ok()) {
      expect_durable(*follow_ups.result(i), command_id);
    } else {
      EXPECT_THAT(follow_ups.result(i), StatusIs(StatusCode::kFailedPrecondition, "closing"));
      auto found = reopened->FindCommand(command_id);
      ASSERT_OK(found);
      EXPECT_FALSE(found->has_value()) << command_id << " was refused, yet written";
      ++refused;
    }
  }
  EXPECT_EQ(reopened->LastPosition(), events);
  auto report = reopened->Verify();
  ASSERT_OK(report);
  EXPECT_EQ(report->records, events);
  RecordProperty("follow_ups_refused", static_cast<int>(refused));
}

TEST(AsyncAppendTest, AfterDataLossIsMetAsyncAppendsAreRefusedOnTheCommitThread) {
  TempDir dir;
  {
    auto journal = OpenJournal(dir.Sub("j"));
    ASSERT_NE(journal, nullptr);
    for (int i = 0; i < 8; ++i) {
      ASSERT_OK(journal->Append(
          Request("s" + std::to_string(i % 2), ExpectedVersion::Any(), "c" + std::to_string(i))));
    }
  }
  ASSERT_OK(testing::DeleteRecord(dir.Sub("j"), 4));  // s1's second event
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  ASSERT_OK(AppendAndWait(*journal, Request("s9", ExpectedVersion::Any(), "before")));
  EXPECT_THAT(journal->ReadStream("s1", 1, 100), StatusIs(StatusCode::kDataLoss));
  Outcomes outcomes(1);
  journal->AppendAsync(Request("s9", ExpectedVersion::Any(), "after"), outcomes.For(0));
  ASSERT_TRUE(outcomes.WaitFor(1));
  EXPECT_THAT(outcomes.result(0), StatusIs(StatusCode::kDataLoss, "refuses appends"));
  EXPECT_EQ(outcomes.threads().count(std::this_thread::get_id()), 0u);
}

TEST(AsyncAppendTest, ACallbackThatThrowsIsLoggedAndLaterAppendsGoOn) {
  TempDir dir;
  {
    auto journal = OpenJournal(dir.Sub("j"));
    ASSERT_NE(journal, nullptr);
    journal->AppendAsync(Request("s", ExpectedVersion::Any(), "throws"),
                         [](Result<AppendReceipt>) { throw std::runtime_error("boom in done"); });
    auto after = AppendAndWait(*journal, Request("s", ExpectedVersion::Any(), "after"));
    ASSERT_OK(after);
    EXPECT_EQ(after->first_position, 2u);
  }
  std::ifstream log(dir.Sub("j/LOG"));
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("AppendAsync callback threw"));
  EXPECT_THAT(text.str(), HasSubstr("boom in done"));
}

TEST(AsyncAppendTest, ABlockingAppendFromACallbackIsRefusedInsteadOfDeadlocking) {
  TempDir dir;
  auto journal = OpenJournal(dir.Sub("j"));
  ASSERT_NE(journal, nullptr);
  auto nested = std::make_shared<std::promise<Result<AppendReceipt>>>();
  auto future = nested->get_future();
  journal->AppendAsync(
      Request("s", ExpectedVersion::Any(), "outer"), [&, nested](Result<AppendReceipt>) {
        nested->set_value(journal->Append(Request("s", ExpectedVersion::Any(), "inner")));
      });
  ASSERT_EQ(future.wait_for(kPatience), std::future_status::ready);
  EXPECT_THAT(future.get(), StatusIs(StatusCode::kFailedPrecondition, "use AppendAsync"));
  EXPECT_EQ(journal->LastPosition(), 1u);
}

TEST(AsyncAppendTest, AfterAFailedWriteEveryCallbackGetsTheError) {
  SmallFileSystem fs("4m");
  if (!fs.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  RocksDbJournalOptions options;
  options.dir = fs.Sub("journal");
  {
    auto journal = OpenJournal(options.dir);
    ASSERT_NE(journal, nullptr);
    ASSERT_OK(AppendAndWait(*journal, Request("s", ExpectedVersion::Any(), "small")));
    Outcomes outcomes(4);
    journal->AppendAsync(
        Request("s", ExpectedVersion::Any(), "big", {Event("E", std::string(6 << 20, 'x'))}),
        outcomes.For(0));
    for (size_t i = 1; i < 4; ++i) {
      journal->AppendAsync(Request("s", ExpectedVersion::Any(), "after" + std::to_string(i)),
                           outcomes.For(i));
    }
    ASSERT_TRUE(outcomes.WaitFor(4));
    EXPECT_THAT(outcomes.result(0),
                StatusIs(StatusCode::kResourceExhausted, "No space left on device"));
    for (size_t i = 1; i < 4; ++i) {
      EXPECT_FALSE(outcomes.result(i).ok()) << "append " << i << " acknowledged after a failure";
    }
    // Later ones too: the journal refuses appends until it is reopened.
    EXPECT_THAT(AppendAndWait(*journal, Request("s", ExpectedVersion::Any(), "later")),
                StatusIs(StatusCode::kResourceExhausted, "reopened"));
  }
  ASSERT_TRUE(fs.Resize("64m"));
  auto journal = OpenJournal(options.dir);
  ASSERT_NE(journal, nullptr);
  auto report = journal->Verify();
  ASSERT_OK(report);
  EXPECT_EQ(report->records, 1u);
  auto big = journal->FindCommand("big");
  ASSERT_OK(big);
  EXPECT_FALSE(big->has_value());
}

TEST(AsyncAppendTest, ARetryThatSharedAFailedCommitIsNotAcknowledgedAsReplayed) {
  SmallFileSystem fs("3m");
  if (!fs.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  GateClock clock;
  auto journal = OpenJournal(fs.Sub("journal"), &clock);
  ASSERT_NE(journal, nullptr);
  Outcomes outcomes(3);
  clock.Arm();
  journal->AppendAsync(Request("other", ExpectedVersion::Any(), "first"), outcomes.For(0));
  ASSERT_TRUE(clock.WaitUntilHeld());
  // Both copies queue behind the held group and commit as one (3.5 MiB each, within the
  // group limit of 8), whose write of one copy is too much for 3 MiB.
  const AppendRequest big =
      Request("s", ExpectedVersion::Any(), "dup", {Event("E", std::string(7 << 19, 'x'))});
  journal->AppendAsync(big, outcomes.For(1));
  journal->AppendAsync(big, outcomes.For(2));
  clock.Release();
  ASSERT_TRUE(outcomes.WaitFor(3));
  EXPECT_OK(outcomes.result(0));
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_FALSE(outcomes.result(i).ok())
        << "acknowledged an append that was never written (replayed = "
        << outcomes.result(i)->replayed << ")";
  }
}

}  // namespace
}  // namespace trunkline::journal
