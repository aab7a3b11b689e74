#include "telnyx_schema.h"

#include "trunkline/plugin_sdk/schema_builders.h"

namespace trunkline::telnyx {
namespace {

using plugin_sdk::FieldSpec;
using plugin_sdk::FieldType;
using plugin_sdk::SubResourceKind;
using plugin_sdk::SubResourceSpec;

using plugin_sdk::Enum;
using plugin_sdk::Flag;
using plugin_sdk::Int;
using plugin_sdk::Pattern;
using plugin_sdk::ReadOnly;
using plugin_sdk::Required;
using plugin_sdk::Text;

SubResourceSpec Singleton(std::string name, std::vector<FieldSpec> fields) {
  SubResourceSpec s;
  s.name = std::move(name);
  s.kind = SubResourceKind::kSingleton;
  s.fields = std::move(fields);
  return s;
}

constexpr char kUrlPattern[] = "^https?://[^\\s]+$";
constexpr char kUrlRule[] = "an http or https URL";
constexpr char kIdPattern[] = "^[0-9]{1,19}$";
constexpr char kIdRule[] = "a Telnyx id: 1 to 19 digits";
// Labels of letters, digits and '-' (not at either end) between dots: a host name without
// scheme, user part or port.
constexpr char kHostPattern[] =
    "^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$";
constexpr int64_t kMaxChannels = 2147483647;

std::vector<FieldSpec> ConnectionFields() {
  return {
      Required(Text("connection_name", 255)),
      Flag("active", "true"),
      Enum("transport_protocol", {"UDP", "TCP", "TLS"}, "UDP"),
      Enum("anchorsite_override",
           {"Latency", "Chicago, IL", "Ashburn, VA", "San Jose, CA", "Sydney, Australia",
            "Amsterdam, Netherlands", "London, UK", "Toronto, Canada", "Vancouver, Canada",
            "Frankfurt, Germany"},
           "Latency"),
      Enum("dtmf_type", {"RFC 2833", "Inband", "SIP INFO"}, "RFC 2833"),
      Enum("encrypted_media", {"SRTP"}),
      Flag("default_on_hold_comfort_noise_enabled", "true"),
      Flag("encode_contact_header_enabled", "false"),
      Flag("onnet_t38_passthrough_enabled", "false"),
      Pattern("webhook_event_url", kUrlPattern, kUrlRule),
      Pattern("webhook_event_failover_url", kUrlPattern, kUrlRule),
      Enum("webhook_api_version", {"1", "2"}, "1"),
      Int("webhook_timeout_secs", 0, 30),
      ReadOnly("id"),
      ReadOnly("record_type"),
      ReadOnly("created_at"),
      ReadOnly("updated_at"),
  };
}

SubResourceSpec Inbound() {
  return Singleton(
      "inbound",
      {
          Enum("ani_number_format", {"+E.164", "E.164", "+E.164-national", "E.164-national"},
               "E.164-national"),
          // Lower case, unlike ani_number_format's values (Telnyx's own spelling).
          Enum("dnis_number_format", {"+e164", "e164", "national", "sip_username"}, "e164"),
          Enum("default_routing_method", {"sequential", "round-robin"}, "sequential"),
          Int("channel_limit", 0, kMaxChannels),
          Enum("sip_region", {"US", "Europe", "Australia"}, "US"),
          Int("timeout_1xx_secs", 1, 120, "3"),
          Int("timeout_2xx_secs", 1, 600, "90"),
          Flag("shaken_stir_enabled", "false"),
      });
}

SubResourceSpec Outbound() {
  return Singleton(
      "outbound",
      {
          Enum("fqdn_authentication_method", {"ip-authentication", "credential-authentication"},
               "ip-authentication"),
          Pattern("outbound_voice_profile_id", kIdPattern, kIdRule),
          Pattern("tech_prefix", "^[0-9]{4}$", "exactly 4 digits"),
          Int("channel_limit", 0, kMaxChannels),
          Pattern("ani_override", "^\\+?[0-9]{1,15}$", "an E.164 number: '+' and 1 to 15 digits"),
          Enum("ani_override_type", {"always", "normal", "emergency"}, "always"),
          Pattern("localization", "^[A-Z]{2}$", "a two-letter country code such as US"),
          Enum("t38_reinvite_source",
               {"telnyx", "customer", "disabled", "passthru", "caller-passthru",
                "callee-passthru"},
               "customer"),
      });
}

SubResourceSpec Fqdns() {
  SubResourceSpec s;
  s.name = "fqdns";
  s.kind = SubResourceKind::kCollection;
  FieldSpec host = Required(Pattern("fqdn", kHostPattern,
                                    "a host name (letters, digits and '-' in dot-separated "
                                    "labels), without scheme, user part or port"));
  host.max_length = 253;
  s.fields = {host, Enum("dns_record_type", {"a", "srv"}, "a"), Int("port", 1, 65535)};
  return s;
}

SubResourceSpec PhoneNumbers() {
  SubResourceSpec s;
  s.name = "phone_numbers";
  s.kind = SubResourceKind::kAttachments;
  s.id_pattern = "^[1-9][0-9]{6,14}$";
  s.id_rule = "an E.164 number as digits, without '+'";
  // A number has one connection_id: it routes to one trunk of the account.
  FieldSpec id = Text("id");
  id.unique_per_account = true;
  s.fields = {id};
  return s;
}

const std::string* TextField(const plugin_sdk::TrunkFacts& trunk, const std::string& name) {
  auto it = trunk.fields.find(name);
  if (it == trunk.fields.end()) return nullptr;
  const auto* text = std::get_if<std::string>(&it->second);
  return text != nullptr && !text->empty() ? text : nullptr;
}

}  // namespace

plugin_sdk::Schema TelnyxSchema() {
  plugin_sdk::Schema schema;
  schema.provider = "telnyx";
  schema.fields = ConnectionFields();
  schema.sub_resources = {Inbound(), Outbound(), Fqdns(), PhoneNumbers()};
  return schema;
}

std::vector<plugin_sdk::Violation> TelnyxRules(const plugin_sdk::TrunkFacts& trunk) {
  std::vector<plugin_sdk::Violation> violations;
  const std::string* transport = TextField(trunk, "transport_protocol");
  if (TextField(trunk, "encrypted_media") != nullptr && transport != nullptr &&
      *transport == "TLS") {
    violations.push_back(
        {"encrypted_media", "encrypted_media cannot be set when transport_protocol is TLS"});
  }
  return violations;
}

}  // namespace trunkline::telnyx
