// How trunkctl shows results: JSON (-o json) or a plain table. Tables show every stored text
// escaped (text.h: one row per line, valid UTF-8); JSON values are built as stored and
// written with SerializeJson (text.h), which keeps the output valid UTF-8.
#pragma once

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "trunkline/api/json.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/journal/journal.h"
#include "trunkline/registry/registry.h"

namespace trunkline::trunkctl {

// The JSON shapes and safe text are trunkline's (core/api), shared with trunkd.
using namespace api;  // NOLINT(google-build-using-namespace)

// Each column as wide as its widest cell, two spaces apart; cells are never cut. Cells are
// already escaped (EscapeText).
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out);
// One JSON value on std::cout, as SerializeJson writes it, and a newline.
void PrintJson(const boost::json::value& value);

void PrintTrunk(const domain::TrunkState& trunk, std::ostream& out);
void PrintTrunkList(const std::vector<domain::TrunkState>& trunks, std::ostream& out);
void PrintHistory(const std::vector<registry::HistoryEntry>& history, std::ostream& out);
// A provider's schema: JSON, or one line per field.
void PrintSchema(const domain::Schema& schema, bool json, std::ostream& out);
void PrintChanges(const std::vector<registry::FieldChange>& changes, std::ostream& out);

}  // namespace trunkline::trunkctl
