// The current-state projection: persisted with its checkpoint, resumed not replayed,
// rebuildable and resumable, equal to a full replay.
#include "trunkline/projection/current_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "trunkline/domain/event_codec.h"
#include "trunkline/journal/rocksdb_journal.h"

namespace trunkline::projection {
namespace {

using domain::FieldValues;

class CurrentStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "projection-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    journal::RocksDbJournalOptions options;
    options.dir = dir_ + "/journal";
    auto opened = journal::RocksDbJournal::Open(options);
    ASSERT_TRUE(opened.ok());
    journal_ = std::move(*opened);
  }
  void TearDown() override {
    journal_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Append(const std::string& id, const domain::Event& event) {
    const domain::EncodedEvent e = domain::EncodeEvent(event);
    journal::AppendRequest r;
    r.stream = StreamOf(id);
    r.metadata.command_id = "c" + std::to_string(++commands_);
    r.events.push_back({e.type, e.schema_version, e.payload});
    ASSERT_TRUE(journal_->Append(r).ok());
  }

  // A few trunks and a mix of every kind of event; `n` rounds.
  void Write(int n, std::mt19937& rng) {
    for (int i = 0; i < n; ++i) {
      const std::string id = "t" + std::to_string(rng() % 7);
      if (created_.insert(id).second) {
        Append(id, domain::TrunkCreated{"acme", "main", {{"name", id}}, {{"rec", {}}}});
        continue;
      }
      switch (rng() % 6) {
        case 0:
          Append(id, domain::TrunkUpdated{{{"n", int64_t(rng() % 100)}}, {}});
          break;
        case 1:
          Append(id, domain::TrunkUpdated{{{"flag", rng() % 2 == 0}}, {"n"}});
          break;
        case 2:
          Append(id,
                 domain::ItemAdded{"items", "i" + std::to_string(rng() % 3), {{"w", int64_t{1}}}});
          break;
        case 3:
          Append(id, domain::ItemRemoved{"items", "i" + std::to_string(rng() % 3)});
          break;
        case 4:
          Append(id, domain::Attached{"nums", std::to_string(rng() % 5)});
          break;
        default:
          Append(id, domain::SingletonUpdated{"rec", {{"level", "hi"}}, {}});
          break;
      }
    }
  }

  // The state of every trunk by folding the whole journal from scratch.
  std::map<std::string, domain::TrunkState> Replay() {
    auto fresh = CurrentState::Load(dir_ + "/replay-" + std::to_string(++replays_));
    EXPECT_TRUE(fresh.ok());
    EXPECT_TRUE((*fresh)->CatchUp(*journal_).ok());
    return (*fresh)->trunks();
  }

  std::string Snapshot() const { return dir_ + "/projections/current-state"; }

  std::string dir_;
  std::unique_ptr<journal::RocksDbJournal> journal_;
  std::set<std::string> created_;
  int commands_ = 0;
  int replays_ = 0;
};

TEST_F(CurrentStateTest, RestartResumesFromTheCheckpointInsteadOfReplaying) {
  std::mt19937 rng(7);
  Write(200, rng);
  {
    auto state = CurrentState::Load(Snapshot());
    ASSERT_TRUE(state.ok());
    EXPECT_EQ((*state)->checkpoint(), 0u);
    ASSERT_TRUE((*state)->CatchUp(*journal_).ok());
    EXPECT_EQ((*state)->checkpoint(), 200u);
    ASSERT_TRUE((*state)->Save().ok());
  }
  Write(30, rng);
  auto state = CurrentState::Load(Snapshot());
  ASSERT_TRUE(state.ok());
  EXPECT_EQ((*state)->checkpoint(), 200u);
  uint64_t folded = 0;
  ASSERT_TRUE((*state)
                  ->CatchUp(*journal_,
                            [&](uint64_t done, uint64_t total) {
                              folded = done;
                              EXPECT_EQ(total, 30u);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(folded, 30u);  // only the new events, not the 200 before
  EXPECT_EQ((*state)->checkpoint(), 230u);
  EXPECT_EQ((*state)->trunks(), Replay());
}

TEST_F(CurrentStateTest, EqualsAFullReplayAcrossRandomRestarts) {
  const unsigned seed = std::random_device()();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 8; ++round) {
    Write(static_cast<int>(rng() % 60), rng);
    auto state = CurrentState::Load(Snapshot());
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    ASSERT_TRUE((*state)->CatchUp(*journal_).ok());
    ASSERT_EQ((*state)->trunks(), Replay()) << "round " << round;
    if (rng() % 2 == 0) {
      ASSERT_TRUE((*state)->Save().ok());
    }
  }
}

TEST_F(CurrentStateTest, ALongFoldReadsAheadAndEqualsAPlainFold) {
  // Over 16,384 events (the read-ahead threshold), in batches; a few events of another
  // stream, and one payload larger than a read-ahead chunk.
  std::mt19937 rng(3);
  auto append = [&](const std::string& stream, const std::vector<domain::Event>& events) {
    journal::AppendRequest r;
    r.stream = stream;
    r.metadata.command_id = "c" + std::to_string(++commands_);
    for (const domain::Event& event : events) {
      const domain::EncodedEvent e = domain::EncodeEvent(event);
      r.events.push_back({e.type, e.schema_version, e.payload});
    }
    ASSERT_TRUE(journal_->Append(r).ok());
  };
  for (int t = 0; t < 10; ++t) {
    append(StreamOf("t" + std::to_string(t)), {domain::TrunkCreated{"acme", "main", {}, {}}});
  }
  for (int batch = 0; batch < 200; ++batch) {
    std::vector<domain::Event> events;
    for (int i = 0; i < 100; ++i) {
      events.push_back(domain::TrunkUpdated{{{"n", int64_t(rng() % 1000)}}, {}});
    }
    if (batch == 100)
      events.push_back(domain::TrunkUpdated{{{"big", std::string(3 << 20, 'x')}}, {}});
    append(StreamOf("t" + std::to_string(rng() % 10)), events);
    if (batch % 50 == 0) append("other-stream", {domain::TrunkDeleted{}});
  }
  const uint64_t last = journal_->LastPosition();
  ASSERT_GT(last, 20'000u);

  TrunkMap expected;
  TrunkFolder folder(expected);
  ASSERT_TRUE(journal_
                  ->Scan(1,
                         [&](const journal::RecordView& r) {
                           EXPECT_TRUE(folder.Fold(r).ok());
                           return true;
                         })
                  .ok());

  auto state = CurrentState::Load(Snapshot());
  ASSERT_TRUE(state.ok());
  // Stopped part way, it stops exactly there...
  ASSERT_TRUE(
      (*state)->CatchUp(*journal_, [](uint64_t done, uint64_t) { return done < 12'345; }).ok());
  EXPECT_EQ((*state)->checkpoint(), 12'345u);
  // ...and goes on from there.
  ASSERT_TRUE((*state)->CatchUp(*journal_).ok());
  EXPECT_EQ((*state)->checkpoint(), last);
  EXPECT_EQ((*state)->trunks(), expected);
}

TEST_F(CurrentStateTest, DamagedSnapshotIsRefusedAndRebuildRepairsIt) {
  std::mt19937 rng(3);
  Write(50, rng);
  {
    auto state = CurrentState::Load(Snapshot());
    ASSERT_TRUE((*state)->CatchUp(*journal_).ok());
    ASSERT_TRUE((*state)->Save().ok());
  }
  {
    std::fstream f(Snapshot(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);
    f.put('#');
  }
  auto damaged = CurrentState::Load(Snapshot());
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(damaged.status().message(), ::testing::HasSubstr("cannot be used"));
  std::filesystem::remove(Snapshot());
  auto rebuilt = CurrentState::Load(Snapshot());
  ASSERT_TRUE((*rebuilt)->RebuildFrom(*journal_).ok());
  EXPECT_EQ((*rebuilt)->trunks(), Replay());
  EXPECT_TRUE(CurrentState::Load(Snapshot()).ok());
}

TEST_F(CurrentStateTest, AnInterruptedRebuildResumesWhereItLastSaved) {
  std::mt19937 rng(11);
  Write(100, rng);
  {
    auto state = CurrentState::Load(Snapshot());
    ASSERT_TRUE((*state)
                    ->RebuildFrom(
                        *journal_, [](uint64_t done, uint64_t) { return done < 45; }, 20)
                    .ok());
  }
  auto resumed = CurrentState::Load(Snapshot());
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE((*resumed)->rebuilding());
  EXPECT_EQ((*resumed)->checkpoint(), 40u);  // the last save before the stop
  uint64_t folded = 0;
  ASSERT_TRUE((*resumed)
                  ->RebuildFrom(*journal_,
                                [&](uint64_t done, uint64_t) {
                                  folded = done;
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(folded, 60u);
  EXPECT_FALSE((*resumed)->rebuilding());
  EXPECT_EQ((*resumed)->trunks(), Replay());
}

}  // namespace
}  // namespace trunkline::projection
