// The msgpack border of the domain: schema, trunk facts and violations as exchanged with a
// plugin, through the SDK's shared codec.
#include "trunkline/plugin_sdk/schema_codec.h"

#include "trunkline/domain/provider_schema.h"

namespace trunkline::domain {

Result<Schema> DecodeSchemaBytes(std::string_view bytes) {
  try {
    return plugin_sdk::DecodeSchema(bytes);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("schema: ") + e.what());
  }
}

Result<std::vector<Violation>> DecodeViolationBytes(std::string_view bytes) {
  try {
    return plugin_sdk::DecodeViolations(bytes);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("rule check answer: ") + e.what());
  }
}

std::string EncodeTrunkFactsBytes(const TrunkFacts& trunk) {
  return plugin_sdk::EncodeTrunkFacts(trunk);
}

}  // namespace trunkline::domain
