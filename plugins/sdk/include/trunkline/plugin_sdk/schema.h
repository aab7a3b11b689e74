// What a provider plugin declares about its trunks: fields, their types and limits, the
// sub-resources, and (through check_rules) its cross-field rules. Plain structs, shared by
// plugins (which fill them in) and the core (which validates every command against them).
// The msgpack form is in schema_codec.h; the grammar in ../../../ABI.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

enum class FieldType { kString, kBool, kInt, kEnum };

struct FieldSpec {
  std::string name;  // the provider's own snake_case JSON name
  FieldType type = FieldType::kString;
  bool required_on_create = false;
  bool read_only = false;                    // set by the provider; never by a command
  bool unique_per_account = false;           // no two live trunks of one account share a value
  std::optional<std::string> default_value;  // as text, applied on create when absent
  uint32_t max_length = 0;                   // strings; 0 = no limit
  std::string pattern;                       // strings: ECMAScript regex the whole value matches
  std::string pattern_rule;                  // the pattern in words, for error messages
  std::vector<std::string> values;           // enums
  std::optional<int64_t> min;                // ints
  std::optional<int64_t> max;
};

enum class SubResourceKind {
  kCollection,   // items added, updated and removed one by one (e.g. origination URLs)
  kSingleton,    // one object per trunk, updated in place (e.g. recording)
  kAttachments,  // references to other provider objects, attached and detached by id
};

struct SubResourceSpec {
  std::string name;
  SubResourceKind kind = SubResourceKind::kCollection;
  // Collections and singletons: their fields. Attachments: at most one field, named "id",
  // about the ids; its unique_per_account means an id is attached to at most one live trunk
  // of an account (a phone number routes to one trunk).
  std::vector<FieldSpec> fields;
  std::string id_pattern;  // attachments: ECMAScript regex an id matches
  std::string id_rule;     // the id pattern in words
};

struct Schema {
  std::string provider;
  std::vector<FieldSpec> fields;
  std::vector<SubResourceSpec> sub_resources;
};

// A trunk as check_rules sees it.
using FieldValue = std::variant<bool, int64_t, std::string>;
struct TrunkFacts {
  std::map<std::string, FieldValue> fields;
  std::map<std::string, std::vector<std::string>> attachments;  // sub-resource -> ids
};

// One broken cross-field rule: the field it is about and the rule in words.
struct Violation {
  std::string field;
  std::string rule;
  friend bool operator==(const Violation&, const Violation&) = default;
};

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
