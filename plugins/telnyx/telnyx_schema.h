// Telnyx FQDN connections (Mission Control API v2): what a trunk may hold and its cross-field
// rules. Pure functions.
#pragma once

#include <vector>

#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::telnyx {

// The connection's fields, the singletons `inbound` and `outbound` (the connection's nested
// objects), the collection `fqdns` and the attachments `phone_numbers` (E.164 digits).
plugin_sdk::Schema TelnyxSchema();

// The cross-field rules check_rules can see (top-level fields and attachments), checked on
// create and on every update:
//   encrypted_media cannot be set when transport_protocol is TLS.
std::vector<plugin_sdk::Violation> TelnyxRules(const plugin_sdk::TrunkFacts& trunk);

}  // namespace trunkline::telnyx
