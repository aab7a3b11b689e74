// Periodic trunk snapshots: kept at every kEvery-th version, found by position, rebuilt from
// the file, robust to a torn or damaged tail, and seen by read-only readers.
#include "trunkline/projection/trunk_snapshots.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace trunkline::projection {
namespace {

constexpr uint64_t kEvery = TrunkSnapshots::kEvery;

domain::TrunkState State(const std::string& id, uint64_t version) {
  domain::TrunkState s;
  s.id = id;
  s.provider = "acme";
  s.account = "main";
  s.version = version;
  s.fields = {{"name", id + " v" + std::to_string(version)}, {"n", int64_t(version)}};
  return s;
}

class TrunkSnapshotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "snapshots-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/trunk-snapshots";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TrunkSnapshots> Open(bool read_only = false) {
    auto opened = TrunkSnapshots::Open(path_, read_only);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Trunk "a" at versions 1..n, its version v's last event at position 10·v.
  static void Fill(TrunkSnapshots& s, uint64_t n) {
    for (uint64_t v = 1; v <= n; ++v) ASSERT_TRUE(s.Add(State("a", v), 10 * v).ok());
  }

  // The version of the snapshot Before(id, position) finds; 0 for none.
  static uint64_t VersionBefore(TrunkSnapshots& s, const std::string& id, uint64_t position) {
    auto found = s.Before(id, position);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() && *found ? (*found)->state.version : 0;
  }

  std::string dir_, path_;
};

TEST_F(TrunkSnapshotsTest, KeepsEveryKthVersionAndFindsTheLatestBeforeAPosition) {
  auto s = Open();
  Fill(*s, 3 * kEvery + 5);
  EXPECT_EQ(s->size(), 3u);
  EXPECT_EQ(VersionBefore(*s, "a", 10 * kEvery - 1), 0u);
  EXPECT_EQ(VersionBefore(*s, "a", 10 * kEvery), kEvery);
  EXPECT_EQ(VersionBefore(*s, "a", 10 * 2 * kEvery - 1), kEvery);
  EXPECT_EQ(VersionBefore(*s, "a", UINT64_MAX), 3 * kEvery);
  EXPECT_EQ(VersionBefore(*s, "b", UINT64_MAX), 0u);
  auto found = s->Before("a", UINT64_MAX);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->position, 10 * 3 * kEvery);
  EXPECT_TRUE((*found)->state == State("a", 3 * kEvery));
}

TEST_F(TrunkSnapshotsTest, ReopeningIndexesTheFileAgain) {
  Fill(*Open(), 2 * kEvery);
  auto again = Open();
  EXPECT_EQ(again->size(), 2u);
  EXPECT_EQ(VersionBefore(*again, "a", UINT64_MAX), 2 * kEvery);
  // A fold resumed from an older checkpoint appends the same snapshots again: no duplicates.
  Fill(*again, 2 * kEvery);
  EXPECT_EQ(again->size(), 2u);
}

TEST_F(TrunkSnapshotsTest, ATornTailIsDroppedAndAppendsFollowTheLastGoodEntry) {
  Fill(*Open(), 2 * kEvery);
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - 3);
  auto s = Open();
  EXPECT_EQ(s->size(), 1u);
  EXPECT_EQ(VersionBefore(*s, "a", UINT64_MAX), kEvery);
  ASSERT_TRUE(s->Add(State("a", 2 * kEvery), 20 * kEvery).ok());
  EXPECT_EQ(Open()->size(), 2u);
}

TEST_F(TrunkSnapshotsTest, ADamagedEntryEndsTheUsableOnes) {
  Fill(*Open(), 3 * kEvery);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(path_) / 2);
    f.seekg(middle);
    char c = 0;
    f.read(&c, 1);
    f.seekp(middle);
    c = static_cast<char>(c ^ 0x20);
    f.write(&c, 1);
  }
  auto s = Open();
  EXPECT_LT(s->size(), 3u);
  // What it still finds is right, never a damaged state.
  const uint64_t v = VersionBefore(*s, "a", UINT64_MAX);
  EXPECT_TRUE(v == 0 || v == kEvery) << v;
}

TEST_F(TrunkSnapshotsTest, AReadOnlyReaderSeesAppendsAndSurvivesAWriterStartingOver) {
  auto writer = Open();
  auto reader = Open(true);
  EXPECT_EQ(VersionBefore(*reader, "a", UINT64_MAX), 0u);
  Fill(*writer, kEvery);
  EXPECT_EQ(VersionBefore(*reader, "a", UINT64_MAX), kEvery);
  EXPECT_FALSE(reader->Add(State("a", 2 * kEvery), 1).ok());
  // The writer rebuilds: other trunks' entries now sit where "a"'s were.
  ASSERT_TRUE(writer->Clear().ok());
  ASSERT_TRUE(writer->Add(State("b", kEvery), 5).ok());
  ASSERT_TRUE(writer->Add(State("b", 2 * kEvery), 6).ok());
  EXPECT_EQ(VersionBefore(*reader, "a", UINT64_MAX), 0u);
  EXPECT_EQ(VersionBefore(*reader, "b", UINT64_MAX), 2 * kEvery);
}

TEST_F(TrunkSnapshotsTest, AReadOnlyOpenOfNoFileFindsNothingAndWritesNothing) {
  auto reader = Open(true);
  EXPECT_EQ(VersionBefore(*reader, "a", UINT64_MAX), 0u);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace trunkline::projection
