// Sync outcomes: the events the sync worker journals about each trunk, on the stream
// "sync-<trunk id>" (never the trunk's own stream, so that a sync never moves the version a
// user's --expect-version names). An auditor reads them interleaved with the trunk's changes:
// when each change reached which provider, what failed and why, what drifted.
//
// Thread-safety: pure functions over values; safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trunkline/base/status.h"
#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::sync {

inline constexpr char kSyncStreamPrefix[] = "sync-";
std::string SyncStreamOf(std::string_view trunk_id);

using FieldValue = plugin_sdk::FieldValue;
using ItemIds = std::map<std::string, std::map<std::string, std::string>>;  // sub -> item -> remote

// A provider error as journaled: never a credential.
struct SyncErrorInfo {
  int32_t code = 0;  // trunkline's status numbering
  std::string message;
  std::string field;
  std::string provider_code;
  std::string provider_message;
  friend bool operator==(const SyncErrorInfo&, const SyncErrorInfo&) = default;
};

// A create request is about to be sent: if no answer is journaled after it, the trunk may
// exist remotely, and is looked up before any new create.
struct SyncCreatePending {
  std::string provider;
  std::string account;
  uint64_t desired_version = 0;
  friend bool operator==(const SyncCreatePending&, const SyncCreatePending&) = default;
};

// The remote trunk equals the registry's at desired_version.
struct TrunkSynced {
  std::string provider;
  std::string account;
  std::string remote_id;
  ItemIds item_ids;
  std::map<std::string, FieldValue> read_only;  // what only the provider sets
  uint64_t desired_version = 0;
  uint64_t desired_position = 0;  // the global position of that version's event
  uint32_t requests = 0;          // sent by the reconcile that reached it
  friend bool operator==(const TrunkSynced&, const TrunkSynced&) = default;
};

// A reconcile failed; it is tried again at next_try_us.
struct SyncFailed {
  SyncErrorInfo error;
  uint32_t attempt = 0;
  int64_t next_try_us = 0;
  uint64_t desired_version = 0;
  // What the attempt learned of the remote trunk before it failed (a create answered, a
  // lost create found, items made): its id and item ids, so that the next attempt starts
  // from them instead of looking the trunk up again. Empty: nothing learned.
  std::string remote_id;
  ItemIds item_ids;
  friend bool operator==(const SyncFailed&, const SyncFailed&) = default;
};

// Given up on until someone asks again (sync retry): a non-retryable error, or too many
// attempts.
struct SyncParked {
  SyncErrorInfo error;
  uint32_t attempts = 0;
  uint64_t desired_version = 0;
  // As in SyncFailed: what the last attempt learned of the remote trunk, for the attempt
  // after a retry is asked for.
  std::string remote_id;
  ItemIds item_ids;
  friend bool operator==(const SyncParked&, const SyncParked&) = default;
};

struct DriftChange {
  std::string path;  // as registry diffs name it: "fields.friendly_name", "recording.mode"
  std::optional<std::string> expected;
  std::optional<std::string> found;
  friend bool operator==(const DriftChange&, const DriftChange&) = default;
};

// The remote trunk differed from what the last sync left there.
struct SyncDriftDetected {
  std::vector<DriftChange> changes;
  bool corrected = false;  // false: the trunk's policy is to report only
  friend bool operator==(const SyncDriftDetected&, const SyncDriftDetected&) = default;
};

// The trunk was adopted from the provider: it existed there before the registry knew it.
struct TrunkImported {
  std::string provider;
  std::string account;
  std::string remote_id;
  ItemIds item_ids;
  std::map<std::string, FieldValue> read_only;
  uint64_t desired_version = 0;
  uint64_t desired_position = 0;
  friend bool operator==(const TrunkImported&, const TrunkImported&) = default;
};

// The registry's delete reached the provider.
struct RemoteTrunkDeleted {
  std::string remote_id;
  uint64_t desired_version = 0;
  friend bool operator==(const RemoteTrunkDeleted&, const RemoteTrunkDeleted&) = default;
};

// Someone asked for a parked or failing trunk to be tried again now.
struct SyncRetryRequested {
  friend bool operator==(const SyncRetryRequested&, const SyncRetryRequested&) = default;
};

enum class DriftPolicy { kCorrect, kReport };
const char* DriftPolicyName(DriftPolicy policy);
Result<DriftPolicy> ParseDriftPolicy(std::string_view text);

// What the worker does when the remote trunk drifted from the last sync.
struct SyncPolicySet {
  DriftPolicy drift = DriftPolicy::kCorrect;
  friend bool operator==(const SyncPolicySet&, const SyncPolicySet&) = default;
};

using SyncEvent =
    std::variant<SyncCreatePending, TrunkSynced, SyncFailed, SyncParked, SyncDriftDetected,
                 TrunkImported, RemoteTrunkDeleted, SyncRetryRequested, SyncPolicySet>;

struct EncodedSyncEvent {
  std::string type;
  uint32_t schema_version = 1;
  std::string payload;
};

EncodedSyncEvent EncodeSyncEvent(const SyncEvent& event);
// kFailedPrecondition: a type or schema version this build does not know; kDataLoss: the
// payload does not decode.
Result<SyncEvent> DecodeSyncEvent(std::string_view type, uint32_t schema_version,
                                  std::string_view payload);

// One line for history and logs, e.g. "synced to twilio (TK12...) at version 3".
std::string DescribeSyncEvent(const SyncEvent& event);

}  // namespace trunkline::sync
