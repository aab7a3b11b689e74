#include "twilio_schema.h"

#include "trunkline/plugin_sdk/schema_builders.h"

namespace trunkline::twilio {
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

SubResourceSpec Attachments(std::string name, const std::string& prefix) {
  SubResourceSpec s;
  s.name = std::move(name);
  s.kind = SubResourceKind::kAttachments;
  s.id_pattern = "^" + prefix + "[0-9a-fA-F]{32}$";
  s.id_rule = prefix + " followed by 32 hex digits";
  return s;
}

// Attachments whose ids sit on one trunk of an account at a time.
SubResourceSpec OnOneTrunk(SubResourceSpec s) {
  FieldSpec id = Text("id");
  id.unique_per_account = true;
  s.fields = {id};
  return s;
}

}  // namespace

plugin_sdk::Schema TwilioSchema() {
  plugin_sdk::Schema schema;
  schema.provider = "twilio";
  FieldSpec domain = Pattern("domain_name", "^[A-Za-z0-9-]+\\.pstn\\.twilio\\.com$",
                             "letters, digits and '-', ending in .pstn.twilio.com");
  domain.unique_per_account = true;
  schema.fields = {
      Text("friendly_name", 64),
      domain,
      Pattern("disaster_recovery_url", "^https?://[^\\s]+$", "an http or https URL"),
      Enum("disaster_recovery_method", {"GET", "POST"}),
      Enum("transfer_mode", {"disable-all", "enable-all", "sip-only"}),
      Flag("secure"),
      Flag("cnam_lookup_enabled"),
      Enum("transfer_caller_id", {"from-transferee", "from-transferor"}),
      ReadOnly("sid"),
      ReadOnly("account_sid"),
      ReadOnly("auth_type"),
      ReadOnly("auth_type_set"),
      ReadOnly("symmetric_rtp_enabled"),
      ReadOnly("recording"),
      ReadOnly("date_created"),
      ReadOnly("date_updated"),
      ReadOnly("url"),
      ReadOnly("links"),
  };

  SubResourceSpec origination;
  origination.name = "origination_urls";
  origination.kind = SubResourceKind::kCollection;
  origination.fields = {
      Required(Text("friendly_name", 64)),
      Required(Pattern("sip_url", "^sip:[^\\s]+$", "a sip: URL")),
      Required(Int("priority", 0, 65535)),
      Required(Int("weight", 1, 65535)),
      Required(Flag("enabled")),
  };
  SubResourceSpec recording;
  recording.name = "recording";
  recording.kind = SubResourceKind::kSingleton;
  recording.fields = {
      Enum("mode", {"do-not-record", "record-from-ringing", "record-from-answer",
                    "record-from-ringing-dual", "record-from-answer-dual"}),
      Enum("trim", {"trim-silence", "do-not-trim"}),
  };
  recording.fields[0].default_value = "do-not-record";
  recording.fields[1].default_value = "do-not-trim";
  schema.sub_resources = {origination, recording, Attachments("credential_lists", "CL"),
                          Attachments("ip_access_control_lists", "AL"),
                          // A number has one trunk_sid: attaching it elsewhere moves it.
                          OnOneTrunk(Attachments("phone_numbers", "PN"))};
  return schema;
}

std::vector<plugin_sdk::Violation> TwilioRules(const plugin_sdk::TrunkFacts&) { return {}; }

}  // namespace trunkline::twilio
