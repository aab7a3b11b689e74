#include "trunkline/journal/rocksdb_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "journal_test_util.h"

namespace trunkline::journal {
namespace {

using testing::Event;
using ::testing::HasSubstr;
using testing::Request;
using testing::TempDir;

class RocksDbJournalTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    journal_.reset();
    RocksDbJournalOptions options;
    options.dir = dir_.Sub("journal");
    options.clock = &clock_;
    auto opened = RocksDbJournal::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    journal_ = std::move(*opened);
  }

  AppendReceipt MustAppend(const AppendRequest& request) {
    auto receipt = journal_->Append(request);
    EXPECT_TRUE(receipt.ok()) << receipt.status().ToString();
    return receipt.ok() ? *receipt : AppendReceipt{};
  }

  TempDir dir_;
  ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<RocksDbJournal> journal_;
};

TEST_F(RocksDbJournalTest, AppendAssignsStreamVersionsAndDenseGlobalPositions) {
  AppendReceipt a = MustAppend(
      Request("s1", ExpectedVersion::NoStream(), "c1", {Event("A", "1"), Event("B", "2")}));
  EXPECT_EQ(a.stream, "s1");
  EXPECT_EQ(a.first_version, 1u);
  EXPECT_EQ(a.last_version, 2u);
  EXPECT_EQ(a.first_position, 1u);
  EXPECT_EQ(a.last_position, 2u);
  EXPECT_FALSE(a.replayed);
  AppendReceipt b = MustAppend(Request("s2", ExpectedVersion::NoStream(), "c2"));
  EXPECT_EQ(b.first_version, 1u);
  EXPECT_EQ(b.first_position, 3u);
  AppendReceipt c = MustAppend(Request("s1", ExpectedVersion::Exactly(2), "c3"));
  EXPECT_EQ(c.first_version, 3u);
  EXPECT_EQ(c.first_position, 4u);
  EXPECT_EQ(journal_->LastPosition(), 4u);
  EXPECT_EQ(*journal_->StreamHead("s1"), 3u);
  EXPECT_EQ(*journal_->StreamHead("s2"), 1u);
  EXPECT_EQ(*journal_->StreamHead("nobody"), 0u);
}

TEST_F(RocksDbJournalTest, RecordCarriesEverythingTheAppendSaid) {
  MustAppend(Request("s1", ExpectedVersion::Any(), "c1", {NewEvent{"Created", 3, "payload"}}));
  auto records = journal_->ReadAll(1, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  const Record& r = records->front();
  EXPECT_EQ(r.position, 1u);
  EXPECT_EQ(r.stream, "s1");
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(r.type, "Created");
  EXPECT_EQ(r.schema_version, 3u);
  EXPECT_EQ(r.timestamp_us, clock_.NowMicros());
  EXPECT_EQ(r.metadata, (Metadata{"alice", "testing", "c1", "corr-c1"}));
  EXPECT_EQ(r.payload, "payload");
  EXPECT_NE(r.hash, Sha256Digest{});
}

TEST_F(RocksDbJournalTest, StaleExpectedVersionIsAbortedNamingBothVersionsAndWritesNothing) {
  MustAppend(Request("s1", ExpectedVersion::NoStream(), "c1"));
  MustAppend(Request("s1", ExpectedVersion::Exactly(1), "c2"));
  auto stale = journal_->Append(Request("s1", ExpectedVersion::Exactly(1), "c3"));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("stream s1"));
  EXPECT_THAT(stale.status().message(), HasSubstr("expected version 1"));
  EXPECT_THAT(stale.status().message(), HasSubstr("at 2"));
  EXPECT_EQ(journal_->LastPosition(), 2u);
  EXPECT_EQ(*journal_->StreamHead("s1"), 2u);
  // The refused command id was not consumed: it may be used once the caller has reloaded.
  EXPECT_EQ(MustAppend(Request("s1", ExpectedVersion::Exactly(2), "c3")).first_version, 3u);
}

TEST_F(RocksDbJournalTest, NoStreamExpectationFailsOnAnExistingStream) {
  MustAppend(Request("s1", ExpectedVersion::NoStream(), "c1"));
  auto again = journal_->Append(Request("s1", ExpectedVersion::NoStream(), "c2"));
  ASSERT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_THAT(again.status().message(), HasSubstr("expected version no stream, but it is at 1"));
  auto missing = journal_->Append(Request("s2", ExpectedVersion::Exactly(4), "c3"));
  ASSERT_EQ(missing.status().code(), StatusCode::kAborted);
  EXPECT_THAT(missing.status().message(), HasSubstr("but it is at no stream"));
}

TEST_F(RocksDbJournalTest, RetryWithSameCommandIdReturnsOriginalReceiptAndWritesNothing) {
  AppendRequest request = Request("s1", ExpectedVersion::NoStream(), "c1");
  AppendReceipt first = MustAppend(request);
  MustAppend(Request("s1", ExpectedVersion::Exactly(1), "c2"));
  // The retry's expected version is stale by now; idempotency answers first.
  AppendReceipt retry = MustAppend(request);
  EXPECT_TRUE(retry.replayed);
  retry.replayed = false;
  EXPECT_EQ(retry, first);
  EXPECT_EQ(journal_->LastPosition(), 2u);
  Reopen();
  AppendReceipt after_reopen = MustAppend(request);
  EXPECT_TRUE(after_reopen.replayed);
  EXPECT_EQ(after_reopen.first_position, first.first_position);
  EXPECT_EQ(journal_->LastPosition(), 2u);
}

TEST_F(RocksDbJournalTest, FindCommandReturnsTheOriginalReceipt) {
  EXPECT_FALSE(journal_->FindCommand("c1")->has_value());
  AppendReceipt first = MustAppend(Request("s1", ExpectedVersion::Any(), "c1"));
  auto found = journal_->FindCommand("c1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, first);
}

TEST_F(RocksDbJournalTest, SameCommandIdWithDifferentEventsIsRejected) {
  MustAppend(Request("s1", ExpectedVersion::Any(), "c1", {Event("A", "1")}));
  for (const AppendRequest& other :
       {Request("s1", ExpectedVersion::Any(), "c1", {Event("A", "2")}),
        Request("s1", ExpectedVersion::Any(), "c1", {Event("B", "1")}),
        Request("s2", ExpectedVersion::Any(), "c1", {Event("A", "1")}),
        Request("s1", ExpectedVersion::Any(), "c1", {Event("A", "1"), Event("A", "1")})}) {
    auto r = journal_->Append(other);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
    EXPECT_THAT(r.status().message(), HasSubstr("command id c1"));
  }
  EXPECT_EQ(journal_->LastPosition(), 1u);
}

TEST_F(RocksDbJournalTest, MalformedRequestsNameTheFieldAndWriteNothing) {
  struct Case {
    AppendRequest request;
    std::string field;
  };
  std::vector<Case> cases = {
      {Request("", ExpectedVersion::Any(), "c"), "stream"},
      {Request(std::string("a\0b", 3), ExpectedVersion::Any(), "c"), "stream"},
      {Request(std::string(257, 's'), ExpectedVersion::Any(), "c"), "stream"},
      {Request("s", ExpectedVersion::Any(), ""), "metadata.command_id"},
      {Request("s", ExpectedVersion::Any(), "c", {}), "events"},
      {Request("s", ExpectedVersion::Any(), "c", {Event("", "x")}), "events[0].type"},
      {Request("s", ExpectedVersion::Any(), "c", {Event("A", "x"), NewEvent{"B", 0, "x"}}),
       "events[1].schema_version"},
  };
  for (const Case& c : cases) {
    auto r = journal_->Append(c.request);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(r.status().message(), ::testing::StartsWith(c.field + ": "));
  }
  EXPECT_EQ(journal_->LastPosition(), 0u);
}

TEST_F(RocksDbJournalTest, ReadsStreamsForwardAndBackwardAcrossAppends) {
  MustAppend(Request("s1", ExpectedVersion::Any(), "c1", {Event("A", "1"), Event("A", "2")}));
  MustAppend(Request("other", ExpectedVersion::Any(), "c2", {Event("X", "x")}));
  MustAppend(Request("s1", ExpectedVersion::Any(), "c3",
                     {Event("A", "3"), Event("A", "4"), Event("A", "5")}));
  auto payloads = [](const Result<std::vector<Record>>& records) {
    std::string out;
    for (const Record& r : *records) out += r.payload;
    return out;
  };
  EXPECT_EQ(payloads(journal_->ReadStream("s1", 1, 100)), "12345");
  EXPECT_EQ(payloads(journal_->ReadStream("s1", 2, 3)), "234");
  EXPECT_EQ(payloads(journal_->ReadStream("s1", 4, 100)), "45");
  EXPECT_EQ(payloads(journal_->ReadStream("s1", 6, 100)), "");
  EXPECT_EQ(payloads(journal_->ReadStream("s", 1, 100)), "");  // a prefix is not the stream
  EXPECT_EQ(payloads(journal_->ReadStreamBackward("s1", UINT64_MAX, 100)), "54321");
  EXPECT_EQ(payloads(journal_->ReadStreamBackward("s1", 3, 2)), "32");
  auto s1 = journal_->ReadStream("s1", 1, 100);
  EXPECT_EQ(s1->at(2).position, 4u);
  EXPECT_EQ(s1->at(2).version, 3u);
}

TEST_F(RocksDbJournalTest, ScanStreamVisitsOneStreamFromAVersionUntilTold) {
  MustAppend(Request("s1", ExpectedVersion::Any(), "c1", {Event("A", "1"), Event("A", "2")}));
  MustAppend(Request("other", ExpectedVersion::Any(), "c2", {Event("X", "x")}));
  for (int i = 3; i <= 300; ++i) {  // more than one batch of positions
    MustAppend(Request("s1", ExpectedVersion::Any(), "c" + std::to_string(i + 10),
                       {Event("A", std::to_string(i))}));
  }
  std::vector<uint64_t> versions;
  ASSERT_TRUE(journal_
                  ->ScanStream("s1", 2, UINT64_MAX,
                               [&](const RecordView& r) {
                                 EXPECT_EQ(r.stream, "s1");
                                 EXPECT_EQ(r.payload, std::to_string(r.version));
                                 versions.push_back(r.version);
                                 return true;
                               })
                  .ok());
  ASSERT_EQ(versions.size(), 299u);
  EXPECT_EQ(versions.front(), 2u);
  EXPECT_EQ(versions.back(), 300u);
  int visited = 0;
  ASSERT_TRUE(
      journal_->ScanStream("s1", 1, UINT64_MAX, [&](const RecordView&) { return ++visited < 5; })
          .ok());
  EXPECT_EQ(visited, 5);
  ASSERT_TRUE(
      journal_->ScanStream("nobody", 1, UINT64_MAX, [&](const RecordView&) { return false; }).ok());
  // Bounded by position: s1's versions 1-2 are positions 1-2, version v >= 3 is position v + 1.
  versions.clear();
  ASSERT_TRUE(journal_
                  ->ScanStream("s1", 2, 280,
                               [&](const RecordView& r) {
                                 EXPECT_LE(r.position, 280u);
                                 versions.push_back(r.version);
                                 return true;
                               })
                  .ok());
  ASSERT_EQ(versions.size(), 278u);
  EXPECT_EQ(versions.front(), 2u);
  EXPECT_EQ(versions.back(), 279u);
}

TEST_F(RocksDbJournalTest, ReadsAllForwardInBatchesAndBackward) {
  for (int i = 1; i <= 10; ++i) {
    MustAppend(Request("s" + std::to_string(i % 3), ExpectedVersion::Any(), "c" + std::to_string(i),
                       {Event("A", std::to_string(i % 10))}));
  }
  std::vector<uint64_t> seen;
  for (uint64_t next = 1;;) {
    auto batch = journal_->ReadAll(next, 3);
    ASSERT_TRUE(batch.ok());
    if (batch->empty()) break;
    EXPECT_LE(batch->size(), 3u);
    for (const Record& r : *batch) seen.push_back(r.position);
    next = batch->back().position + 1;
  }
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  auto back = journal_->ReadAllBackward(7, 3);
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ(back->at(0).position, 7u);
  EXPECT_EQ(back->at(2).position, 5u);
  EXPECT_EQ(journal_->ReadAllBackward(UINT64_MAX, 1)->at(0).position, 10u);
}

TEST_F(RocksDbJournalTest, ScanVisitsInPlaceFromAPositionUntilTold) {
  for (int i = 1; i <= 6; ++i) {
    MustAppend(Request("s", ExpectedVersion::Any(), "c" + std::to_string(i),
                       {Event("E", "p" + std::to_string(i))}));
  }
  std::vector<std::string> payloads;
  ASSERT_TRUE(journal_
                  ->Scan(3,
                         [&](const RecordView& r) {
                           payloads.emplace_back(r.payload);
                           EXPECT_EQ(r.command_id, "c" + std::to_string(r.position));
                           EXPECT_EQ(r.ToRecord().hash, r.hash);
                           return r.position < 5;
                         })
                  .ok());
  EXPECT_EQ(payloads, (std::vector<std::string>{"p3", "p4", "p5"}));
  int visited = 0;
  ASSERT_TRUE(journal_->Scan(7, [&](const RecordView&) { return ++visited > 0; }).ok());
  EXPECT_EQ(visited, 0);
}

TEST_F(RocksDbJournalTest, TimestampsNeverGoBackwardsAndCanBeLookedUp) {
  clock_.Set(1000);
  MustAppend(Request("s", ExpectedVersion::Any(), "c1"));  // 1 @1000
  clock_.Set(2000);
  MustAppend(Request("s", ExpectedVersion::Any(), "c2"));  // 2 @2000
  clock_.Set(1500);                                        // the wall clock steps back
  MustAppend(Request("s", ExpectedVersion::Any(), "c3"));  // 3 @2000
  clock_.Set(3000);
  MustAppend(Request("s", ExpectedVersion::Any(), "c4", {Event("A", "1"), Event("A", "2")}));
  auto all = journal_->ReadAll(1, 10);
  std::vector<int64_t> times;
  for (const Record& r : *all) times.push_back(r.timestamp_us);
  EXPECT_EQ(times, (std::vector<int64_t>{1000, 2000, 2000, 3000, 3000}));
  EXPECT_EQ(*journal_->FirstPositionAtOrAfter(0), 1u);
  EXPECT_EQ(*journal_->FirstPositionAtOrAfter(1000), 1u);
  EXPECT_EQ(*journal_->FirstPositionAtOrAfter(1001), 2u);
  EXPECT_EQ(*journal_->FirstPositionAtOrAfter(2000), 2u);
  EXPECT_EQ(*journal_->FirstPositionAtOrAfter(2001), 4u);
  EXPECT_EQ(*journal_->FirstPositionAtOrAfter(3000), 4u);
  EXPECT_EQ(journal_->FirstPositionAtOrAfter(3001).status().code(), StatusCode::kNotFound);
  Reopen();  // the newest timestamp survives a restart
  clock_.Set(10);
  EXPECT_EQ(MustAppend(Request("s", ExpectedVersion::Any(), "c5")).timestamp_us, 3000);
}

TEST_F(RocksDbJournalTest, EmptyJournalHasNothingToFind) {
  EXPECT_EQ(journal_->LastPosition(), 0u);
  EXPECT_EQ(journal_->FirstPositionAtOrAfter(0).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(journal_->ReadAll(1, 10)->empty());
  auto report = journal_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->records, 0u);
}

TEST_F(RocksDbJournalTest, ReopenContinuesPositionsVersionsAndTheChain) {
  MustAppend(Request("s1", ExpectedVersion::Any(), "c1", {Event("A", "1"), Event("A", "2")}));
  Reopen();
  AppendReceipt r = MustAppend(Request("s1", ExpectedVersion::Exactly(2), "c2"));
  EXPECT_EQ(r.first_position, 3u);
  EXPECT_EQ(r.first_version, 3u);
  auto report = journal_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 3u);
}

TEST_F(RocksDbJournalTest, SecondWriterIsToldWhoHoldsTheJournalWhileReadersStillWork) {
  MustAppend(Request("s1", ExpectedVersion::Any(), "c1"));
  RocksDbJournalOptions options;
  options.dir = dir_.Sub("journal");
  auto second = RocksDbJournal::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("is held for writing by pid " +
                                                   std::to_string(getpid()) + " (journal_test)"));

  options.read_only = true;
  auto reader = RocksDbJournal::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->LastPosition(), 1u);
  EXPECT_EQ((*reader)->Append(Request("s1", ExpectedVersion::Any(), "c9")).status().code(),
            StatusCode::kFailedPrecondition);
  MustAppend(Request("s1", ExpectedVersion::Any(), "c2"));
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->LastPosition(), 2u);
  EXPECT_EQ((*reader)->ReadStream("s1", 1, 10)->size(), 2u);
}

TEST(RocksDbJournalOpenTest, ReadOnlyOpenOfAMissingJournalIsNotFound) {
  TempDir dir;
  RocksDbJournalOptions options;
  options.dir = dir.Sub("never-written");
  options.read_only = true;
  auto opened = RocksDbJournal::Open(options);
  EXPECT_EQ(opened.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(opened.status().message(), HasSubstr("does not exist"));
}

TEST(RocksDbJournalOpenTest, RefusesEmptyDirectoryName) {
  auto opened = RocksDbJournal::Open(RocksDbJournalOptions{});
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trunkline::journal
