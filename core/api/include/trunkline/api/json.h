// The JSON shapes of trunkline's answers, one for each kind of thing: trunkctl's `-o json`
// and trunkd's API build them here, so that both give the same shape for the same thing.
// Values are built as stored; write them with SerializeJson (text.h), which keeps the output
// valid UTF-8 whatever they hold. Pure functions, safe for concurrent use.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "trunkline/domain/provider_schema.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/journal/journal.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/sync_ledger.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::api {

// "2026-11-22T14:00:00.123456Z"
std::string FormatTime(int64_t time_us);

// {"id", "provider", "account", "version", "deleted", "created", "updated", "fields",
//  "sub_resources"}
boost::json::object TrunkJson(const domain::TrunkState& trunk);
// {"position", "version", "time", "type", "actor", "reason", "command_id", "changes"}
boost::json::object HistoryJson(const registry::HistoryEntry& entry);
// {"path", "old", "new"}: each side typed (true, 42, "text", a list of ids) or null.
boost::json::object ChangeJson(const registry::FieldChange& change);
boost::json::object EventJson(const domain::Event& event);
// A stored record with its payload decoded ("payload"), or why it does not decode
// ("payload_error"): trunk events and sync outcomes alike.
boost::json::object RecordJson(const journal::Record& record);

const char* FieldTypeName(domain::FieldType type);
const char* SubResourceKindName(domain::SubResourceKind kind);
boost::json::object FieldJson(const domain::FieldSpec& field);
// {"provider", "fields", "sub_resources"}
boost::json::object SchemaJson(const domain::Schema& schema);

// Where a trunk stands with its provider.
boost::json::object SyncStatusJson(const sync::TrunkSyncStatus& status);
// A sync outcome (the payload of a record on a sync stream), with its description.
boost::json::object SyncEventJson(const sync::SyncEvent& event);
// A sync outcome in a trunk's history.
boost::json::object SyncRecordJson(const sync::SyncRecord& record);
// A trunk's history (HistoryJson) with its sync outcomes (SyncRecordJson) interleaved by
// position: when each change reached the provider.
boost::json::array TrunkHistoryJson(const std::vector<registry::HistoryEntry>& history,
                                    const sync::TrunkSync& synced);
// [{"id", "reads", "writes", "converged", "error"?}]: requests without a secret.
boost::json::array PlansJson(const std::vector<sync::TrunkPlan>& plans);
// {"imported", "already_held", "refused"}
boost::json::object ImportJson(const sync::SyncWorker::ImportReport& report);

}  // namespace trunkline::api
