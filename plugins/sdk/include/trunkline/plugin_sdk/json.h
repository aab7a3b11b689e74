// Reading a provider's JSON answers with Boost.JSON: a body as an object (or
// MalformedAnswer), a member as text, a JSON value as a registry field value.
//
// Unlike the SDK's other headers this one exposes a third-party type (boost::json), so it is
// a component of its own: link trunkline::plugin-sdk-json (find_package(trunkline-plugin-sdk
// COMPONENTS json)), which brings Boost.JSON (1.81 or later).
//
// Header-only. Thread-safety: safe for concurrent use.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "trunkline/plugin_sdk/provider_errors.h"
#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

// `body` as a JSON object. Throws MalformedAnswer("is not a JSON object") when it is not one.
inline boost::json::object ParseJsonObject(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) throw MalformedAnswer("is not a JSON object");
  return std::move(v.as_object());
}

// Which JSON values MemberText takes as text.
enum class JsonText {
  kStrings,             // strings only
  kStringsAndIntegers,  // and integers, in decimal (ids some APIs send either way)
};

// Member `key` of `o` as text, or "" when it is absent or not text (as `accept` says).
inline std::string MemberText(const boost::json::object& o, std::string_view key,
                              JsonText accept = JsonText::kStrings) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (accept == JsonText::kStringsAndIntegers && (v->is_int64() || v->is_uint64())) {
    return boost::json::serialize(*v);
  }
  return "";
}

// A JSON value as a registry field value: a bool, an integer or a string as itself (a uint64
// cast to int64); an array, an object or a double as its compact JSON text; null as nullopt
// (an absent field).
inline std::optional<FieldValue> FieldValueOf(const boost::json::value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return std::nullopt;
  return boost::json::serialize(v);
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
