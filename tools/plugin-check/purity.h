// Check 4: a plugin's functions are pure. The same input gives the same answer (status,
// message and bytes) twice on one instance, and on a second instance created through a
// second host: the first instance answers every input, then the second, then the first
// again, so an answer that depends on earlier calls, on the instance or on the clock shows.
//
// Check 5: the requests sync_plan produces never carry an Authorization header (the host
// adds credentials) and never contain the value of a secret field (schema_checks.h's
// SecretFields): distinctive values are put in those fields of the desired trunk and its
// observation, in every protocol state, and looked for in each request's method, path,
// query, headers and body.
//
// Both run in a child process (isolate.h). Thread-safety: one check at a time.
#pragma once

#include "plugin_calls.h"

namespace trunkline::plugin_check {

// pure.describe_schema, pure.check_rules, pure.sync_plan, pure.sync_absorb (those the
// plugin's capabilities allow; the others are skipped).
void CheckPurity(const CheckContext& context, Channel& channel);

// requests.authorization and requests.secrets.
void CheckRequests(const CheckContext& context, Channel& channel);

}  // namespace trunkline::plugin_check
