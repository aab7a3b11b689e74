// Twilio Elastic SIP Trunking (Trunking v1): what a trunk may hold. Pure functions.
#pragma once

#include <vector>

#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::twilio {

plugin_sdk::Schema TwilioSchema();

// Twilio's trunk has no cross-field rules beyond its field constraints: always empty.
std::vector<plugin_sdk::Violation> TwilioRules(const plugin_sdk::TrunkFacts& trunk);

}  // namespace trunkline::twilio
