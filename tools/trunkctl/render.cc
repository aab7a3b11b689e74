#include "render.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "sync_commands.h"
#include "trunkline/api/text.h"
#include "trunkline/base/overloaded.h"
#include "trunkline/domain/event_codec.h"

namespace trunkline::trunkctl {
namespace {

std::string Side(const std::optional<std::string>& value) {
  return value ? EscapeText(*value) : "-";
}

// `escaped` (EscapeText's output) padded with spaces to `width` terminal columns.
std::string Pad(std::string escaped, size_t width) {
  const size_t used = DisplayWidth(escaped);
  if (used < width) escaped.append(width - used, ' ');
  return escaped;
}

}  // namespace

void PrintTrunk(const domain::TrunkState& t, std::ostream& out) {
  out << "id        " << EscapeText(t.id) << "\nprovider  " << EscapeText(t.provider)
      << "\naccount   " << EscapeText(t.account) << "\nversion   " << t.version
      << (t.deleted ? " (deleted)" : "") << "\nupdated   " << FormatTime(t.updated_us) << "\n";
  domain::TrunkState empty;
  for (const auto& c : registry::Compare(empty, t)) {
    if (c.path == "provider" || c.path == "account") continue;
    out << "  " << Pad(EscapeText(c.path), 40) << " " << Side(c.after) << "\n";
  }
}

void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size());
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? Pad(row[i], widths[i] + 2) : row[i];
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  }
}

void PrintJson(const boost::json::value& value) { std::cout << SerializeJson(value) << "\n"; }

void PrintTrunkList(const std::vector<domain::TrunkState>& trunks, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "PROVIDER", "ACCOUNT", "VERSION", "NAME"});
  for (const auto& t : trunks) {
    std::string name;
    for (const char* key : {"friendly_name", "name"}) {
      if (auto it = t.fields.find(key); it != t.fields.end() && name.empty()) {
        name = domain::FieldValueToString(it->second);
      }
    }
    rows.push_back({EscapeText(t.id), EscapeText(t.provider), EscapeText(t.account),
                    std::to_string(t.version), EscapeText(name)});
  }
  PrintTable(rows, out);
}

void PrintHistory(const std::vector<registry::HistoryEntry>& history, std::ostream& out) {
  for (const auto& e : history) {
    out << "#" << e.version << " @" << e.position << " " << FormatTime(e.time_us) << " "
        << EscapeText(e.type) << " by " << EscapeText(e.metadata.actor) << " ("
        << EscapeText(e.metadata.reason) << ") command " << EscapeText(e.metadata.command_id)
        << "\n";
    for (const auto& c : e.changes) {
      out << "    " << EscapeText(c.path) << ": " << Side(c.before) << " -> " << Side(c.after)
          << "\n";
    }
  }
}

void PrintChanges(const std::vector<registry::FieldChange>& changes, std::ostream& out) {
  if (changes.empty()) out << "no changes\n";
  for (const auto& c : changes) {
    out << EscapeText(c.path) << ": " << Side(c.before) << " -> " << Side(c.after) << "\n";
  }
}

namespace {
std::string FieldLine(const domain::FieldSpec& f) {
  std::string line = f.name + "  " + FieldTypeName(f.type);
  if (!f.values.empty()) {
    line += " {";
    for (size_t i = 0; i < f.values.size(); ++i) line += (i ? "|" : "") + f.values[i];
    line += "}";
  }
  if (f.min || f.max) {
    line += " [" + (f.min ? std::to_string(*f.min) : "") + ".." +
            (f.max ? std::to_string(*f.max) : "") + "]";
  }
  if (f.max_length) line += " max " + std::to_string(f.max_length) + " chars";
  if (!f.pattern_rule.empty()) line += " (" + f.pattern_rule + ")";
  if (f.required_on_create) line += " required";
  if (f.read_only) line += " read-only";
  if (f.unique_per_account) line += " unique-per-account";
  if (f.default_value) line += " default " + *f.default_value;
  return line;
}
}  // namespace

void PrintSchema(const domain::Schema& schema, bool json, std::ostream& out) {
  if (json) {
    out << api::SerializeJson(api::SchemaJson(schema)) << "\n";
    return;
  }
  out << "provider " << EscapeText(schema.provider) << "\nfields:\n";
  for (const auto& f : schema.fields) out << "  " << EscapeText(FieldLine(f)) << "\n";
  for (const auto& s : schema.sub_resources) {
    out << SubResourceKindName(s.kind) << " " << EscapeText(s.name)
        << (s.id_rule.empty() ? "" : ": ids are " + EscapeText(s.id_rule)) << "\n";
    for (const auto& f : s.fields) out << "  " << EscapeText(FieldLine(f)) << "\n";
  }
  out << "cross-field rules are checked by the plugin on every change\n";
}

}  // namespace trunkline::trunkctl
