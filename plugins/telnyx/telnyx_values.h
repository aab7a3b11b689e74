// Registry values and Telnyx's JSON, side by side: the few conversions request building and
// answer parsing share. Internal to the Telnyx adapter (Boost.JSON stays out of
// telnyx_sync.h).
//
// Thread-safety: pure functions; safe for concurrent use.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "telnyx_sync.h"

namespace trunkline::telnyx::values {

namespace json = boost::json;
using plugin_sdk::FieldValue;
using plugin_sdk::Fields;

// `map[key]`, or an empty value when absent.
template <typename Map>
const typename Map::mapped_type& At(const Map& map, const std::string& key) {
  static const typename Map::mapped_type kNone{};
  auto it = map.find(key);
  return it == map.end() ? kNone : it->second;
}

// A registry value as text: "true"/"false", decimal digits, or the string itself.
inline std::string Text(const FieldValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return std::get<std::string>(v);
}

// A JSON scalar as a registry value; null, "" and anything else (arrays, objects): none.
inline std::optional<FieldValue> ValueOf(const json::value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.as_uint64());
  }
  if (v.is_string() && !v.as_string().empty()) return std::string(v.as_string());
  return std::nullopt;
}

// What `f` stands at when the registry does not hold it, as text; nullopt: null or "" (no
// value), or a field the adapter leaves alone (unset nullptr).
inline std::optional<std::string> UnsetText(const FieldMap& f) {
  if (f.unset == nullptr) return std::nullopt;
  std::optional<FieldValue> v = ValueOf(json::parse(f.unset));
  return v ? std::optional(Text(*v)) : std::nullopt;
}

// The text of `fields`' value of `name`, if it holds one (an empty string is none).
inline std::optional<std::string> Held(const Fields& fields, const char* name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  std::string text = Text(it->second);
  if (text.empty() && std::holds_alternative<std::string>(it->second)) return std::nullopt;
  return text;
}

// A registry value as `f`'s JSON (a bool or int held as text is converted back).
inline json::value JsonOf(const FieldMap& f, const FieldValue& v) {
  switch (f.wire) {
    case Wire::kBool:
      return Text(v) == "true";
    case Wire::kInt:
      if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
      return json::parse(Text(v));
    case Wire::kString:
      break;
  }
  return json::value(Text(v));
}

// The JSON sent for `f` when the registry does not hold it. REQUIRES: f.unset != nullptr.
inline json::value UnsetJson(const FieldMap& f) { return json::parse(f.unset); }

// A registry item or trunk part's fields of `table` (part `part`), keyed as the registry
// keys them; `desired` (null: keep every value, as for an import) drops those the registry
// does not hold and that stand at their unset value or are left alone.
template <size_t N>
Fields Observed(const json::object& o, const FieldMap (&table)[N], std::string_view part,
                const Fields* desired) {
  Fields out;
  for (const FieldMap& f : table) {
    if (part != f.part) continue;
    const json::value* v = o.if_contains(f.name);
    if (v == nullptr && std::string_view(f.name) == "fqdn_authentication_method") {
      v = o.if_contains("ip_authentication_method");  // the OpenAPI file's name
    }
    std::optional<FieldValue> value = v ? ValueOf(*v) : std::nullopt;
    if (!value) continue;
    if (std::string_view(f.name) == "dns_record_type") {  // Telnyx stores it lower-cased
      std::string text = Text(*value);
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      value = text;
    }
    if (desired != nullptr && !Held(*desired, f.name) &&
        (f.unset == nullptr || UnsetText(f) == Text(*value))) {
      continue;
    }
    out[f.name] = std::move(*value);
  }
  return out;
}

}  // namespace trunkline::telnyx::values
