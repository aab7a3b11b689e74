// The msgpack border of the domain: schema, trunk facts and violations as exchanged with a
// plugin, through the SDK's shared codec.
#include "trunkline/plugin_sdk/schema_codec.h"

#include "trunkline/domain/provider_schema.h"

namespace trunkline::domain {

namespace {

// What the grammar cannot say: an attachments sub-resource declares at most its "id" field.
Status CheckAttachmentFields(const Schema& schema) {
  for (const SubResourceSpec& sub : schema.sub_resources) {
    if (sub.kind != SubResourceKind::kAttachments) continue;
    if (sub.fields.empty() || (sub.fields.size() == 1 && sub.fields[0].name == "id")) continue;
    return InvalidArgumentError("schema: attachments sub-resource " + sub.name +
                                " may declare one field, named id, and nothing else");
  }
  return OkStatus();
}

}  // namespace

Result<Schema> DecodeSchemaBytes(std::string_view bytes) {
  Schema schema;
  try {
    schema = plugin_sdk::DecodeSchema(bytes);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("schema: ") + e.what());
  }
  TRUNKLINE_RETURN_IF_ERROR(CheckAttachmentFields(schema));
  return schema;
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
