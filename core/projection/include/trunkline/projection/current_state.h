// CurrentState: the current state of every trunk, folded from the journal and persisted with
// its checkpoint (the last position folded in), so that a restart resumes from the
// checkpoint instead of replaying the journal. The file format is in current_state.cc.
//
// Thread-safety: not thread-safe; the owner serialises access.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "trunkline/base/sha256.h"
#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/journal/journal.h"
#include "trunkline/projection/trunk_snapshots.h"

namespace trunkline::projection {

// Called after each event folded: events folded so far in this call, and how many in all the
// call has to fold. Returning false stops the fold there (cleanly: the checkpoint is the last
// event folded).
using Progress = std::function<bool(uint64_t done, uint64_t total)>;

using TrunkMap = std::map<std::string, domain::TrunkState>;

class CurrentState {
 public:
  // Loads the snapshot at `path`, or starts empty (checkpoint 0) when there is none.
  // kDataLoss when the snapshot is damaged; kFailedPrecondition when this build does not read
  // its format. Either way it is derived data: start Empty() and fold the journal again.
  static Result<std::unique_ptr<CurrentState>> Load(const std::string& path);
  // An empty projection (checkpoint 0) kept at `path`, whatever is there now.
  static std::unique_ptr<CurrentState> Empty(const std::string& path);

  // Folds every event after the checkpoint. `save_every` > 0 saves the snapshot after that
  // many events (so a long fold can be resumed). Errors of the read or of decoding an event
  // (naming its position) stop the fold at the last good event.
  Status CatchUp(const journal::Journal& journal, const Progress& progress = {},
                 uint64_t save_every = 0);

  // Folds the whole journal again from the start. Resumable: it saves every `save_every`
  // events, and a rebuild that was interrupted (or stopped by `progress`) continues from its
  // last save when called again.
  Status RebuildFrom(const journal::Journal& journal, const Progress& progress = {},
                     uint64_t save_every = 250'000);

  // Writes the snapshot atomically (temporary file, fsync, rename).
  Status Save() const;

  // Whether this projection was folded from `journal`, up to its checkpoint: the snapshot
  // records the journal's identity and the hash of the record at the checkpoint, which must
  // both match. kFailedPrecondition says how they differ (a projection from another journal,
  // one ahead of the journal, or one whose checkpoint record was replaced); the caller then
  // Reset()s it and folds again. Errors of reading the journal are passed on.
  Status CheckOrigin(const journal::Journal& journal) const;
  // Forgets every trunk: checkpoint 0, not rebuilding.
  void Reset();

  // Where folds also keep every trunk's periodic snapshots (for as-of reads); none if null.
  // A rebuild from scratch clears them.
  void set_trunk_snapshots(TrunkSnapshots* snapshots) { trunk_snapshots_ = snapshots; }
  // Called with each trunk just after an event of it is folded in (none if empty).
  void set_on_fold(std::function<void(const domain::TrunkState&)> on_fold) {
    on_fold_ = std::move(on_fold);
  }

  uint64_t checkpoint() const { return checkpoint_; }
  bool rebuilding() const { return rebuilding_; }
  // Every trunk ever created, deleted ones included, by id.
  const TrunkMap& trunks() const { return trunks_; }

 private:
  explicit CurrentState(std::string path) : path_(std::move(path)) {}
  Status Parse(std::string_view bytes);

  std::string path_;
  uint64_t checkpoint_ = 0;
  Sha256Digest checkpoint_hash_{};  // of the record at the checkpoint
  std::string journal_id_;          // the journal's Identity(); empty until a fold
  bool rebuilding_ = false;
  TrunkMap trunks_;
  TrunkSnapshots* trunk_snapshots_ = nullptr;
  std::function<void(const domain::TrunkState&)> on_fold_;
};

// The stream prefix of trunk streams ("trunk-"), and a trunk's stream.
inline constexpr char kTrunkStreamPrefix[] = "trunk-";
std::string StreamOf(const std::string& trunk_id);

// Folds one stored trunk event into `state`. Errors name the position.
Status FoldRecord(domain::TrunkState& state, const journal::RecordView& record);

// Folds stored events, in journal order, into a map of trunks by id; events of streams other
// than trunk streams are skipped.
class TrunkFolder {
 public:
  explicit TrunkFolder(TrunkMap& trunks) : trunks_(trunks) {}
  // The trunk's state after the record; nullptr for a record of another stream.
  Result<const domain::TrunkState*> Fold(const journal::RecordView& record);

 private:
  TrunkMap& trunks_;
  // A trunk's events mostly come in runs (one command, several events): the last trunk
  // folded spares a map lookup.
  domain::TrunkState* last_ = nullptr;
};

}  // namespace trunkline::projection
