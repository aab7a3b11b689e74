#include "schema_checks.h"

#include <algorithm>
#include <map>
#include <msgpack.hpp>
#include <regex>
#include <set>

#include "mutate.h"
#include "trunkline/domain/provider_schema.h"

namespace trunkline::plugin_check {
namespace {

using plugin_sdk::FieldSpec;
using plugin_sdk::FieldType;
using plugin_sdk::Schema;
using plugin_sdk::SubResourceKind;
using plugin_sdk::SubResourceSpec;

// Each problem found by one check; the check fails naming the first few.
class Problems {
 public:
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }
  CheckResult Verdict(std::string id, std::string ok) const {
    if (problems_.empty()) return Pass(std::move(id), std::move(ok));
    std::string message;
    for (size_t i = 0; i < problems_.size() && i < 4; ++i) {
      message += (i ? "; " : "") + problems_[i];
    }
    if (problems_.size() > 4) {
      message += "; and " + std::to_string(problems_.size() - 4) + " more";
    }
    return Fail(std::move(id), std::move(message));
  }

 private:
  std::vector<std::string> problems_;
};

// Calls fn(path, field) for every field: the trunk's ("name"), then each sub-resource's
// ("sub.name").
template <typename Fn>
void ForEachField(const Schema& schema, Fn fn) {
  for (const FieldSpec& f : schema.fields) fn(f.name, f);
  for (const SubResourceSpec& s : schema.sub_resources) {
    for (const FieldSpec& f : s.fields) fn(s.name + "." + f.name, f);
  }
}

bool SnakeCase(const std::string& name) {
  static const std::regex kSnake("[a-z][a-z0-9_]*");
  return std::regex_match(name, kSnake);
}

void CheckNameList(const std::vector<std::string>& names, const std::string& where,
                   Problems& problems) {
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (name.empty()) {
      problems.Add(where + ": a name is empty");
    } else if (!SnakeCase(name)) {
      problems.Add(where + ": \"" + name + "\" is not a snake_case name");
    }
    if (!seen.insert(name).second) problems.Add(where + ": \"" + name + "\" is declared twice");
  }
}

std::vector<std::string> Names(const std::vector<FieldSpec>& fields) {
  std::vector<std::string> out;
  for (const FieldSpec& f : fields) out.push_back(f.name);
  return out;
}

CheckResult CheckNames(const Schema& schema) {
  Problems problems;
  CheckNameList(Names(schema.fields), "trunk fields", problems);
  std::vector<std::string> subs;
  for (const SubResourceSpec& s : schema.sub_resources) {
    subs.push_back(s.name);
    CheckNameList(Names(s.fields), "fields of " + s.name, problems);
  }
  CheckNameList(subs, "sub-resources", problems);
  return problems.Verdict("schema.names",
                          "every name is snake_case and unique where it is declared");
}

void CheckType(const std::string& path, const FieldSpec& f, Problems& problems) {
  const bool is_string = f.type == FieldType::kString;
  if (f.type == FieldType::kEnum) {
    if (f.values.empty()) problems.Add(path + ": an enum with no values");
    std::set<std::string> seen;
    for (const std::string& v : f.values) {
      if (v.empty()) problems.Add(path + ": an empty enum value");
      if (!seen.insert(v).second) problems.Add(path + ": enum value \"" + v + "\" listed twice");
    }
  } else if (!f.values.empty()) {
    problems.Add(path + ": values on a field that is not an enum (ignored)");
  }
  if (f.type != FieldType::kInt && (f.min || f.max)) {
    problems.Add(path + ": min or max on a field that is not an int (ignored)");
  }
  if (f.min && f.max && *f.min > *f.max) {
    problems.Add(path + ": min " + std::to_string(*f.min) + " is above max " +
                 std::to_string(*f.max) + " (no value is valid)");
  }
  if (!is_string && f.max_length > 0) {
    problems.Add(path + ": max_length on a field that is not a string (ignored)");
  }
  if (!is_string && !f.pattern.empty()) {
    problems.Add(path + ": a pattern on a field that is not a string (ignored)");
  }
  if (f.read_only && f.required_on_create) {
    problems.Add(path + ": read-only (set by the provider) yet required on create");
  }
  if (f.read_only && f.default_value) {
    problems.Add(path + ": read-only yet has a default (never applied)");
  }
}

CheckResult CheckTypes(const Schema& schema) {
  Problems problems;
  ForEachField(schema,
               [&](const std::string& path, const FieldSpec& f) { CheckType(path, f, problems); });
  return problems.Verdict("schema.types",
                          "every enum has distinct values; limits, patterns and values sit on "
                          "fields of their type");
}

// An error message when `pattern` does not compile as an ECMAScript regex.
std::optional<std::string> Compile(const std::string& pattern) {
  try {
    std::regex re(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

CheckResult CheckPatterns(const Schema& schema) {
  Problems problems;
  int count = 0;
  ForEachField(schema, [&](const std::string& path, const FieldSpec& f) {
    if (f.pattern.empty()) return;
    ++count;
    if (auto why = Compile(f.pattern)) {
      problems.Add(path + ": pattern \"" + f.pattern + "\" does not compile (" + *why + ")");
    }
  });
  for (const SubResourceSpec& s : schema.sub_resources) {
    if (s.id_pattern.empty()) continue;
    ++count;
    if (auto why = Compile(s.id_pattern)) {
      problems.Add(s.name + ": id_pattern \"" + s.id_pattern + "\" does not compile (" + *why +
                   ")");
    }
    if (s.id_rule.empty() && s.kind == SubResourceKind::kAttachments) {
      problems.Add(s.name + ": id_pattern without an id_rule (refusals would say nothing)");
    }
  }
  return problems.Verdict("schema.patterns",
                          std::to_string(count) + " patterns compile as ECMAScript regexes");
}

CheckResult CheckDefaults(const Schema& schema) {
  Problems problems;
  int count = 0;
  ForEachField(schema, [&](const std::string& path, const FieldSpec& f) {
    if (!f.default_value) return;
    ++count;
    if (!f.pattern.empty() && Compile(f.pattern)) {
      problems.Add(path + ": default \"" + *f.default_value +
                   "\" cannot be checked: its pattern does not compile");
      return;
    }
    Result<plugin_sdk::FieldValue> parsed = domain::ParseFieldValue(f, *f.default_value, path);
    if (!parsed.ok()) {
      problems.Add("default \"" + *f.default_value + "\" is not valid: " +
                   parsed.status().message() + " (every create would be refused)");
    }
  });
  return problems.Verdict("schema.defaults",
                          std::to_string(count) + " defaults are valid values of their fields");
}

void CheckSubResource(const SubResourceSpec& s, Problems& problems) {
  if (s.kind == SubResourceKind::kAttachments) {
    if (!(s.fields.empty() || (s.fields.size() == 1 && s.fields[0].name == "id"))) {
      problems.Add(s.name +
                   ": an attachments sub-resource may declare one field, named id, "
                   "and nothing else (the core refuses the schema)");
    }
    return;
  }
  const char* kind = s.kind == SubResourceKind::kCollection ? "collection" : "singleton";
  if (s.fields.empty()) problems.Add(s.name + ": a " + kind + " with no fields");
  if (!s.id_pattern.empty() || !s.id_rule.empty()) {
    problems.Add(s.name + ": id_pattern or id_rule on a " + kind +
                 " (only attachments have ids; ignored)");
  }
  bool settable = false;
  for (const FieldSpec& f : s.fields) settable = settable || !f.read_only;
  if (!s.fields.empty() && !settable) {
    problems.Add(s.name + ": a " + kind + " whose fields are all read-only");
  }
}

CheckResult CheckSubResources(const Schema& schema) {
  Problems problems;
  for (const SubResourceSpec& s : schema.sub_resources) CheckSubResource(s, problems);
  return problems.Verdict("schema.sub_resources",
                          std::to_string(schema.sub_resources.size()) +
                              " sub-resources are well-formed for their kinds");
}

bool SecretName(std::string name) {
  std::string plain;
  for (char c : name) {
    if (c != '_' && c != '-') plain.push_back(static_cast<char>(std::tolower(c)));
  }
  for (const char* part :
       {"password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey"}) {
    if (plain.find(part) != std::string::npos) return true;
  }
  return false;
}

// Whether the field map `o` says "secret": true.
bool MarkedSecret(const msgpack::object& o) {
  if (o.type != msgpack::type::MAP) return false;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object_kv& kv = o.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == "secret") {
      return kv.val.type == msgpack::type::BOOLEAN && kv.val.via.boolean;
    }
  }
  return false;
}

const msgpack::object* Member(const msgpack::object& o, std::string_view key) {
  if (o.type != msgpack::type::MAP) return nullptr;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object_kv& kv = o.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
      return &kv.val;
    }
  }
  return nullptr;
}

// The names of the fields under `o`'s "fields" marked secret.
std::set<std::string> Marked(const msgpack::object& o) {
  std::set<std::string> out;
  const msgpack::object* fields = Member(o, "fields");
  if (fields == nullptr || fields->type != msgpack::type::ARRAY) return out;
  for (uint32_t i = 0; i < fields->via.array.size; ++i) {
    const msgpack::object& f = fields->via.array.ptr[i];
    const msgpack::object* name = Member(f, "name");
    if (name && name->type == msgpack::type::STR && MarkedSecret(f)) {
      out.insert(std::string(name->via.str.ptr, name->via.str.size));
    }
  }
  return out;
}

}  // namespace

std::vector<CheckResult> CheckSchema(const Schema& schema, std::string_view provider_id) {
  std::vector<CheckResult> out;
  if (schema.provider == provider_id) {
    out.push_back(Pass("schema.provider", "names provider \"" + schema.provider + "\""));
  } else {
    out.push_back(Fail("schema.provider", "the schema names provider \"" + schema.provider +
                                              "\"; the descriptor says \"" +
                                              std::string(provider_id) + "\""));
  }
  out.push_back(CheckNames(schema));
  out.push_back(CheckTypes(schema));
  out.push_back(CheckDefaults(schema));
  out.push_back(CheckPatterns(schema));
  out.push_back(CheckSubResources(schema));
  return out;
}

std::vector<std::string> SecretFields(const Schema& schema, std::string_view schema_bytes) {
  std::set<std::string> trunk_marked;
  std::map<std::string, std::set<std::string>> sub_marked;
  try {
    msgpack::zone zone;
    size_t offset = 0;
    const msgpack::object root = UnpackBounded(zone, schema_bytes, offset);
    trunk_marked = Marked(root);
    const msgpack::object* subs = Member(root, "sub_resources");
    if (subs != nullptr && subs->type == msgpack::type::ARRAY) {
      for (uint32_t i = 0; i < subs->via.array.size; ++i) {
        const msgpack::object* name = Member(subs->via.array.ptr[i], "name");
        if (name && name->type == msgpack::type::STR) {
          sub_marked[std::string(name->via.str.ptr, name->via.str.size)] =
              Marked(subs->via.array.ptr[i]);
        }
      }
    }
  } catch (const std::exception&) {
    // A schema that does not decode has no marks; its names still count.
  }
  std::vector<std::string> out;
  for (const FieldSpec& f : schema.fields) {
    if (f.type == FieldType::kString && (trunk_marked.count(f.name) || SecretName(f.name))) {
      out.push_back(f.name);
    }
  }
  for (const SubResourceSpec& s : schema.sub_resources) {
    for (const FieldSpec& f : s.fields) {
      if (f.type == FieldType::kString &&
          (sub_marked[s.name].count(f.name) || SecretName(f.name))) {
        out.push_back(s.name + "." + f.name);
      }
    }
  }
  return out;
}

}  // namespace trunkline::plugin_check
