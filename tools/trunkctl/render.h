// How trunkctl shows results: JSON (-o json) or a plain table. Every printer reads the JSON
// shapes of core/api (json.h), which the registry's answers are built into in embedded mode
// and which trunkd sends with --server: one way to print each thing, whichever way it came.
// Tables show every stored text escaped (text.h: one row per line, valid UTF-8); JSON values
// are written with SerializeJson (text.h), which keeps the output valid UTF-8.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/api/json.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/registry/registry.h"
#include "trunkline/sync/sync_events.h"

namespace trunkline::trunkctl {

// The JSON shapes and safe text are trunkline's (core/api), shared with trunkd.
using namespace api;  // NOLINT(google-build-using-namespace)

// Each column as wide as its widest cell, two spaces apart; cells are never cut. Cells are
// already escaped (EscapeText).
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out);
// One JSON value on std::cout, as SerializeJson writes it, and a newline.
void PrintJson(const boost::json::value& value);

// A trunk (TrunkJson): its id, provider, account, version, and one line per value.
void PrintTrunk(const boost::json::object& trunk, std::ostream& out);
// Trunks (TrunkJson each), one row each.
void PrintTrunkList(const boost::json::array& trunks, std::ostream& out);
// A trunk's history (TrunkHistoryJson): its changes and, between them, its sync outcomes.
void PrintHistory(const boost::json::array& history, std::ostream& out);
// Changed values (ChangeJson each).
void PrintChanges(const boost::json::array& changes, std::ostream& out);
// A provider's schema (SchemaJson): JSON, or one line per field.
void PrintSchema(const boost::json::object& schema, bool json, std::ostream& out);

// Members of an answer, read leniently: a missing or mistyped member reads as empty, 0 or
// false (a table shows what is there rather than failing).
std::string TextOf(const boost::json::object& object, std::string_view key);
uint64_t CountOf(const boost::json::object& object, std::string_view key);
bool FlagOf(const boost::json::object& object, std::string_view key);
const boost::json::object& ObjectOf(const boost::json::object& object, std::string_view key);
const boost::json::array& ArrayOf(const boost::json::object& object, std::string_view key);

// A field value as TrunkJson writes it (true, 42, "text").
domain::FieldValue FieldValueOf(const boost::json::value& value);
// The trunk a TrunkJson describes (its values; not its times).
domain::TrunkState TrunkOf(const boost::json::object& trunk);
// The schema a SchemaJson describes (what it shows: names, kinds, types and limits).
domain::Schema SchemaOf(const boost::json::object& schema);
// A provider error as SyncStatusJson writes it ({"code", "message", "field"?, ...}).
sync::SyncErrorInfo SyncErrorOf(const boost::json::object& error);
// The status code named "NOT_FOUND", "ABORTED", ...; kUnknown for a name it does not know.
StatusCode StatusCodeNamed(std::string_view name);

}  // namespace trunkline::trunkctl
