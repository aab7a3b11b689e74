#include "plivo_schema.h"

namespace trunkline::plivo {
namespace {

using plugin_sdk::FieldSpec;
using plugin_sdk::FieldType;

constexpr char kUuidPattern[] =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

FieldSpec Field(std::string name, FieldType type) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

FieldSpec Uuid(std::string name) {
  FieldSpec f = Field(std::move(name), FieldType::kString);
  f.pattern = kUuidPattern;
  f.pattern_rule = "a UUID (8-4-4-4-12 hex digits)";
  return f;
}

bool Has(const plugin_sdk::TrunkFacts& trunk, const std::string& field) {
  auto it = trunk.fields.find(field);
  if (it == trunk.fields.end()) return false;
  const auto* text = std::get_if<std::string>(&it->second);
  return text == nullptr || !text->empty();
}

std::string Direction(const plugin_sdk::TrunkFacts& trunk) {
  auto it = trunk.fields.find("trunk_direction");
  if (it == trunk.fields.end()) return "";
  const auto* text = std::get_if<std::string>(&it->second);
  return text ? *text : "";
}

}  // namespace

plugin_sdk::Schema PlivoSchema() {
  plugin_sdk::Schema schema;
  schema.provider = "plivo";
  FieldSpec direction = Field("trunk_direction", FieldType::kEnum);
  direction.values = {"inbound", "outbound"};
  direction.required_on_create = true;
  FieldSpec status = Field("trunk_status", FieldType::kEnum);
  status.values = {"enabled", "disabled"};
  status.default_value = "enabled";
  FieldSpec secure = Field("secure", FieldType::kBool);
  secure.default_value = "false";
  FieldSpec trunk_id = Field("trunk_id", FieldType::kString);
  trunk_id.read_only = true;
  FieldSpec trunk_domain = Field("trunk_domain", FieldType::kString);
  trunk_domain.read_only = true;
  schema.fields = {Field("name", FieldType::kString),
                   direction,
                   status,
                   secure,
                   Uuid("ipacl_uuid"),
                   Uuid("credential_uuid"),
                   Uuid("primary_uri_uuid"),
                   Uuid("fallback_uri_uuid"),
                   trunk_id,
                   trunk_domain};
  plugin_sdk::SubResourceSpec numbers;
  numbers.name = "phone_numbers";
  numbers.kind = plugin_sdk::SubResourceKind::kAttachments;
  numbers.id_pattern = "^[1-9][0-9]{6,14}$";
  numbers.id_rule = "an E.164 number as digits, without '+'";
  // A number routes to one app_id, so to one trunk of the account.
  FieldSpec number_id = Field("id", FieldType::kString);
  number_id.unique_per_account = true;
  numbers.fields = {number_id};
  schema.sub_resources = {numbers};
  return schema;
}

std::vector<plugin_sdk::Violation> PlivoRules(const plugin_sdk::TrunkFacts& trunk) {
  std::vector<plugin_sdk::Violation> violations;
  const std::string direction = Direction(trunk);
  if (direction == "outbound" && !Has(trunk, "ipacl_uuid") && !Has(trunk, "credential_uuid")) {
    violations.push_back({"ipacl_uuid", "an outbound trunk needs ipacl_uuid or credential_uuid"});
  }
  if (direction == "inbound" && !Has(trunk, "primary_uri_uuid")) {
    violations.push_back({"primary_uri_uuid", "an inbound trunk needs primary_uri_uuid"});
  }
  if (direction != "inbound" && Has(trunk, "fallback_uri_uuid")) {
    violations.push_back({"fallback_uri_uuid", "only an inbound trunk has a fallback URI"});
  }
  auto numbers = trunk.attachments.find("phone_numbers");
  if (direction != "inbound" && numbers != trunk.attachments.end() && !numbers->second.empty()) {
    violations.push_back({"phone_numbers", "phone numbers attach to inbound trunks only"});
  }
  return violations;
}

}  // namespace trunkline::plivo
