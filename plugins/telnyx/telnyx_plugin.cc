// The Telnyx plugin's one file that speaks the plugin ABI.
#include "telnyx_schema.h"
#include "telnyx_sync.h"
#include "trunkline/plugin_sdk/plugin.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::telnyx {

class TelnyxPlugin : public plugin_sdk::Plugin {
 public:
  explicit TelnyxPlugin(std::string_view /*config*/) {}
  std::string DescribeSchema() override { return plugin_sdk::EncodeSchema(TelnyxSchema()); }
  std::string CheckRules(std::string_view trunk) override {
    return plugin_sdk::EncodeViolations(TelnyxRules(plugin_sdk::DecodeTrunkFacts(trunk)));
  }
  std::vector<plugin_sdk::Step> Plan(const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                     const plugin_sdk::Observation& observation) override {
    return telnyx::Plan(desired, observation);
  }
  plugin_sdk::AbsorbResult Absorb(const plugin_sdk::AbsorbInput& input) override {
    return telnyx::Absorb(input);
  }
};

}  // namespace trunkline::telnyx

TRUNKLINE_PLUGIN(trunkline::telnyx::TelnyxPlugin, "telnyx", "0.1.0",
                 TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC)
