#include "trunkline/domain/provider_schema.h"

#include <algorithm>
#include <charconv>
#include <regex>
#include <unordered_map>

#include "trunkline/domain/input_rules.h"

namespace trunkline::domain {
namespace {

Status Invalid(std::string_view path, const std::string& rule) {
  return InvalidArgumentError(std::string(path) + ": " + rule);
}

std::string Join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Patterns come from the plugins' schemas, a few dozen in all: each thread compiles each one
// once (compiling took more time than matching, on every field of every command).
bool FullMatch(const std::string& pattern, std::string_view text) {
  thread_local std::unordered_map<std::string, std::regex> compiled;
  auto it = compiled.find(pattern);
  if (it == compiled.end()) {
    if (compiled.size() >= 1024) compiled.clear();
    it = compiled.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
  }
  return std::regex_match(text.begin(), text.end(), it->second);
}

// The rules of input_rules.h, checked before any rule whose message shows the value.
Status CheckSafeText(std::string_view text, std::string_view path) {
  TRUNKLINE_RETURN_IF_ERROR(CheckText(path, text));
  return CheckNoCredentials(path, text);
}

Status CheckString(const FieldSpec& spec, const std::string& text, std::string_view path) {
  TRUNKLINE_RETURN_IF_ERROR(CheckSafeText(text, path));
  if (spec.type == FieldType::kEnum) {
    if (std::find(spec.values.begin(), spec.values.end(), text) == spec.values.end()) {
      return Invalid(path, "must be one of " + Join(spec.values, ", ") + " (got \"" + text + "\")");
    }
    return OkStatus();
  }
  if (spec.max_length > 0 && text.size() > spec.max_length) {
    return Invalid(path, "at most " + std::to_string(spec.max_length) + " characters (got " +
                             std::to_string(text.size()) + ")");
  }
  if (!spec.pattern.empty() && !FullMatch(spec.pattern, text)) {
    return Invalid(path,
                   "must be " +
                       (spec.pattern_rule.empty() ? "like " + spec.pattern : spec.pattern_rule) +
                       " (got \"" + text + "\")");
  }
  return OkStatus();
}

Status CheckInt(const FieldSpec& spec, int64_t n, std::string_view path) {
  if ((spec.min && n < *spec.min) || (spec.max && n > *spec.max)) {
    std::string range = spec.min && spec.max ? "between " + std::to_string(*spec.min) + " and " +
                                                   std::to_string(*spec.max)
                        : spec.min ? "at least " + std::to_string(*spec.min)
                                   : "at most " + std::to_string(*spec.max);
    return Invalid(path, "must be " + range + " (got " + std::to_string(n) + ")");
  }
  return OkStatus();
}

const FieldSpec* FindSpec(const std::vector<FieldSpec>& specs, std::string_view name) {
  for (const FieldSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string> SettableNames(const std::vector<FieldSpec>& specs) {
  std::vector<std::string> names;
  for (const FieldSpec& spec : specs) {
    if (!spec.read_only) names.push_back(spec.name);
  }
  return names;
}

}  // namespace

std::string FieldValueToString(const FieldValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const int64_t* n = std::get_if<int64_t>(&value)) return std::to_string(*n);
  return std::get<std::string>(value);
}

Status CheckFieldValue(const FieldSpec& spec, const FieldValue& value, std::string_view path) {
  switch (spec.type) {
    case FieldType::kBool:
      if (!std::holds_alternative<bool>(value)) return Invalid(path, "must be true or false");
      return OkStatus();
    case FieldType::kInt:
      if (!std::holds_alternative<int64_t>(value)) return Invalid(path, "must be a whole number");
      return CheckInt(spec, std::get<int64_t>(value), path);
    case FieldType::kString:
    case FieldType::kEnum:
      if (!std::holds_alternative<std::string>(value)) return Invalid(path, "must be text");
      return CheckString(spec, std::get<std::string>(value), path);
  }
  return Invalid(path, "has an unknown type");
}

Result<FieldValue> ParseFieldValue(const FieldSpec& spec, std::string_view text,
                                   std::string_view path) {
  TRUNKLINE_RETURN_IF_ERROR(CheckSafeText(text, path));
  FieldValue value;
  if (spec.type == FieldType::kBool) {
    if (text != "true" && text != "false") {
      return Invalid(path, "must be true or false (got \"" + std::string(text) + "\")");
    }
    value = text == "true";
  } else if (spec.type == FieldType::kInt) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      return Invalid(path, "must be a whole number (got \"" + std::string(text) + "\")");
    }
    value = n;
  } else {
    value = std::string(text);
  }
  TRUNKLINE_RETURN_IF_ERROR(CheckFieldValue(spec, value, path));
  return value;
}

Result<FieldValues> ApplyFieldChanges(const std::vector<FieldSpec>& specs,
                                      const FieldValues& current, const FieldChanges& changes,
                                      bool creating, std::string_view prefix) {
  FieldValues next = current;
  auto path = [&](const std::string& name) { return std::string(prefix) + name; };
  auto known = [&](const std::string& name) -> Result<const FieldSpec*> {
    const FieldSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) {
      return Invalid(path(name), "is not a field here; known: " + Join(SettableNames(specs), ", "));
    }
    if (spec->read_only) return Invalid(path(name), "is read-only (set by the provider)");
    return spec;
  };
  for (const auto& [name, text] : changes.set) {
    TRUNKLINE_ASSIGN_OR_RETURN(const FieldSpec* spec, known(name));
    TRUNKLINE_ASSIGN_OR_RETURN(next[name], ParseFieldValue(*spec, text, path(name)));
  }
  for (const std::string& name : changes.unset) {
    TRUNKLINE_ASSIGN_OR_RETURN(const FieldSpec* spec, known(name));
    if (changes.set.count(name)) return Invalid(path(name), "cannot be both set and unset");
    if (spec->required_on_create) return Invalid(path(name), "is required and cannot be unset");
    next.erase(name);
  }
  if (!creating) return next;
  for (const FieldSpec& spec : specs) {
    if (spec.read_only || next.count(spec.name)) continue;
    if (spec.required_on_create) return Invalid(path(spec.name), "is required");
    if (spec.default_value) {
      TRUNKLINE_ASSIGN_OR_RETURN(next[spec.name],
                                 ParseFieldValue(spec, *spec.default_value, path(spec.name)));
    }
  }
  return next;
}

Status CheckAttachmentId(const SubResourceSpec& spec, std::string_view id) {
  if (spec.id_pattern.empty() || FullMatch(spec.id_pattern, id)) return OkStatus();
  return Invalid(spec.name, "id must be " + spec.id_rule + " (got \"" + std::string(id) + "\")");
}

const FieldSpec* AttachmentIdSpec(const SubResourceSpec& spec) {
  if (spec.kind != SubResourceKind::kAttachments) return nullptr;
  return FindSpec(spec.fields, "id");
}

Result<const SubResourceSpec*> FindSubResource(const Schema& schema, std::string_view name,
                                               SubResourceKind kind) {
  std::vector<std::string> names;
  for (const SubResourceSpec& spec : schema.sub_resources) {
    if (spec.kind != kind) continue;
    if (spec.name == name) return &spec;
    names.push_back(spec.name);
  }
  return Invalid(name, "is not a sub-resource of a " + schema.provider +
                           " trunk of this kind; known: " +
                           (names.empty() ? std::string("none") : Join(names, ", ")));
}

Status ViolationsToStatus(const std::vector<Violation>& violations) {
  if (violations.empty()) return OkStatus();
  std::vector<std::string> parts;
  for (const Violation& v : violations) parts.push_back(v.field + ": " + v.rule);
  return InvalidArgumentError(Join(parts, "; "));
}

}  // namespace trunkline::domain
