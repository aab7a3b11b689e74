#include "render.h"

#include <algorithm>
#include <iostream>

#include "sync_commands.h"
#include "trunkline/api/text.h"

namespace trunkline::trunkctl {
namespace {

namespace json = boost::json;

// `escaped` (EscapeText's output) padded with spaces to `width` terminal columns.
std::string Pad(std::string escaped, size_t width) {
  const size_t used = DisplayWidth(escaped);
  if (used < width) escaped.append(width - used, ' ');
  return escaped;
}

std::string Side(const std::optional<std::string>& value) {
  return value ? EscapeText(*value) : "-";
}

// One side of a ChangeJson: a typed value as its text (ChangeValueToString), or "-".
std::string Side(const json::value* value) {
  if (value == nullptr || value->is_null()) return "-";
  registry::ChangeValue typed;
  if (value->is_array()) {
    std::vector<std::string> ids;
    for (const json::value& id : value->as_array()) {
      ids.push_back(id.is_string() ? std::string(id.as_string()) : json::serialize(id));
    }
    typed = std::move(ids);
  } else {
    std::visit([&](auto&& v) { typed = std::move(v); }, FieldValueOf(*value));
  }
  return EscapeText(registry::ChangeValueToString(typed));
}

domain::FieldValues ValuesOf(const json::object& values) {
  domain::FieldValues out;
  for (const auto& [name, value] : values) out[std::string(name)] = FieldValueOf(value);
  return out;
}

std::vector<std::string> TextsOf(const json::array& texts) {
  std::vector<std::string> out;
  for (const json::value& t : texts) {
    if (t.is_string()) out.emplace_back(t.as_string());
  }
  return out;
}

domain::FieldSpec FieldSpecOf(const json::object& f) {
  domain::FieldSpec spec;
  spec.name = TextOf(f, "name");
  const std::string type = TextOf(f, "type");
  for (domain::FieldType t : {domain::FieldType::kString, domain::FieldType::kBool,
                              domain::FieldType::kInt, domain::FieldType::kEnum}) {
    if (type == FieldTypeName(t)) spec.type = t;
  }
  spec.required_on_create = FlagOf(f, "required_on_create");
  spec.read_only = FlagOf(f, "read_only");
  spec.unique_per_account = FlagOf(f, "unique_per_account");
  if (f.contains("default")) spec.default_value = TextOf(f, "default");
  spec.max_length = static_cast<uint32_t>(CountOf(f, "max_length"));
  spec.pattern_rule = TextOf(f, "rule");
  spec.values = TextsOf(ArrayOf(f, "values"));
  for (auto [key, bound] : {std::pair{"min", &spec.min}, std::pair{"max", &spec.max}}) {
    const json::value* v = f.if_contains(key);
    if (v != nullptr && v->is_int64()) *bound = v->as_int64();
    if (v != nullptr && v->is_uint64()) *bound = static_cast<int64_t>(v->as_uint64());
  }
  return spec;
}

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

std::string TextOf(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

uint64_t CountOf(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

bool FlagOf(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

const json::object& ObjectOf(const json::object& object, std::string_view key) {
  static const json::object kEmpty;
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : kEmpty;
}

const json::array& ArrayOf(const json::object& object, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

domain::FieldValue FieldValueOf(const json::value& value) {
  if (value.is_bool()) return value.as_bool();
  if (value.is_int64()) return value.as_int64();
  if (value.is_uint64()) return static_cast<int64_t>(value.as_uint64());
  if (value.is_string()) return std::string(value.as_string());
  return json::serialize(value);
}

domain::TrunkState TrunkOf(const json::object& t) {
  domain::TrunkState state;
  state.id = TextOf(t, "id");
  state.provider = TextOf(t, "provider");
  state.account = TextOf(t, "account");
  state.version = CountOf(t, "version");
  state.deleted = FlagOf(t, "deleted");
  state.fields = ValuesOf(ObjectOf(t, "fields"));
  // A sub-resource's kind shows in its shape: a list of ids (attachments), an object of
  // objects (a collection's items) or an object of values (a singleton). An empty one shows
  // no value either way.
  for (const auto& [key, sub] : ObjectOf(t, "sub_resources")) {
    const std::string name(key);
    if (sub.is_array()) {
      const std::vector<std::string> ids = TextsOf(sub.as_array());
      state.attachments[name] = std::set<std::string>(ids.begin(), ids.end());
      continue;
    }
    if (!sub.is_object()) continue;
    const json::object& members = sub.as_object();
    const bool items = std::any_of(members.begin(), members.end(),
                                   [](const auto& member) { return member.value().is_object(); });
    if (!items) {
      state.singletons[name] = ValuesOf(members);
      continue;
    }
    auto& collection = state.collections[name];
    for (const auto& [id, item] : members) {
      if (item.is_object()) collection[std::string(id)] = ValuesOf(item.as_object());
    }
  }
  return state;
}

domain::Schema SchemaOf(const json::object& schema) {
  domain::Schema out;
  out.provider = TextOf(schema, "provider");
  for (const json::value& f : ArrayOf(schema, "fields")) {
    if (f.is_object()) out.fields.push_back(FieldSpecOf(f.as_object()));
  }
  for (const json::value& s : ArrayOf(schema, "sub_resources")) {
    if (!s.is_object()) continue;
    const json::object& sub = s.as_object();
    domain::SubResourceSpec spec;
    spec.name = TextOf(sub, "name");
    const std::string kind = TextOf(sub, "kind");
    for (domain::SubResourceKind k :
         {domain::SubResourceKind::kCollection, domain::SubResourceKind::kSingleton,
          domain::SubResourceKind::kAttachments}) {
      if (kind == SubResourceKindName(k)) spec.kind = k;
    }
    for (const json::value& f : ArrayOf(sub, "fields")) {
      if (f.is_object()) spec.fields.push_back(FieldSpecOf(f.as_object()));
    }
    spec.id_rule = TextOf(sub, "id_rule");
    out.sub_resources.push_back(std::move(spec));
  }
  return out;
}

StatusCode StatusCodeNamed(std::string_view name) {
  for (int code = 0; code <= static_cast<int>(StatusCode::kUnauthenticated); ++code) {
    if (StatusCodeName(static_cast<StatusCode>(code)) == name) return static_cast<StatusCode>(code);
  }
  return StatusCode::kUnknown;
}

sync::SyncErrorInfo SyncErrorOf(const json::object& error) {
  sync::SyncErrorInfo info;
  info.code = static_cast<int32_t>(StatusCodeNamed(TextOf(error, "code")));
  info.message = TextOf(error, "message");
  info.field = TextOf(error, "field");
  info.provider_code = TextOf(error, "provider_code");
  info.provider_message = TextOf(error, "provider_message");
  return info;
}

void PrintTrunk(const json::object& t, std::ostream& out) {
  out << "id        " << EscapeText(TextOf(t, "id")) << "\nprovider  "
      << EscapeText(TextOf(t, "provider")) << "\naccount   " << EscapeText(TextOf(t, "account"))
      << "\nversion   " << CountOf(t, "version") << (FlagOf(t, "deleted") ? " (deleted)" : "")
      << "\nupdated   " << EscapeText(TextOf(t, "updated")) << "\n";
  domain::TrunkState empty;
  for (const auto& c : registry::Compare(empty, TrunkOf(t))) {
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

void PrintJson(const json::value& value) { std::cout << SerializeJson(value) << "\n"; }

void PrintTrunkList(const json::array& trunks, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "PROVIDER", "ACCOUNT", "VERSION", "NAME"});
  for (const json::value& v : trunks) {
    if (!v.is_object()) continue;
    const json::object& t = v.as_object();
    const json::object& fields = ObjectOf(t, "fields");
    std::string name;
    for (const char* key : {"friendly_name", "name"}) {
      const json::value* value = fields.if_contains(key);
      if (value != nullptr && name.empty()) name = domain::FieldValueToString(FieldValueOf(*value));
    }
    rows.push_back({EscapeText(TextOf(t, "id")), EscapeText(TextOf(t, "provider")),
                    EscapeText(TextOf(t, "account")), std::to_string(CountOf(t, "version")),
                    EscapeText(name)});
  }
  PrintTable(rows, out);
}

void PrintHistory(const json::array& history, std::ostream& out) {
  for (const json::value& v : history) {
    if (!v.is_object()) continue;
    const json::object& e = v.as_object();
    // Sync outcomes (SyncRecordJson) are told from changes (HistoryJson) by their "sync".
    if (e.contains("sync")) {
      PrintSyncRecord(e, out);
      continue;
    }
    out << "#" << CountOf(e, "version") << " @" << CountOf(e, "position") << " "
        << EscapeText(TextOf(e, "time")) << " " << EscapeText(TextOf(e, "type")) << " by "
        << EscapeText(TextOf(e, "actor")) << " (" << EscapeText(TextOf(e, "reason")) << ") command "
        << EscapeText(TextOf(e, "command_id")) << "\n";
    for (const json::value& c : ArrayOf(e, "changes")) {
      if (!c.is_object()) continue;
      const json::object& change = c.as_object();
      out << "    " << EscapeText(TextOf(change, "path")) << ": " << Side(change.if_contains("old"))
          << " -> " << Side(change.if_contains("new")) << "\n";
    }
  }
}

void PrintChanges(const json::array& changes, std::ostream& out) {
  if (changes.empty()) out << "no changes\n";
  for (const json::value& c : changes) {
    if (!c.is_object()) continue;
    const json::object& change = c.as_object();
    out << EscapeText(TextOf(change, "path")) << ": " << Side(change.if_contains("old")) << " -> "
        << Side(change.if_contains("new")) << "\n";
  }
}

void PrintSchema(const json::object& schema_json, bool json, std::ostream& out) {
  if (json) {
    out << SerializeJson(schema_json) << "\n";
    return;
  }
  const domain::Schema schema = SchemaOf(schema_json);
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
