#include "trunkline/sync/sync_ledger.h"

#include <algorithm>
#include <limits>

#include "trunkline/base/overloaded.h"
#include "trunkline/domain/event_codec.h"
#include "trunkline/projection/current_state.h"

namespace trunkline::sync {
namespace {

std::string HolderKey(const std::string& provider, const std::string& account,
                      const std::string& remote_id) {
  return provider + '\n' + account + '\n' + remote_id;
}

// Folds what reached the provider into `t`.
void Reached(TrunkSyncStatus& t, uint64_t version, uint64_t position) {
  t.synced_version = version;
  t.synced_position = position;
  t.create_pending = false;
  t.attempts = 0;
  t.next_try_us = 0;
  t.parked = false;
  t.last_error.reset();
}

}  // namespace

const char* SyncStateName(SyncState state) {
  switch (state) {
    case SyncState::kPending:
      return "pending";
    case SyncState::kSynced:
      return "synced";
    case SyncState::kFailed:
      return "failed";
    case SyncState::kParked:
      return "parked";
    case SyncState::kDeleted:
      return "deleted";
  }
  return "pending";
}

Result<std::vector<SyncState>> ParseSyncStates(std::string_view text) {
  constexpr SyncState kAll[] = {SyncState::kPending, SyncState::kSynced, SyncState::kFailed,
                                SyncState::kParked, SyncState::kDeleted};
  std::vector<SyncState> states;
  for (;;) {
    const size_t comma = text.find(',');
    const std::string_view name = text.substr(0, comma);
    const auto* known = std::find_if(std::begin(kAll), std::end(kAll),
                                     [&](SyncState s) { return SyncStateName(s) == name; });
    if (known == std::end(kAll)) {
      return InvalidArgumentError(
          "must be a comma-separated list of pending, synced, failed, parked and deleted");
    }
    states.push_back(*known);
    if (comma == std::string_view::npos) return states;
    text.remove_prefix(comma + 1);
  }
}

SyncState TrunkSyncStatus::state() const {
  if (parked) return SyncState::kParked;
  if (deleted && (remote_deleted || (remote_id.empty() && !create_pending))) {
    return SyncState::kDeleted;
  }
  if (!NeedsWork()) return SyncState::kSynced;
  return last_error && attempts > 0 ? SyncState::kFailed : SyncState::kPending;
}

bool TrunkSyncStatus::NeedsWork() const {
  if (deleted) return !remote_deleted && (!remote_id.empty() || create_pending);
  return synced_version < desired_version;
}

TrunkSyncStatus& SyncLedger::Trunk(std::string_view id) {
  auto [it, added] = trunks_.try_emplace(std::string(id));
  if (added) it->second.id = it->first;
  return it->second;
}

void SyncLedger::Hold(TrunkSyncStatus& t, const std::string& remote_id) {
  if (!t.remote_id.empty()) holders_.erase(HolderKey(t.provider, t.account, t.remote_id));
  t.remote_id = remote_id;
  if (!remote_id.empty()) holders_[HolderKey(t.provider, t.account, remote_id)] = t.id;
}

void SyncLedger::Learned(TrunkSyncStatus& t, const std::string& remote_id,
                         const ItemIds& item_ids) {
  if (remote_id.empty()) return;
  Hold(t, remote_id);
  t.item_ids = item_ids;
  t.create_pending = false;
}

Status SyncLedger::Apply(const journal::RecordView& r) {
  position_ = r.position;
  const std::string_view trunk_prefix = projection::kTrunkStreamPrefix;
  if (r.stream.starts_with(trunk_prefix)) {
    TrunkSyncStatus& t = Trunk(r.stream.substr(trunk_prefix.size()));
    t.desired_version = r.version;
    t.desired_position = r.position;
    if (r.type == "TrunkCreated") {
      Result<domain::Event> event = domain::DecodeEvent(r.type, r.schema_version, r.payload);
      if (!event.ok()) return event.status().WithContext("position " + std::to_string(r.position));
      const auto& created = std::get<domain::TrunkCreated>(*event);
      t.provider = created.provider;
      t.account = created.account;
    } else if (r.type == "TrunkDeleted") {
      t.deleted = true;
    }
    return OkStatus();
  }
  const std::string_view sync_prefix = kSyncStreamPrefix;
  if (!r.stream.starts_with(sync_prefix)) return OkStatus();
  Result<SyncEvent> event = DecodeSyncEvent(r.type, r.schema_version, r.payload);
  if (!event.ok()) return event.status().WithContext("position " + std::to_string(r.position));
  TrunkSyncStatus& t = Trunk(r.stream.substr(sync_prefix.size()));
  t.last_sync_us = r.timestamp_us;
  std::visit(Overloaded{
                 [&](const SyncCreatePending& e) {
                   t.create_pending = true;
                   t.create_pending_version = e.desired_version;
                 },
                 [&](const TrunkSynced& e) {
                   Hold(t, e.remote_id);
                   t.item_ids = e.item_ids;
                   t.read_only = e.read_only;
                   Reached(t, e.desired_version, e.desired_position);
                 },
                 [&](const TrunkImported& e) {
                   Hold(t, e.remote_id);
                   t.item_ids = e.item_ids;
                   t.read_only = e.read_only;
                   Reached(t, e.desired_version, e.desired_position);
                 },
                 [&](const SyncFailed& e) {
                   t.attempts = e.attempt;
                   t.next_try_us = e.next_try_us;
                   t.last_error = e.error;
                   Learned(t, e.remote_id, e.item_ids);
                 },
                 [&](const SyncParked& e) {
                   t.attempts = e.attempts;
                   t.parked = true;
                   t.last_error = e.error;
                   Learned(t, e.remote_id, e.item_ids);
                 },
                 [&](const SyncDriftDetected&) {},
                 [&](const RemoteTrunkDeleted& e) {
                   Hold(t, "");
                   t.item_ids.clear();
                   t.remote_deleted = true;
                   Reached(t, e.desired_version, t.desired_position);
                 },
                 [&](const SyncRetryRequested&) {
                   t.parked = false;
                   t.attempts = 0;
                   t.next_try_us = 0;
                 },
                 [&](const SyncPolicySet& e) { t.drift_policy = e.drift; },
             },
             *event);
  return OkStatus();
}

Status SyncLedger::CatchUp(const journal::Journal& journal) {
  Status folded = OkStatus();
  TRUNKLINE_RETURN_IF_ERROR(journal.Scan(position_ + 1, [&](const journal::RecordView& r) {
    folded = Apply(r);
    return folded.ok();
  }));
  return folded;
}

const TrunkSyncStatus* SyncLedger::Find(const std::string& trunk_id) const {
  auto it = trunks_.find(trunk_id);
  return it == trunks_.end() ? nullptr : &it->second;
}

std::optional<std::string> SyncLedger::HolderOf(const std::string& provider,
                                                const std::string& account,
                                                const std::string& remote_id) const {
  auto it = holders_.find(HolderKey(provider, account, remote_id));
  if (it == holders_.end()) return std::nullopt;
  return it->second;
}

Result<TrunkSync> ReadTrunkSync(const journal::Journal& journal, const std::string& trunk_id) {
  constexpr size_t kAll = std::numeric_limits<size_t>::max();
  TRUNKLINE_ASSIGN_OR_RETURN(
      std::vector<journal::Record> trunk,
      journal.ReadStream(projection::kTrunkStreamPrefix + trunk_id, 1, kAll));
  if (trunk.empty()) return NotFoundError("trunk " + trunk_id + " does not exist");
  TRUNKLINE_ASSIGN_OR_RETURN(std::vector<journal::Record> outcomes,
                             journal.ReadStream(SyncStreamOf(trunk_id), 1, kAll));
  // Both streams, in global order, through one ledger.
  std::vector<const journal::Record*> all;
  for (const journal::Record& r : trunk) all.push_back(&r);
  for (const journal::Record& r : outcomes) all.push_back(&r);
  std::sort(all.begin(), all.end(), [](const journal::Record* a, const journal::Record* b) {
    return a->position < b->position;
  });
  SyncLedger ledger;
  for (const journal::Record* r : all)
    TRUNKLINE_RETURN_IF_ERROR(ledger.Apply(journal::RecordView::Of(*r)));
  TrunkSync out;
  out.status = *ledger.Find(trunk_id);
  for (const journal::Record& r : outcomes) {
    TRUNKLINE_ASSIGN_OR_RETURN(SyncEvent event,
                               DecodeSyncEvent(r.type, r.schema_version, r.payload));
    out.records.push_back({r.position, r.timestamp_us, r.metadata, r.type, std::move(event)});
  }
  return out;
}

}  // namespace trunkline::sync
