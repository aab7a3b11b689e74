// Verify, damaged records, torn logs and unknown formats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "journal_tamper.h"
#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

using testing::Event;
using ::testing::HasSubstr;
using testing::Request;
using testing::TempDir;

class VerifyTest : public ::testing::Test {
 protected:
  std::string Dir() const { return dir_.Sub("journal"); }

  Result<std::unique_ptr<RocksDbJournal>> Open() {
    RocksDbJournalOptions options;
    options.dir = Dir();
    return RocksDbJournal::Open(options);
  }

  // Writes `n` single-event appends and closes the journal.
  void Fill(int n) {
    auto journal = Open();
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE((*journal)
                      ->Append(Request("s" + std::to_string(i % 4), ExpectedVersion::Any(),
                                       "c" + std::to_string(i),
                                       {Event("E", "payload-" + std::to_string(i))}))
                      .ok());
    }
  }

  Status VerifyStatus() {
    auto journal = Open();
    if (!journal.ok()) return journal.status();
    return (*journal)->Verify().status();
  }

  TempDir dir_;
};

TEST_F(VerifyTest, CleanJournalVerifiesAndReportsTheChainHead) {
  Fill(50);
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  auto report = (*journal)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 50u);
  EXPECT_EQ(report->last_position, 50u);
  EXPECT_EQ(report->last_hash, (*journal)->ReadAllBackward(50, 1)->front().hash);
}

TEST_F(VerifyTest, FlippedPayloadByteIsFoundAtItsPosition) {
  Fill(30);
  // The payload's last byte sits just before the 32-byte hash at the end of the value.
  ASSERT_TRUE(testing::FlipRecordByte(Dir(), 17, -33).ok());
  Status s = VerifyStatus();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("position 17: hash mismatch"));
}

TEST_F(VerifyTest, FlippedHashByteIsFoundAtItsPosition) {
  Fill(10);
  ASSERT_TRUE(testing::FlipRecordByte(Dir(), 4, -1).ok());
  Status s = VerifyStatus();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("position 4: hash mismatch"));
}

TEST_F(VerifyTest, RecordThatNoLongerDecodesIsDataLossNamingThePosition) {
  Fill(10);
  ASSERT_TRUE(testing::FlipRecordByte(Dir(), 6, 0).ok());  // breaks the array header
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  Status s = (*journal)->Verify().status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("position 6"));
  // Plain reads refuse to hand out the bad record too; they never skip it.
  auto read = (*journal)->ReadAll(1, 100);
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr("position 6"));
}

TEST_F(VerifyTest, StreamReadsRefuseARecordTheirIndexPointsAtButThatIsGone) {
  Fill(12);  // position p belongs to stream s((p - 1) % 4)
  ASSERT_TRUE(testing::DeleteRecord(Dir(), 6).ok());
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  auto read = (*journal)->ReadStream("s1", 1, 100);
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr("position 6: indexed by its stream but missing"));
  int visited = 0;
  Status scan = (*journal)->ScanStream("s1", 1, UINT64_MAX, [&](const RecordView& r) {
    EXPECT_EQ(r.position, 2u);  // the only s1 record before the gap
    ++visited;
    return true;
  });
  EXPECT_EQ(scan.code(), StatusCode::kDataLoss);
  EXPECT_EQ(visited, 1);
  // Streams that do not touch the gap still read in full.
  EXPECT_EQ((*journal)->ReadStream("s0", 1, 100)->size(), 3u);
  EXPECT_EQ((*journal)->Verify().status().code(), StatusCode::kDataLoss);
}

TEST_F(VerifyTest, DamagedTableFileIsDataLossNotASilentSkip) {
  Fill(200);
  ASSERT_TRUE(testing::CompactAll(Dir()).ok());
  // Flip a byte in the middle of the largest table file (where the records are).
  std::filesystem::path largest;
  for (const auto& e : std::filesystem::directory_iterator(Dir())) {
    if (e.path().extension() == ".sst" &&
        (largest.empty() || e.file_size() > std::filesystem::file_size(largest))) {
      largest = e.path();
    }
  }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(std::filesystem::file_size(largest) / 3));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(largest) / 3));
    c = static_cast<char>(c ^ 0x40);
    f.write(&c, 1);
  }
  Status s = VerifyStatus();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("position "));
}

TEST_F(VerifyTest, TornTailAfterACrashIsDroppedAndTheJournalGoesOn) {
  Fill(20);
  // The chain head file as the crash leaves it: the torn append was never acknowledged, so
  // it never reached the file.
  const std::string head = Dir() + "/CHAIN_HEAD";
  std::filesystem::copy_file(head, head + ".saved");
  {
    // The 21st append is being written when the machine dies: its log record is torn.
    auto journal = Open();
    ASSERT_TRUE((*journal)
                    ->Append(Request("s", ExpectedVersion::Any(), "torn",
                                     {Event("E", std::string(3000, 't'))}))
                    .ok());
  }
  ASSERT_TRUE(testing::TruncateNewestLog(Dir(), 100).ok());
  std::filesystem::rename(head + ".saved", head);
  auto journal = Open();
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_EQ((*journal)->LastPosition(), 20u);
  auto report = (*journal)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 20u);
  // The lost append was never acknowledged; retrying it now writes it, at the next position.
  auto retry = (*journal)->Append(
      Request("s", ExpectedVersion::Any(), "torn", {Event("E", std::string(3000, 't'))}));
  ASSERT_TRUE(retry.ok());
  EXPECT_FALSE(retry->replayed);
  EXPECT_EQ(retry->first_position, 21u);
  EXPECT_TRUE((*journal)->Verify().ok());
}

TEST_F(VerifyTest, RecordOfANewerFormatIsRefusedByName) {
  Fill(5);
  ASSERT_TRUE(testing::SetRecordFormat(Dir(), 3, 2).ok());
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  auto read = (*journal)->ReadAll(1, 10);
  EXPECT_EQ(read.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(read.status().message(), HasSubstr("position 3: record format 2"));
}

TEST_F(VerifyTest, JournalOfANewerFormatIsNotOpened) {
  Fill(1);
  ASSERT_TRUE(testing::SetFormatMarker(Dir(), "2").ok());
  Status s = Open().status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("has format 2"));
}

}  // namespace
}  // namespace trunkline::journal
