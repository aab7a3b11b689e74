// Validation of trunk data against what a provider plugin declares (plugin_sdk/schema.h).
// The core knows no provider: every limit, enum, pattern and rule comes from the plugin.
// Every value is first held to the provider-independent rules of input_rules.h (valid UTF-8,
// no control characters, no credentials in URLs), so a refusal never echoes a secret.
// Every refusal is kInvalidArgument with a message "<field>: <rule>", e.g.
// "friendly_name: at most 64 characters" or "origination_urls.priority: between 0 and 65535".
//
// Thread-safety: pure functions; safe for concurrent use.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/flat_map.h"
#include "trunkline/base/status.h"
#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::domain {

using plugin_sdk::FieldSpec;
using plugin_sdk::FieldType;
using plugin_sdk::FieldValue;
using plugin_sdk::Schema;
using plugin_sdk::SubResourceKind;
using plugin_sdk::SubResourceSpec;
using plugin_sdk::TrunkFacts;
using plugin_sdk::Violation;

// A trunk's (or an item's) field values, by field name. Held once per trunk in projections,
// so kept flat.
using FieldValues = FlatMap<std::string, FieldValue>;

// "true", 42 or "text" as a user would write it.
std::string FieldValueToString(const FieldValue& value);

// Turns `text` (as typed on a command line or sent over HTTP) into a value of the field's
// type and checks it against the field's limits. `path` names the field in errors
// ("domain_name", "origination_urls.weight").
Result<FieldValue> ParseFieldValue(const FieldSpec& spec, std::string_view text,
                                   std::string_view path);

// Checks a typed value against the field's type and limits.
Status CheckFieldValue(const FieldSpec& spec, const FieldValue& value, std::string_view path);

// Which fields a command sets (as text) and unsets.
struct FieldChanges {
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
};

// Applies `changes` to `current` as the provider allows: unknown and read-only fields are
// refused, values are parsed and checked, a field cannot be both set and unset, and a
// required field cannot be unset. When `creating`, required fields must be present and
// defaults fill the gaps. Returns the new field values. `prefix` is put before field names
// in errors ("origination_urls." for an item of that collection).
Result<FieldValues> ApplyFieldChanges(const std::vector<FieldSpec>& specs,
                                      const FieldValues& current, const FieldChanges& changes,
                                      bool creating, std::string_view prefix = "");

// Checks an id given for an attachments sub-resource against its declared format.
Status CheckAttachmentId(const SubResourceSpec& spec, std::string_view id);

// The field an attachments sub-resource declares about its ids, if any: at most one field,
// named "id". Its unique_per_account means an id is attached to at most one live trunk of
// an account (a phone number routes to one trunk). nullptr when none is declared.
const FieldSpec* AttachmentIdSpec(const SubResourceSpec& spec);

// The sub-resource named `name`, or kInvalidArgument naming the known ones.
Result<const SubResourceSpec*> FindSubResource(const Schema& schema, std::string_view name,
                                               SubResourceKind kind);

// Turns the plugin's violations into one kInvalidArgument naming each field and rule;
// OK when there are none.
Status ViolationsToStatus(const std::vector<Violation>& violations);

// The msgpack forms exchanged with a plugin (the only domain file with msgpack).
// kInvalidArgument when a plugin's answer does not decode, naming what is wrong, or when a
// schema declares an attachments sub-resource with fields other than one named "id".
Result<Schema> DecodeSchemaBytes(std::string_view bytes);
Result<std::vector<Violation>> DecodeViolationBytes(std::string_view bytes);
std::string EncodeTrunkFactsBytes(const TrunkFacts& trunk);

}  // namespace trunkline::domain
