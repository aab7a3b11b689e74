// Pure helpers of the sync worker: a registry trunk as the adapters see it, and the drift
// between what the last sync left at the provider and what is there now.
#pragma once

#include <string>
#include <vector>

#include "trunkline/domain/trunk.h"
#include "trunkline/plugin_sdk/sync.h"
#include "trunkline/sync/sync_events.h"

namespace trunkline::sync::internal {

// The trunk's content in the adapters' terms (plugin_sdk::TrunkContent).
plugin_sdk::TrunkContent ContentOf(const domain::TrunkState& state);
plugin_sdk::DesiredTrunk DesiredOf(const domain::TrunkState& state);

// Every path where `found` differs from `expected` ("fields.friendly_name",
// "origination_urls.main.weight", "origination_urls.main" for a whole item, "recording.mode",
// "phone_numbers" for attachments): the trunk's fields, then singletons, collection items and
// attachments, each group in name order.
std::vector<DriftChange> Differences(const plugin_sdk::TrunkContent& expected,
                                     const plugin_sdk::TrunkContent& found);

// The differences between `synced` (what the last sync left) and `found` that are drift:
// those on paths the registry has not changed since (`desired` equals `synced` there).
std::vector<DriftChange> Drift(const plugin_sdk::TrunkContent& synced,
                               const plugin_sdk::TrunkContent& desired,
                               const plugin_sdk::TrunkContent& found);

}  // namespace trunkline::sync::internal
