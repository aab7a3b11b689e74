#include "render.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "sync_commands.h"
#include "text.h"
#include "trunkline/base/overloaded.h"
#include "trunkline/domain/event_codec.h"

namespace trunkline::trunkctl {
namespace {

boost::json::value ValueJson(const domain::FieldValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b;
  if (const int64_t* n = std::get_if<int64_t>(&value)) return *n;
  return boost::json::string(std::get<std::string>(value));
}

boost::json::object ValuesJson(const domain::FieldValues& values) {
  boost::json::object out;
  for (const auto& [name, value] : values) out[name] = ValueJson(value);
  return out;
}

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

std::string FormatTime(int64_t time_us) {
  const std::time_t seconds = static_cast<std::time_t>(time_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(time_us % 1'000'000));
  return buf;
}

boost::json::object TrunkJson(const domain::TrunkState& t) {
  boost::json::object out;
  out["id"] = t.id;
  out["provider"] = t.provider;
  out["account"] = t.account;
  out["version"] = t.version;
  out["deleted"] = t.deleted;
  out["created"] = FormatTime(t.created_us);
  out["updated"] = FormatTime(t.updated_us);
  out["fields"] = ValuesJson(t.fields);
  boost::json::object subs;
  for (const auto& [name, values] : t.singletons) subs[name] = ValuesJson(values);
  for (const auto& [name, items] : t.collections) {
    boost::json::object coll;
    for (const auto& [id, values] : items) coll[id] = ValuesJson(values);
    subs[name] = std::move(coll);
  }
  for (const auto& [name, ids] : t.attachments) {
    boost::json::array list;
    for (const std::string& id : ids) list.emplace_back(id);
    subs[name] = std::move(list);
  }
  out["sub_resources"] = std::move(subs);
  return out;
}

boost::json::object ChangeJson(const registry::FieldChange& c) {
  // Each side keeps its type: true, 42, "text", or a list of ids.
  const auto side = [](const std::optional<registry::ChangeValue>& v) -> boost::json::value {
    if (!v) return nullptr;
    return std::visit([](const auto& x) { return boost::json::value_from(x); }, *v);
  };
  boost::json::object out;
  out["path"] = c.path;
  out["old"] = side(c.before_value);
  out["new"] = side(c.after_value);
  return out;
}

boost::json::object HistoryJson(const registry::HistoryEntry& e) {
  boost::json::object out;
  out["position"] = e.position;
  out["version"] = e.version;
  out["time"] = FormatTime(e.time_us);
  out["type"] = e.type;
  out["actor"] = e.metadata.actor;
  out["reason"] = e.metadata.reason;
  out["command_id"] = e.metadata.command_id;
  boost::json::array changes;
  for (const auto& c : e.changes) changes.push_back(ChangeJson(c));
  out["changes"] = std::move(changes);
  return out;
}

namespace {

boost::json::array NamesJson(const std::vector<std::string>& names) {
  boost::json::array out;
  for (const auto& n : names) out.emplace_back(n);
  return out;
}
}  // namespace

boost::json::object EventJson(const domain::Event& event) {
  using boost::json::object;
  return std::visit(Overloaded{
                        [](const domain::TrunkCreated& e) {
                          object singletons;
                          for (const auto& [name, values] : e.singletons)
                            singletons[name] = ValuesJson(values);
                          return object{{"provider", e.provider},
                                        {"account", e.account},
                                        {"fields", ValuesJson(e.fields)},
                                        {"singletons", singletons}};
                        },
                        [](const domain::TrunkUpdated& e) {
                          return object{{"set", ValuesJson(e.set)}, {"unset", NamesJson(e.unset)}};
                        },
                        [](const domain::TrunkDeleted&) { return object{}; },
                        [](const domain::ItemAdded& e) {
                          return object{{"sub_resource", e.sub_resource},
                                        {"item_id", e.item_id},
                                        {"fields", ValuesJson(e.fields)}};
                        },
                        [](const domain::ItemUpdated& e) {
                          return object{{"sub_resource", e.sub_resource},
                                        {"item_id", e.item_id},
                                        {"set", ValuesJson(e.set)},
                                        {"unset", NamesJson(e.unset)}};
                        },
                        [](const domain::ItemRemoved& e) {
                          return object{{"sub_resource", e.sub_resource}, {"item_id", e.item_id}};
                        },
                        [](const domain::SingletonUpdated& e) {
                          return object{{"sub_resource", e.sub_resource},
                                        {"set", ValuesJson(e.set)},
                                        {"unset", NamesJson(e.unset)}};
                        },
                        [](const domain::Attached& e) {
                          return object{{"sub_resource", e.sub_resource}, {"id", e.id}};
                        },
                        [](const domain::Detached& e) {
                          return object{{"sub_resource", e.sub_resource}, {"id", e.id}};
                        },
                    },
                    event);
}

boost::json::object RecordJson(const journal::Record& r) {
  boost::json::object out;
  out["position"] = r.position;
  out["stream"] = r.stream;
  out["version"] = r.version;
  out["type"] = r.type;
  out["schema_version"] = r.schema_version;
  out["time"] = FormatTime(r.timestamp_us);
  out["actor"] = r.metadata.actor;
  out["reason"] = r.metadata.reason;
  out["command_id"] = r.metadata.command_id;
  out["correlation_id"] = r.metadata.correlation_id;
  out["hash"] = ToHex(r.hash);
  if (r.stream.starts_with(sync::kSyncStreamPrefix)) {
    Result<sync::SyncEvent> event = sync::DecodeSyncEvent(r.type, r.schema_version, r.payload);
    if (event.ok()) {
      out["payload"] = SyncEventJson(*event);
    } else {
      out["payload_error"] = event.status().ToString();
    }
    return out;
  }
  Result<domain::Event> event = domain::DecodeEvent(r.type, r.schema_version, r.payload);
  if (event.ok()) {
    out["payload"] = EventJson(*event);
  } else {
    out["payload_error"] = event.status().ToString();
  }
  return out;
}

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
const char* TypeName(domain::FieldType t) {
  switch (t) {
    case domain::FieldType::kBool:
      return "bool";
    case domain::FieldType::kInt:
      return "int";
    case domain::FieldType::kEnum:
      return "enum";
    case domain::FieldType::kString:
      return "string";
  }
  return "string";
}

const char* KindName(domain::SubResourceKind k) {
  switch (k) {
    case domain::SubResourceKind::kCollection:
      return "collection";
    case domain::SubResourceKind::kSingleton:
      return "singleton";
    case domain::SubResourceKind::kAttachments:
      return "attachments";
  }
  return "collection";
}

boost::json::object FieldJson(const domain::FieldSpec& f) {
  boost::json::object out{{"name", f.name}, {"type", TypeName(f.type)}};
  if (f.required_on_create) out["required_on_create"] = true;
  if (f.read_only) out["read_only"] = true;
  if (f.unique_per_account) out["unique_per_account"] = true;
  if (f.default_value) out["default"] = *f.default_value;
  if (f.max_length) out["max_length"] = f.max_length;
  if (!f.pattern_rule.empty()) out["rule"] = f.pattern_rule;
  if (!f.values.empty()) out["values"] = boost::json::value_from(f.values);
  if (f.min) out["min"] = *f.min;
  if (f.max) out["max"] = *f.max;
  return out;
}

std::string FieldLine(const domain::FieldSpec& f) {
  std::string line = f.name + "  " + TypeName(f.type);
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
    boost::json::array fields;
    for (const auto& f : schema.fields) fields.push_back(FieldJson(f));
    boost::json::array subs;
    for (const auto& s : schema.sub_resources) {
      boost::json::array sub_fields;
      for (const auto& f : s.fields) sub_fields.push_back(FieldJson(f));
      boost::json::object sub{{"name", s.name}, {"kind", KindName(s.kind)}, {"fields", sub_fields}};
      if (!s.id_rule.empty()) sub["id_rule"] = s.id_rule;
      subs.push_back(std::move(sub));
    }
    out << SerializeJson(boost::json::object{
               {"provider", schema.provider}, {"fields", fields}, {"sub_resources", subs}})
        << "\n";
    return;
  }
  out << "provider " << EscapeText(schema.provider) << "\nfields:\n";
  for (const auto& f : schema.fields) out << "  " << EscapeText(FieldLine(f)) << "\n";
  for (const auto& s : schema.sub_resources) {
    out << KindName(s.kind) << " " << EscapeText(s.name)
        << (s.id_rule.empty() ? "" : ": ids are " + EscapeText(s.id_rule)) << "\n";
    for (const auto& f : s.fields) out << "  " << EscapeText(FieldLine(f)) << "\n";
  }
  out << "cross-field rules are checked by the plugin on every change\n";
}

}  // namespace trunkline::trunkctl
