// SyncLedger: where every trunk stands with its provider, folded from the journal: the
// trunk's own stream says what the registry wants (its version, whether it is deleted); its
// "sync-<id>" stream says what reached the provider (synced version, remote ids, errors,
// parking, a create whose answer never came).
//
// Thread-safety: not thread-safe; one owner folds and reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/status.h"
#include "trunkline/journal/journal.h"
#include "trunkline/sync/sync_events.h"

namespace trunkline::sync {

enum class SyncState {
  kPending,  // the registry is ahead of the provider; not tried yet, or retry requested
  kSynced,   // the provider holds the registry's latest version
  kFailed,   // the last attempt failed; it is tried again at next_try_us
  kParked,   // given up on until `sync retry`
  kDeleted,  // deleted in the registry and at the provider
};
const char* SyncStateName(SyncState state);
// "failed,parked": the states named, in order. kInvalidArgument for an empty list, an empty
// item or a name that is none of the states (the message is the rule).
Result<std::vector<SyncState>> ParseSyncStates(std::string_view text);

struct TrunkSyncStatus {
  std::string id;
  std::string provider;
  std::string account;
  uint64_t desired_version = 0;   // the trunk stream's head
  uint64_t desired_position = 0;  // the global position of that head
  bool deleted = false;           // in the registry
  uint64_t synced_version = 0;    // the last version the provider was seen to hold
  uint64_t synced_position = 0;
  std::string remote_id;
  ItemIds item_ids;
  std::map<std::string, FieldValue> read_only;
  bool create_pending = false;          // a create went out whose answer was never journaled
  uint64_t create_pending_version = 0;  // the registry version that create carried
  bool remote_deleted = false;
  uint32_t attempts = 0;  // failed attempts since the last success
  int64_t next_try_us = 0;
  bool parked = false;
  std::optional<SyncErrorInfo> last_error;
  DriftPolicy drift_policy = DriftPolicy::kCorrect;
  int64_t last_sync_us = 0;  // when the last outcome was journaled

  SyncState state() const;
  // The registry wants something the provider does not hold yet.
  bool NeedsWork() const;
};

class SyncLedger {
 public:
  // Folds one record of the journal (any stream; others are ignored). Records must come in
  // global order. kDataLoss / kFailedPrecondition when a trunk or sync event does not decode.
  Status Apply(const journal::RecordView& record);
  // Folds every record after the last applied one.
  Status CatchUp(const journal::Journal& journal);

  const TrunkSyncStatus* Find(const std::string& trunk_id) const;
  const std::map<std::string, TrunkSyncStatus>& trunks() const { return trunks_; }
  // The registry trunk whose synced remote id is `remote_id` for (provider, account), if any.
  std::optional<std::string> HolderOf(const std::string& provider, const std::string& account,
                                      const std::string& remote_id) const;
  uint64_t position() const { return position_; }

 private:
  TrunkSyncStatus& Trunk(std::string_view id);
  void Hold(TrunkSyncStatus& trunk, const std::string& remote_id);
  // A failed attempt that made or found the remote trunk (`remote_id` not empty): the trunk
  // holds it and its item ids from then on, and its create is no longer pending.
  void Learned(TrunkSyncStatus& trunk, const std::string& remote_id, const ItemIds& item_ids);
  std::map<std::string, TrunkSyncStatus> trunks_;
  std::map<std::string, std::string> holders_;  // provider/account/remote id -> trunk id
  uint64_t position_ = 0;
};

// One journaled sync outcome of a trunk, for history.
struct SyncRecord {
  uint64_t position = 0;
  int64_t time_us = 0;
  journal::Metadata metadata;
  std::string type;
  SyncEvent event;
};

struct TrunkSync {
  TrunkSyncStatus status;
  std::vector<SyncRecord> records;  // oldest first
};

// Where one trunk stands with its provider, from its two streams only (not a whole-journal
// fold). kNotFound when the trunk never existed; decoding errors as SyncLedger::Apply.
Result<TrunkSync> ReadTrunkSync(const journal::Journal& journal, const std::string& trunk_id);

}  // namespace trunkline::sync
