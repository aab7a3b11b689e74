// The registry never acts on a projection the journal does not bear out: a damaged snapshot,
// one from another journal or ahead of it (a journal restored from a backup) is rebuilt with
// a notice, and a stream index that lost a trunk the records hold is data loss, not "does
// not exist".
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "journal_tamper.h"
#include "trunkline/journal/rocksdb_journal.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/registry/registry.h"

namespace trunkline::registry {
namespace {

namespace fs = std::filesystem;
using domain::FieldChanges;
using ::testing::Contains;
using ::testing::HasSubstr;

class ProjectionTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "registry-trust-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<std::unique_ptr<Registry>> Open(bool read_only = false) {
    RegistryOptions options{dir_, plugin_host::DefaultPluginDir(), read_only, nullptr};
    return Registry::Open(options);
  }

  static Status Create(Registry& registry, const std::string& id) {
    domain::CreateTrunk create{
        "twilio", "main",
        FieldChanges{{{"friendly_name", "Trunk"}, {"domain_name", id + ".pstn.twilio.com"}}, {}}};
    return registry.Execute(id, create, CommandMeta{"alice", "test", "create-" + id, "", {}})
        .status();
  }

  static std::vector<std::string> Ids(Registry& registry) {
    std::vector<std::string> ids;
    Result<std::vector<domain::TrunkState>> trunks = registry.List();
    EXPECT_TRUE(trunks.ok()) << trunks.status().ToString();
    if (!trunks.ok()) return ids;
    for (const domain::TrunkState& t : *trunks) ids.push_back(t.id);
    return ids;
  }

  std::string Journal() const { return dir_ + "/journal"; }
  std::string Snapshot() const { return dir_ + "/projections/current-state"; }

  std::string dir_;
};

TEST_F(ProjectionTrustTest, ProjectionAheadOfARestoredJournalIsRebuiltAndNotActedOn) {
  {
    auto registry = Open();
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    ASSERT_TRUE(Create(**registry, "one").ok());
  }
  fs::copy(Journal(), dir_ + "/backup", fs::copy_options::recursive);
  {
    auto registry = Open();
    ASSERT_TRUE(Create(**registry, "two").ok());
    EXPECT_EQ(Ids(**registry), (std::vector<std::string>{"one", "two"}));  // folds "two" in
  }
  // The journal goes back to the backup; the projection still holds "two".
  fs::remove_all(Journal());
  fs::rename(dir_ + "/backup", Journal());
  for (bool read_only : {true, false}) {
    auto registry = Open(read_only);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    ASSERT_EQ((*registry)->Notices().size(), 1u) << "read_only " << read_only;
    EXPECT_THAT((*registry)->Notices()[0], HasSubstr("does not match the journal"));
    EXPECT_THAT((*registry)->Notices()[0], HasSubstr("ahead of the journal"));
    EXPECT_EQ(Ids(**registry), std::vector<std::string>{"one"});
    EXPECT_EQ((*registry)->Get("two").status().code(), StatusCode::kNotFound);
  }
  // The rebuilt projection was saved: no notice any more, and "two" can be created again
  // (uniqueness does not see a trunk the journal never held).
  auto registry = Open();
  ASSERT_TRUE(registry.ok());
  EXPECT_TRUE((*registry)->Notices().empty());
  EXPECT_TRUE(Create(**registry, "two").ok());
}

TEST_F(ProjectionTrustTest, ProjectionOfAnotherJournalIsRebuilt) {
  {
    auto registry = Open();
    ASSERT_TRUE(Create(**registry, "one").ok());
    ASSERT_TRUE(Create(**registry, "two").ok());
    EXPECT_EQ(Ids(**registry), (std::vector<std::string>{"one", "two"}));
  }
  // A new journal in the same data dir, with one trunk of its own.
  fs::remove_all(Journal());
  {
    journal::RocksDbJournalOptions options;
    options.dir = Journal();
    auto other = journal::RocksDbJournal::Open(options);
    ASSERT_TRUE(other.ok());
  }
  auto registry = Open();
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  ASSERT_EQ((*registry)->Notices().size(), 1u);
  EXPECT_THAT((*registry)->Notices()[0], HasSubstr("folded from journal"));
  EXPECT_TRUE(Ids(**registry).empty());
}

TEST_F(ProjectionTrustTest, ADamagedSnapshotBlocksNeitherVerifyNorRebuild) {
  {
    auto registry = Open();
    ASSERT_TRUE(Create(**registry, "one").ok());
  }
  {
    std::fstream f(Snapshot(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('#');
  }
  for (bool read_only : {true, false}) {
    auto registry = Open(read_only);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    ASSERT_EQ((*registry)->Notices().size(), 1u) << "read_only " << read_only;
    EXPECT_THAT((*registry)->Notices()[0], HasSubstr("cannot be used"));
    EXPECT_TRUE((*registry)->journal().Verify().ok());
    EXPECT_EQ(Ids(**registry), std::vector<std::string>{"one"});
    if (!read_only) {
      EXPECT_TRUE((*registry)->RebuildProjections({}).ok());
    }
  }
}

TEST_F(ProjectionTrustTest, AProjectionsFileIsRefusedByName) {
  fs::create_directories(dir_);
  std::ofstream(dir_ + "/projections") << "oops";
  for (bool read_only : {false, true}) {
    if (read_only) {
      auto registry = Open(false);  // a reader needs a journal to look at
      EXPECT_FALSE(registry.ok());
    }
    auto registry = Open(read_only);
    ASSERT_FALSE(registry.ok());
    EXPECT_THAT(registry.status().message(), HasSubstr("projections is not a directory"))
        << registry.status().ToString();
  }
}

TEST_F(ProjectionTrustTest, ATrunkLostFromTheStreamIndexIsDataLossNotMissing) {
  {
    auto registry = Open();
    ASSERT_TRUE(Create(**registry, "one").ok());
    ASSERT_TRUE(Create(**registry, "two").ok());
  }
  ASSERT_TRUE(journal::testing::DeleteStreamIndexEntry(Journal(), "trunk-one", 1).ok());
  for (bool read_only : {true, false}) {
    auto registry = Open(read_only);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    auto get = (*registry)->Get("one");
    EXPECT_EQ(get.status().code(), StatusCode::kDataLoss) << get.status().ToString();
    EXPECT_EQ((*registry)->History("one").status().code(), StatusCode::kDataLoss);
    EXPECT_EQ((*registry)->Get("never").status().code(), StatusCode::kNotFound);
    EXPECT_EQ((*registry)->journal().Verify().status().code(), StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace trunkline::registry
