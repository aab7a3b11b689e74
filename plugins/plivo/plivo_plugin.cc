// The Plivo plugin's one file that speaks the plugin ABI.
#include "plivo_schema.h"
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
};

}  // namespace trunkline::plivo

TRUNKLINE_PLUGIN(trunkline::plivo::PlivoPlugin, "plivo", "0.1.0", TRUNKLINE_PLUGIN_CAP_SCHEMA)
