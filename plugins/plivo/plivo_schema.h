// Plivo Zentrunk: what a trunk may hold and the direction rules. Pure functions.
#pragma once

#include <vector>

#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::plivo {

plugin_sdk::Schema PlivoSchema();

// The cross-field rules, each checked on create and on every update:
//   an outbound trunk needs ipacl_uuid or credential_uuid;
//   an inbound trunk needs primary_uri_uuid;
//   fallback_uri_uuid only on an inbound trunk;
//   phone numbers attach to inbound trunks only.
std::vector<plugin_sdk::Violation> PlivoRules(const plugin_sdk::TrunkFacts& trunk);

}  // namespace trunkline::plivo
