// Shorthands for declaring a provider's schema (schema.h): one call per field.
//   Required(Text("connection_name", 255)), Enum("transport_protocol", {"UDP", "TCP"}, "UDP"),
//   Flag("active", "true"), Int("port", 1, 65535), Pattern(...), ReadOnly("created_at")
// Header-only; part of the plugin SDK.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::plugin_sdk {

// Text of at most `max_length` characters (0: no limit).
inline FieldSpec Text(std::string name, uint32_t max_length = 0) {
  FieldSpec f;
  f.name = std::move(name);
  f.max_length = max_length;
  return f;
}

// Text matching `pattern` (ECMAScript); `rule` says it in words in refusals.
inline FieldSpec Pattern(std::string name, std::string pattern, std::string rule) {
  FieldSpec f = Text(std::move(name));
  f.pattern = std::move(pattern);
  f.pattern_rule = std::move(rule);
  return f;
}

inline FieldSpec Enum(std::string name, std::vector<std::string> values,
                      std::optional<std::string> default_value = std::nullopt) {
  FieldSpec f = Text(std::move(name));
  f.type = FieldType::kEnum;
  f.values = std::move(values);
  f.default_value = std::move(default_value);
  return f;
}

inline FieldSpec Flag(std::string name, std::optional<std::string> default_value = std::nullopt) {
  FieldSpec f = Text(std::move(name));
  f.type = FieldType::kBool;
  f.default_value = std::move(default_value);
  return f;
}

inline FieldSpec Int(std::string name, int64_t min, int64_t max,
                     std::optional<std::string> default_value = std::nullopt) {
  FieldSpec f = Text(std::move(name));
  f.type = FieldType::kInt;
  f.min = min;
  f.max = max;
  f.default_value = std::move(default_value);
  return f;
}

// Text the provider sets and the registry only shows.
inline FieldSpec ReadOnly(std::string name) {
  FieldSpec f = Text(std::move(name));
  f.read_only = true;
  return f;
}

inline FieldSpec Required(FieldSpec f) {
  f.required_on_create = true;
  return f;
}

}  // namespace trunkline::plugin_sdk
