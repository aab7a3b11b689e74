// The Plivo plugin's one file that speaks the plugin ABI.
#include "plivo_schema.h"
#include "plivo_sync.h"
#include "trunkline/plugin_sdk/plugin.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::plivo {

class PlivoPlugin : public plugin_sdk::Plugin {
 public:
  explicit PlivoPlugin(std::string_view /*config*/) {}
  std::string DescribeSchema() override { return plugin_sdk::EncodeSchema(PlivoSchema()); }
  std::string CheckRules(std::string_view trunk) override {
    return plugin_sdk::EncodeViolations(PlivoRules(plugin_sdk::DecodeTrunkFacts(trunk)));
  }
  std::vector<plugin_sdk::Step> Plan(const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                     const plugin_sdk::Observation& observation) override {
    return plivo::Plan(desired, observation);
  }
  plugin_sdk::AbsorbResult Absorb(const plugin_sdk::AbsorbInput& input) override {
    return plivo::Absorb(input);
  }
};

}  // namespace trunkline::plivo

TRUNKLINE_PLUGIN(trunkline::plivo::PlivoPlugin, "plivo", "0.2.0",
                 TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC)
