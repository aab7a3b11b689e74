// Check 2: a provider schema is self-consistent. Everything schema.h's types let a plugin
// get wrong: names (empty, not snake_case, repeated), types (an enum without values, limits
// or values on a field of another type, min above max, read-only and yet required or
// defaulted), defaults (each must pass the core's own parse and check of its field, or every
// create would be refused), patterns (each must compile as an ECMAScript regex; an id
// pattern needs its rule in words) and sub-resources (kind-specific fields, as the core
// requires of attachments).
//
// Thread-safety: pure functions; safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "check_result.h"
#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::plugin_check {

// schema.provider, schema.names, schema.types, schema.defaults, schema.patterns,
// schema.sub_resources, in that order. `provider_id` is the descriptor's.
std::vector<CheckResult> CheckSchema(const plugin_sdk::Schema& schema,
                                     std::string_view provider_id);

// The string fields whose values are secret, as "field" or "sub_resource.field": those whose
// map in the encoded schema carries "secret": true (a member the SDK's grammar does not
// have yet; its decoder ignores it), and those whose name says so (password, passwd,
// passphrase, secret, token, api_key, private_key; '_' and '-' ignored).
std::vector<std::string> SecretFields(const plugin_sdk::Schema& schema,
                                      std::string_view schema_bytes);

}  // namespace trunkline::plugin_check
