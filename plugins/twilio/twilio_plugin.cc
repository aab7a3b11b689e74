// The Twilio plugin's one file that speaks the plugin ABI.
#include "trunkline/plugin_sdk/plugin.h"
#include "trunkline/plugin_sdk/schema_codec.h"
#include "twilio_schema.h"
#include "twilio_sync.h"

namespace trunkline::twilio {

class TwilioPlugin : public plugin_sdk::Plugin {
 public:
  explicit TwilioPlugin(std::string_view /*config*/) {}
  std::string DescribeSchema() override { return plugin_sdk::EncodeSchema(TwilioSchema()); }
  std::string CheckRules(std::string_view trunk) override {
    return plugin_sdk::EncodeViolations(TwilioRules(plugin_sdk::DecodeTrunkFacts(trunk)));
  }
  std::vector<plugin_sdk::Step> Plan(const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                     const plugin_sdk::Observation& observation) override {
    return twilio::Plan(desired, observation);
  }
  plugin_sdk::AbsorbResult Absorb(const plugin_sdk::AbsorbInput& input) override {
    return twilio::Absorb(input);
  }
};

}  // namespace trunkline::twilio

TRUNKLINE_PLUGIN(trunkline::twilio::TwilioPlugin, "twilio", "0.2.0",
                 TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC)
