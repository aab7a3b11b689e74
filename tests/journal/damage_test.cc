// Lost files, a lost acknowledged tail, and a damaged index: each is data loss, found when
// the journal is opened, read or verified, and nothing is changed on the way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "journal_tamper.h"
#include "journal_test_util.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::journal {
namespace {

namespace fs = std::filesystem;
using testing::Event;
using ::testing::HasSubstr;
using testing::Request;
using testing::TempDir;

// Every file of a directory and its size: what "nothing was changed" compares.
std::map<std::string, uintmax_t> Listing(const std::string& dir) {
  std::map<std::string, uintmax_t> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files[entry.path().filename().string()] = entry.is_regular_file() ? entry.file_size() : 0;
  }
  return files;
}

std::vector<std::string> FilesStartingWith(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) found.push_back(entry.path().string());
  }
  return found;
}

class DamageTest : public ::testing::Test {
 protected:
  std::string Dir() const { return dir_.Sub("journal"); }

  Result<std::unique_ptr<RocksDbJournal>> Open(bool read_only = false) {
    RocksDbJournalOptions options;
    options.dir = Dir();
    options.read_only = read_only;
    return RocksDbJournal::Open(options);
  }

  // Writes `n` single-event appends over four streams and closes the journal.
  void Fill(int n, bool compact = false) {
    auto journal = Open();
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE((*journal)
                      ->Append(Request("s" + std::to_string(i % 4), ExpectedVersion::Any(),
                                       "c" + std::to_string(i), {Event("E", std::to_string(i))}))
                      .ok());
    }
    if (compact) {
      ASSERT_TRUE((*journal)->Compact().ok());
    }
  }

  // Opens the journal (read-only or not) and expects kDataLoss mentioning `text`.
  void ExpectOpenIsDataLoss(bool read_only, const std::string& text) {
    auto journal = Open(read_only);
    ASSERT_FALSE(journal.ok()) << (read_only ? "reader" : "writer") << " opened";
    EXPECT_EQ(journal.status().code(), StatusCode::kDataLoss) << journal.status().ToString();
    EXPECT_THAT(journal.status().message(), HasSubstr(text));
  }

  Status VerifyStatus() {
    auto journal = Open(true);
    if (!journal.ok()) return journal.status();
    return (*journal)->Verify().status();
  }

  TempDir dir_;
};

TEST_F(DamageTest, MissingCurrentIsRefusedAndNothingIsDeletedOrCreated) {
  Fill(30);
  const std::string current = Dir() + "/CURRENT";
  std::ifstream in(current);
  const std::string content((std::istreambuf_iterator<char>(in)), {});
  fs::remove(current);
  const auto before = Listing(Dir());
  ExpectOpenIsDataLoss(false, "no CURRENT file");
  ExpectOpenIsDataLoss(true, "no CURRENT file");
  EXPECT_EQ(Listing(Dir()), before);
  // Put back, the journal is whole again: nothing was lost by the refused opens.
  std::ofstream(current) << content;
  auto journal = Open();
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  auto report = (*journal)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 30u);
}

TEST_F(DamageTest, MissingManifestIsDataLossNamingIt) {
  Fill(30);
  const auto manifests = FilesStartingWith(Dir(), "MANIFEST-");
  ASSERT_FALSE(manifests.empty());
  for (const std::string& m : manifests) fs::remove(m);
  const auto before = Listing(Dir());
  ExpectOpenIsDataLoss(false, "MANIFEST-");
  ExpectOpenIsDataLoss(true, "MANIFEST-");
  auto after = Listing(Dir());
  after.erase("LOG");  // RocksDB's own diagnostic log may be rotated
  auto expected = before;
  expected.erase("LOG");
  for (auto it = after.begin(); it != after.end();) {
    it = it->first.rfind("LOG.old", 0) == 0 ? after.erase(it) : std::next(it);
  }
  for (auto it = expected.begin(); it != expected.end();) {
    it = it->first.rfind("LOG.old", 0) == 0 ? expected.erase(it) : std::next(it);
  }
  EXPECT_EQ(after, expected);
}

TEST_F(DamageTest, MissingOptionsFileLosesNothing) {
  Fill(30);
  const auto options = FilesStartingWith(Dir(), "OPTIONS-");
  ASSERT_FALSE(options.empty());
  for (const std::string& o : options) fs::remove(o);
  auto journal = Open();
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  auto report = (*journal)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 30u);
}

TEST_F(DamageTest, RemovedWriteAheadLogIsDataLoss) {
  Fill(30);  // still in the log: nothing was flushed to tables
  const auto logs = FilesStartingWith(Dir(), "0");
  ASSERT_FALSE(logs.empty());
  for (const std::string& l : logs) {
    if (fs::path(l).extension() == ".log") fs::remove(l);
  }
  ExpectOpenIsDataLoss(true, "position 30 was acknowledged");
  ExpectOpenIsDataLoss(false, "position 30 was acknowledged");
}

TEST_F(DamageTest, TruncatedWriteAheadLogLosingAnAcknowledgedAppendIsDataLoss) {
  Fill(30);
  ASSERT_TRUE(testing::TruncateNewestLog(Dir(), 20).ok());
  ExpectOpenIsDataLoss(false, "position 30 was acknowledged, but the journal now ends at 29");
  ExpectOpenIsDataLoss(true, "position 30 was acknowledged");
}

// A table file gone: RocksDB names it when it opens the file, or the records end before the
// acknowledged head; either way, data loss.
TEST_F(DamageTest, RemovedRecordsTableIsDataLoss) {
  Fill(30, /*compact=*/true);
  auto tables = testing::TableFilesOf(Dir(), "records");
  ASSERT_TRUE(tables.ok() && !tables->empty());
  for (const std::string& t : *tables) fs::remove(t);
  for (bool read_only : {false, true}) {
    auto journal = Open(read_only);
    ASSERT_FALSE(journal.ok());
    EXPECT_EQ(journal.status().code(), StatusCode::kDataLoss) << journal.status().ToString();
    EXPECT_THAT(journal.status().message(),
                ::testing::AnyOf(HasSubstr("No such file"), HasSubstr("was acknowledged")));
  }
}

TEST_F(DamageTest, RewrittenLastHashIsFoundOnOpen) {
  Fill(10);
  ASSERT_TRUE(testing::FlipRecordByte(Dir(), 10, -1).ok());
  ExpectOpenIsDataLoss(false, "history was rewritten");
}

TEST_F(DamageTest, DamagedChainHeadFileIsDataLoss) {
  Fill(10);
  ASSERT_TRUE(testing::FlipFileByte(Dir() + "/CHAIN_HEAD", 12).ok());
  ASSERT_TRUE(testing::FlipFileByte(Dir() + "/CHAIN_HEAD", 128 + 12).ok());
  ExpectOpenIsDataLoss(false, "CHAIN_HEAD is damaged");
}

TEST_F(DamageTest, AFileWhereTheDirectoryShouldBeIsRefusedByName) {
  fs::create_directories(dir_.path());
  std::ofstream(Dir()) << "not a journal";
  auto journal = Open();
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(journal.status().message(), HasSubstr("is not a directory"));
}

// The stream index, damaged entry by entry: verify names it, and a read that meets it fails
// with data loss instead of answering as if the events did not exist.
TEST_F(DamageTest, DeletedFirstStreamIndexEntryIsFoundByVerifyAndReads) {
  Fill(20);
  ASSERT_TRUE(testing::DeleteStreamIndexEntry(Dir(), "s1", 1).ok());
  Status verify = VerifyStatus();
  EXPECT_EQ(verify.code(), StatusCode::kDataLoss) << verify.ToString();
  EXPECT_THAT(verify.message(), HasSubstr("stream index"));
  EXPECT_THAT(verify.message(), HasSubstr("stream s1"));
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ((*journal)->ReadStream("s1", 1, 100).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*journal)->ReadStreamBackward("s1", UINT64_MAX, 100).status().code(),
            StatusCode::kDataLoss);
}

TEST_F(DamageTest, DeletedMiddleStreamIndexEntryIsFoundByVerifyAndReads) {
  Fill(20);
  ASSERT_TRUE(testing::DeleteStreamIndexEntry(Dir(), "s2", 3).ok());
  Status verify = VerifyStatus();
  EXPECT_EQ(verify.code(), StatusCode::kDataLoss) << verify.ToString();
  EXPECT_THAT(verify.message(), HasSubstr("stream s2 version 4"));
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ((*journal)->ReadStream("s2", 1, 100).status().code(), StatusCode::kDataLoss);
}

TEST_F(DamageTest, StreamIndexEntryPointingElsewhereIsFoundByVerifyAndReads) {
  Fill(20);
  // s0's second event is at position 5; point its entry at position 6 (stream s1's).
  ASSERT_TRUE(testing::SetStreamIndexEntry(Dir(), "s0", 2, 6, 1).ok());
  Status verify = VerifyStatus();
  EXPECT_EQ(verify.code(), StatusCode::kDataLoss) << verify.ToString();
  EXPECT_THAT(verify.message(), HasSubstr("position 6: the index of stream s0"));
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  auto read = (*journal)->ReadStream("s0", 1, 100);
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << read.status().ToString();
}

TEST_F(DamageTest, DeletedCommandEntryIsFoundByVerify) {
  Fill(20);
  ASSERT_TRUE(testing::DeleteCommandEntry(Dir(), "c7").ok());
  Status verify = VerifyStatus();
  EXPECT_EQ(verify.code(), StatusCode::kDataLoss) << verify.ToString();
  EXPECT_THAT(verify.message(), HasSubstr("command index"));
}

TEST_F(DamageTest, DamagedStreamIndexTableIsFoundByVerifyAndReads) {
  Fill(200, /*compact=*/true);
  auto tables = testing::TableFilesOf(Dir(), "streams");
  ASSERT_TRUE(tables.ok() && tables->size() == 1u);
  // A byte early in the file sits in its first data block.
  ASSERT_TRUE(testing::FlipFileByte(tables->front(), 20).ok());
  Status verify = VerifyStatus();
  EXPECT_EQ(verify.code(), StatusCode::kDataLoss) << verify.ToString();
  auto journal = Open(true);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_EQ((*journal)->ReadStream("s0", 1, 100).status().code(), StatusCode::kDataLoss);
}

TEST_F(DamageTest, RemovedStreamIndexTableIsDataLoss) {
  Fill(200, /*compact=*/true);
  auto tables = testing::TableFilesOf(Dir(), "streams");
  ASSERT_TRUE(tables.ok() && !tables->empty());
  for (const std::string& t : *tables) fs::remove(t);
  ExpectOpenIsDataLoss(false, "No such file");
  // A reader opens table files lazily: its reads meet the loss.
  auto reader = Open(true);
  if (!reader.ok()) {
    EXPECT_EQ(reader.status().code(), StatusCode::kDataLoss) << reader.status().ToString();
    return;
  }
  EXPECT_EQ((*reader)->ReadStream("s0", 1, 100).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*reader)->Verify().status().code(), StatusCode::kDataLoss);
}

TEST_F(DamageTest, AWriterThatMetDataLossRefusesAppends) {
  Fill(20);
  ASSERT_TRUE(testing::DeleteRecord(Dir(), 6).ok());  // s1's second event
  auto journal = Open();
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  ASSERT_TRUE((*journal)->Append(Request("s9", ExpectedVersion::Any(), "before")).ok());
  EXPECT_EQ((*journal)->ReadStream("s1", 1, 100).status().code(), StatusCode::kDataLoss);
  auto refused = (*journal)->Append(Request("s9", ExpectedVersion::Any(), "after"));
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(refused.status().message(), HasSubstr("refuses appends"));
}

}  // namespace
}  // namespace trunkline::journal
