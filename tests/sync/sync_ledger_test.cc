// SyncLedger: where each trunk stands with its provider, folded from its trunk stream and its
// "sync-<id>" stream. Hand-made records walk a trunk through its whole life; a real journal
// checks CatchUp and ReadTrunkSync.
#include "trunkline/sync/sync_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "trunkline/domain/event_codec.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::sync {
namespace {

using testing::StatusIs;

const SyncErrorInfo kBusy{14, "busy", "", "", ""};
const SyncErrorInfo kRefused{3, "name refused", "friendly_name", "21212", "Invalid name"};

// Feeds hand-made records to a ledger, at positions 1, 2, 3, ...
class SyncLedgerTest : public ::testing::Test {
 protected:
  Status Trunk(const std::string& id, const domain::Event& event) {
    const domain::EncodedEvent e = domain::EncodeEvent(event);
    return Apply("trunk-" + id, ++trunk_versions_[id], e.type, e.schema_version, e.payload);
  }
  Status Sync(const std::string& id, const SyncEvent& event) {
    const EncodedSyncEvent e = EncodeSyncEvent(event);
    return Apply(SyncStreamOf(id), ++sync_versions_[id], e.type, e.schema_version, e.payload);
  }
  Status Apply(std::string stream, uint64_t version, std::string type, uint32_t schema_version,
               std::string payload) {
    // The views must outlive Apply only; keep the bytes anyway, as a journal would.
    Held& h = held_.emplace_back(Held{std::move(stream), std::move(type), std::move(payload)});
    journal::RecordView r;
    r.position = ++position_;
    r.stream = h.stream;
    r.version = version;
    r.type = h.type;
    r.schema_version = schema_version;
    r.timestamp_us = 1000 * static_cast<int64_t>(position_);
    r.payload = h.payload;
    return ledger_.Apply(r);
  }
  const TrunkSyncStatus& Status1() {
    const TrunkSyncStatus* t = ledger_.Find("t1");
    EXPECT_NE(t, nullptr);
    static const TrunkSyncStatus kNone;
    return t == nullptr ? kNone : *t;
  }

  struct Held {
    std::string stream, type, payload;
  };
  std::deque<Held> held_;
  std::map<std::string, uint64_t> trunk_versions_, sync_versions_;
  uint64_t position_ = 0;
  SyncLedger ledger_;
};

const domain::TrunkCreated kCreated{"twilio", "main", {{"friendly_name", std::string("hq")}}, {}};

TEST(SyncStatesTest, AListOfStateNamesParsesInOrderAndAnythingElseIsRefused) {
  Result<std::vector<SyncState>> states = ParseSyncStates("failed,parked,synced");
  ASSERT_TRUE(states.ok()) << states.status().ToString();
  EXPECT_EQ(*states,
            (std::vector<SyncState>{SyncState::kFailed, SyncState::kParked, SyncState::kSynced}));
  EXPECT_EQ(*ParseSyncStates("deleted"), std::vector<SyncState>{SyncState::kDeleted});
  for (const char* bad : {"", ",", "failed,", ",failed", "stuck", "Failed", "failed parked"}) {
    EXPECT_THAT(ParseSyncStates(bad),
                StatusIs(StatusCode::kInvalidArgument,
                         "must be a comma-separated list of pending, synced, failed, parked and "
                         "deleted"))
        << bad;
  }
}

TEST_F(SyncLedgerTest, ATrunkWalksThroughEveryStateOfItsLife) {
  ASSERT_OK(Trunk("t1", kCreated));
  const TrunkSyncStatus& t = Status1();
  EXPECT_EQ(t.provider, "twilio");
  EXPECT_EQ(t.account, "main");
  EXPECT_EQ(t.desired_version, 1u);
  EXPECT_EQ(t.desired_position, 1u);
  EXPECT_EQ(t.state(), SyncState::kPending);
  EXPECT_TRUE(t.NeedsWork());

  ASSERT_OK(Sync("t1", SyncCreatePending{"twilio", "main", 1}));
  EXPECT_TRUE(t.create_pending);
  EXPECT_EQ(t.state(), SyncState::kPending);
  EXPECT_EQ(t.last_sync_us, 2000);

  ASSERT_OK(Sync("t1", SyncFailed{kBusy, 1, 5'000'000, 1}));
  EXPECT_EQ(t.state(), SyncState::kFailed);
  EXPECT_TRUE(t.NeedsWork());
  EXPECT_EQ(t.attempts, 1u);
  EXPECT_EQ(t.next_try_us, 5'000'000);
  EXPECT_EQ(t.last_error, kBusy);
  EXPECT_TRUE(t.create_pending);

  ASSERT_OK(Sync("t1", SyncParked{kRefused, 4, 1}));
  EXPECT_EQ(t.state(), SyncState::kParked);
  EXPECT_TRUE(t.parked);
  EXPECT_EQ(t.attempts, 4u);
  EXPECT_EQ(t.last_error, kRefused);

  ASSERT_OK(Sync("t1", SyncRetryRequested{}));
  EXPECT_FALSE(t.parked);
  EXPECT_EQ(t.attempts, 0u);
  EXPECT_EQ(t.next_try_us, 0);
  EXPECT_TRUE(t.NeedsWork());
  // Due now and pending again; the last error stays on show until an attempt succeeds.
  EXPECT_EQ(t.state(), SyncState::kPending);
  EXPECT_EQ(t.last_error, kRefused);

  ASSERT_OK(Sync("t1", TrunkSynced{"twilio",
                                   "main",
                                   "TK1",
                                   {{"urls", {{"main", "OU1"}}}},
                                   {{"sid", std::string("TK1")}},
                                   1,
                                   1,
                                   6}));
  EXPECT_EQ(t.state(), SyncState::kSynced);
  EXPECT_FALSE(t.NeedsWork());
  EXPECT_FALSE(t.create_pending);
  EXPECT_FALSE(t.last_error.has_value());
  EXPECT_EQ(t.synced_version, 1u);
  EXPECT_EQ(t.synced_position, 1u);
  EXPECT_EQ(t.remote_id, "TK1");
  EXPECT_EQ(t.item_ids, (ItemIds{{"urls", {{"main", "OU1"}}}}));
  EXPECT_EQ(t.read_only.at("sid"), FieldValue(std::string("TK1")));

  ASSERT_OK(Trunk("t1", domain::TrunkUpdated{{{"friendly_name", std::string("HQ")}}, {}}));
  EXPECT_EQ(t.desired_version, 2u);
  EXPECT_EQ(t.desired_position, 7u);
  EXPECT_EQ(t.state(), SyncState::kPending);
  EXPECT_TRUE(t.NeedsWork());

  ASSERT_OK(Sync("t1", TrunkSynced{"twilio", "main", "TK1", {}, {}, 2, 7, 1}));
  EXPECT_EQ(t.state(), SyncState::kSynced);

  ASSERT_OK(Trunk("t1", domain::TrunkDeleted{}));
  EXPECT_TRUE(t.deleted);
  EXPECT_EQ(t.state(), SyncState::kPending);
  EXPECT_TRUE(t.NeedsWork());

  ASSERT_OK(Sync("t1", RemoteTrunkDeleted{"TK1", 3}));
  EXPECT_EQ(t.state(), SyncState::kDeleted);
  EXPECT_FALSE(t.NeedsWork());
  EXPECT_TRUE(t.remote_deleted);
  EXPECT_EQ(t.remote_id, "");
  EXPECT_TRUE(t.item_ids.empty());
  EXPECT_EQ(t.synced_version, 3u);
  EXPECT_EQ(t.synced_position, 9u);
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK1"), std::nullopt);
  EXPECT_EQ(ledger_.position(), 10u);
}

// A failure after the attempt made or found the remote trunk: the ledger holds its id (and
// item ids) from then on, and the create is no longer pending.
TEST_F(SyncLedgerTest, AFailureThatLearnedTheRemoteTrunkHoldsIt) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Sync("t1", SyncCreatePending{"twilio", "main", 1}));
  ASSERT_OK(Sync("t1", SyncFailed{kBusy, 1, 5'000'000, 1, "TK1", {{"urls", {{"main", "OU1"}}}}}));
  const TrunkSyncStatus& t = Status1();
  EXPECT_EQ(t.state(), SyncState::kFailed);
  EXPECT_TRUE(t.NeedsWork());
  EXPECT_FALSE(t.create_pending);
  EXPECT_EQ(t.remote_id, "TK1");
  EXPECT_EQ(t.item_ids.at("urls").at("main"), "OU1");
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK1"), std::optional<std::string>("t1"));
  // A failure that learned nothing leaves all of that as it was.
  ASSERT_OK(Sync("t1", SyncFailed{kBusy, 2, 6'000'000, 1}));
  EXPECT_EQ(t.remote_id, "TK1");
  EXPECT_EQ(t.attempts, 2u);
}

// The same when the attempt that learned it parks the trunk.
TEST_F(SyncLedgerTest, AParkedAttemptThatLearnedTheRemoteTrunkHoldsIt) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Sync("t1", SyncCreatePending{"twilio", "main", 1}));
  ASSERT_OK(Sync("t1", SyncParked{kRefused, 1, 1, "TK1", {{"urls", {{"main", "OU1"}}}}}));
  const TrunkSyncStatus& t = Status1();
  EXPECT_EQ(t.state(), SyncState::kParked);
  EXPECT_FALSE(t.create_pending);
  EXPECT_EQ(t.remote_id, "TK1");
  EXPECT_EQ(t.item_ids.at("urls").at("main"), "OU1");
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK1"), std::optional<std::string>("t1"));
}

TEST_F(SyncLedgerTest, StateNamesAreStable) {
  const std::pair<SyncState, const char*> names[] = {{SyncState::kPending, "pending"},
                                                     {SyncState::kSynced, "synced"},
                                                     {SyncState::kFailed, "failed"},
                                                     {SyncState::kParked, "parked"},
                                                     {SyncState::kDeleted, "deleted"}};
  for (const auto& [state, name] : names) EXPECT_STREQ(SyncStateName(state), name);
}

TEST_F(SyncLedgerTest, ADeletedTrunkNeverCreatedRemotelyNeedsNoWork) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Trunk("t1", domain::TrunkDeleted{}));
  EXPECT_EQ(Status1().state(), SyncState::kDeleted);
  EXPECT_FALSE(Status1().NeedsWork());
}

TEST_F(SyncLedgerTest, ADeletedTrunkWhoseCreateMayHaveLandedIsLookedUpFirst) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Sync("t1", SyncCreatePending{"twilio", "main", 1}));
  ASSERT_OK(Trunk("t1", domain::TrunkDeleted{}));
  EXPECT_TRUE(Status1().NeedsWork());
  EXPECT_EQ(Status1().state(), SyncState::kPending);
}

TEST_F(SyncLedgerTest, CreatePendingIsClearedByImportAndByRemoteDelete) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Sync("t1", SyncCreatePending{"twilio", "main", 1}));
  ASSERT_OK(Sync("t1", TrunkImported{"twilio", "main", "TK5", {}, {}, 1, 1}));
  EXPECT_FALSE(Status1().create_pending);
  EXPECT_EQ(Status1().state(), SyncState::kSynced);
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK5"), "t1");

  ASSERT_OK(Trunk("t1", domain::TrunkDeleted{}));
  ASSERT_OK(Sync("t1", SyncCreatePending{"twilio", "main", 2}));
  EXPECT_TRUE(Status1().create_pending);
  ASSERT_OK(Sync("t1", RemoteTrunkDeleted{"TK5", 2}));
  EXPECT_FALSE(Status1().create_pending);
  EXPECT_EQ(Status1().state(), SyncState::kDeleted);
}

TEST_F(SyncLedgerTest, HolderOfFollowsRemoteIdChanges) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Trunk("t2", domain::TrunkCreated{"twilio", "other", {}, {}}));
  ASSERT_OK(Sync("t1", TrunkSynced{"twilio", "main", "TK1", {}, {}, 1, 1, 1}));
  ASSERT_OK(Sync("t2", TrunkSynced{"twilio", "other", "TK1", {}, {}, 1, 2, 1}));
  // The same remote id in another account is another trunk.
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK1"), "t1");
  EXPECT_EQ(ledger_.HolderOf("twilio", "other", "TK1"), "t2");
  EXPECT_EQ(ledger_.HolderOf("plivo", "main", "TK1"), std::nullopt);

  // The provider's trunk was recreated under a new id.
  ASSERT_OK(Sync("t1", TrunkSynced{"twilio", "main", "TK2", {}, {}, 1, 1, 2}));
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK1"), std::nullopt);
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK2"), "t1");
  EXPECT_EQ(ledger_.HolderOf("twilio", "other", "TK1"), "t2");

  ASSERT_OK(Sync("t1", TrunkImported{"twilio", "main", "TK3", {}, {}, 1, 1}));
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK2"), std::nullopt);
  EXPECT_EQ(ledger_.HolderOf("twilio", "main", "TK3"), "t1");
}

TEST_F(SyncLedgerTest, RecordsOfOtherStreamsAreIgnored) {
  ASSERT_OK(Apply("accounts", 1, "Whatever", 9, "not msgpack"));
  ASSERT_OK(Apply("trunks-index", 1, "TrunkCreated", 1, "\xc1"));
  ASSERT_OK(Apply("synced-t1", 1, "TrunkSynced", 1, "\xc1"));
  EXPECT_TRUE(ledger_.trunks().empty());
  EXPECT_EQ(ledger_.position(), 3u);
  ASSERT_OK(Trunk("t1", kCreated));
  EXPECT_EQ(ledger_.trunks().size(), 1u);
}

TEST_F(SyncLedgerTest, APolicyAndDriftChangeNothingElse) {
  ASSERT_OK(Trunk("t1", kCreated));
  ASSERT_OK(Sync("t1", TrunkSynced{"twilio", "main", "TK1", {}, {}, 1, 1, 1}));
  ASSERT_OK(Sync("t1", SyncPolicySet{DriftPolicy::kReport}));
  ASSERT_OK(Sync("t1", SyncDriftDetected{{{"fields.friendly_name", "hq", "x"}}, false}));
  EXPECT_EQ(Status1().drift_policy, DriftPolicy::kReport);
  EXPECT_EQ(Status1().state(), SyncState::kSynced);
  EXPECT_EQ(Status1().last_sync_us, 4000);
}

TEST_F(SyncLedgerTest, UndecodableRecordsAreErrorsNamingTheirPosition) {
  EXPECT_THAT(Apply("sync-t1", 1, "TrunkSynced", 1, "\xc1"),
              StatusIs(StatusCode::kDataLoss, "position 1"));
  EXPECT_THAT(Apply("sync-t1", 2, "SyncTeleported", 1, ""),
              StatusIs(StatusCode::kFailedPrecondition, "position 2"));
  EXPECT_THAT(Apply("trunk-t1", 1, "TrunkCreated", 1, "\xc1"),
              StatusIs(StatusCode::kDataLoss, "position 3"));
}

// ---- against a real journal ----

class SyncLedgerJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    journal::RocksDbJournalOptions options;
    options.dir = dir_.Sub("journal");
    auto opened = journal::RocksDbJournal::Open(options);
    ASSERT_OK(opened);
    journal_ = std::move(*opened);
  }
  void Append(const std::string& stream, std::string type, uint32_t version, std::string payload) {
    journal::AppendRequest request;
    request.stream = stream;
    request.metadata = {"tester", "", "cmd-" + std::to_string(++commands_), ""};
    request.events = {{std::move(type), version, std::move(payload)}};
    ASSERT_OK(journal_->Append(request));
  }
  void Trunk(const std::string& id, const domain::Event& event) {
    const domain::EncodedEvent e = domain::EncodeEvent(event);
    Append("trunk-" + id, e.type, e.schema_version, e.payload);
  }
  void Sync(const std::string& id, const SyncEvent& event) {
    const EncodedSyncEvent e = EncodeSyncEvent(event);
    Append(SyncStreamOf(id), e.type, e.schema_version, e.payload);
  }

  testing::TempDir dir_;
  std::unique_ptr<journal::RocksDbJournal> journal_;
  int commands_ = 0;
};

TEST_F(SyncLedgerJournalTest, CatchUpFoldsOnlyWhatIsNew) {
  Trunk("t1", kCreated);
  Trunk("t2", domain::TrunkCreated{"plivo", "eu", {}, {}});
  Sync("t1", TrunkSynced{"twilio", "main", "TK1", {}, {}, 1, 1, 3});
  SyncLedger ledger;
  ASSERT_OK(ledger.CatchUp(*journal_));
  EXPECT_EQ(ledger.position(), 3u);
  EXPECT_EQ(ledger.Find("t1")->state(), SyncState::kSynced);
  EXPECT_EQ(ledger.Find("t2")->state(), SyncState::kPending);
  EXPECT_EQ(ledger.Find("t3"), nullptr);

  Sync("t2", SyncFailed{kBusy, 1, 9, 1});
  Trunk("t1", domain::TrunkDeleted{});
  ASSERT_OK(ledger.CatchUp(*journal_));
  EXPECT_EQ(ledger.position(), 5u);
  EXPECT_EQ(ledger.Find("t2")->state(), SyncState::kFailed);
  EXPECT_EQ(ledger.Find("t2")->attempts, 1u);  // folded once, not twice
  EXPECT_EQ(ledger.Find("t1")->state(), SyncState::kPending);
  EXPECT_TRUE(ledger.Find("t1")->deleted);
}

TEST_F(SyncLedgerJournalTest, CatchUpStopsAtARecordThatDoesNotDecode) {
  Trunk("t1", kCreated);
  Append("sync-t1", "TrunkSynced", 1, "\xc1");
  Sync("t1", SyncRetryRequested{});
  SyncLedger ledger;
  EXPECT_THAT(ledger.CatchUp(*journal_), StatusIs(StatusCode::kDataLoss, "position 2"));
}

TEST_F(SyncLedgerJournalTest, ReadTrunkSyncFoldsTheTrunksTwoStreamsOnly) {
  Trunk("t1", kCreated);
  Trunk("t2", domain::TrunkCreated{"twilio", "main", {}, {}});
  Sync("t2", TrunkSynced{"twilio", "main", "TK1", {}, {}, 1, 2, 1});
  Sync("t1", SyncFailed{kBusy, 1, 9, 1});
  Sync("t1", TrunkSynced{"twilio", "main", "TK2", {}, {}, 1, 1, 2});
  Trunk("t1", domain::TrunkUpdated{{{"friendly_name", std::string("x")}}, {}});

  Result<TrunkSync> read = ReadTrunkSync(*journal_, "t1");
  ASSERT_OK(read);
  EXPECT_EQ(read->status.id, "t1");
  EXPECT_EQ(read->status.remote_id, "TK2");
  EXPECT_EQ(read->status.desired_version, 2u);
  EXPECT_EQ(read->status.desired_position, 6u);
  EXPECT_EQ(read->status.state(), SyncState::kPending);
  ASSERT_EQ(read->records.size(), 2u);
  EXPECT_EQ(read->records[0].position, 4u);
  EXPECT_EQ(read->records[0].type, "SyncFailed");
  EXPECT_EQ(read->records[0].metadata.actor, "tester");
  EXPECT_TRUE(read->records[1].event ==
              SyncEvent(TrunkSynced{"twilio", "main", "TK2", {}, {}, 1, 1, 2}));
  EXPECT_THAT(ReadTrunkSync(*journal_, "t9"), StatusIs(StatusCode::kNotFound, "t9"));
}

}  // namespace
}  // namespace trunkline::sync
