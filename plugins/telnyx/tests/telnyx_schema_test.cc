// The schema the plugin declares and its cross-field rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "telnyx_schema.h"
#include "telnyx_sync.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::telnyx {
namespace {

using plugin_sdk::FieldSpec;
using plugin_sdk::FieldType;
using plugin_sdk::SubResourceKind;
using plugin_sdk::SubResourceSpec;

const FieldSpec& FieldOf(const std::vector<FieldSpec>& fields, const std::string& name) {
  auto it = std::find_if(fields.begin(), fields.end(),
                         [&](const FieldSpec& f) { return f.name == name; });
  if (it == fields.end()) throw std::runtime_error("no field " + name);
  return *it;
}

const SubResourceSpec& SubOf(const plugin_sdk::Schema& s, const std::string& name) {
  auto it = std::find_if(s.sub_resources.begin(), s.sub_resources.end(),
                         [&](const SubResourceSpec& r) { return r.name == name; });
  if (it == s.sub_resources.end()) throw std::runtime_error("no sub-resource " + name);
  return *it;
}

bool Matches(const FieldSpec& f, const std::string& value) {
  return std::regex_match(value, std::regex(f.pattern, std::regex::ECMAScript));
}

TEST(TelnyxSchemaTest, DeclaresTheConnectionAndItsParts) {
  const plugin_sdk::Schema s = TelnyxSchema();
  EXPECT_EQ(s.provider, "telnyx");
  EXPECT_TRUE(FieldOf(s.fields, "connection_name").required_on_create);
  EXPECT_EQ(FieldOf(s.fields, "transport_protocol").values,
            (std::vector<std::string>{"UDP", "TCP", "TLS"}));
  EXPECT_EQ(FieldOf(s.fields, "transport_protocol").default_value, "UDP");
  EXPECT_EQ(FieldOf(s.fields, "active").type, FieldType::kBool);
  EXPECT_EQ(FieldOf(s.fields, "webhook_timeout_secs").max, 30);
  for (const char* ro : {"id", "record_type", "created_at", "updated_at"}) {
    EXPECT_TRUE(FieldOf(s.fields, ro).read_only) << ro;
  }
  EXPECT_EQ(SubOf(s, "inbound").kind, SubResourceKind::kSingleton);
  EXPECT_EQ(FieldOf(SubOf(s, "inbound").fields, "dnis_number_format").values,
            (std::vector<std::string>{"+e164", "e164", "national", "sip_username"}));
  EXPECT_EQ(SubOf(s, "outbound").kind, SubResourceKind::kSingleton);
  EXPECT_EQ(FieldOf(SubOf(s, "outbound").fields, "fqdn_authentication_method").default_value,
            "ip-authentication");
  const SubResourceSpec& fqdns = SubOf(s, "fqdns");
  EXPECT_EQ(fqdns.kind, SubResourceKind::kCollection);
  EXPECT_TRUE(FieldOf(fqdns.fields, "fqdn").required_on_create);
  EXPECT_EQ(FieldOf(fqdns.fields, "dns_record_type").values, (std::vector<std::string>{"a", "srv"}));
  EXPECT_EQ(FieldOf(fqdns.fields, "port").max, 65535);
  const SubResourceSpec& numbers = SubOf(s, "phone_numbers");
  EXPECT_EQ(numbers.kind, SubResourceKind::kAttachments);
  ASSERT_EQ(numbers.fields.size(), 1u);
  EXPECT_TRUE(numbers.fields[0].unique_per_account);
}

TEST(TelnyxSchemaTest, PatternsTakeWhatTelnyxTakes) {
  const plugin_sdk::Schema s = TelnyxSchema();
  const FieldSpec& host = FieldOf(SubOf(s, "fqdns").fields, "fqdn");
  EXPECT_TRUE(Matches(host, "sbc1.example.com"));
  EXPECT_TRUE(Matches(host, "localhost"));
  for (const char* bad : {"sip:sbc.example.com", "sbc.example.com:5060", "-a.example.com",
                          "a..b", "user@sbc.example.com", ""}) {
    EXPECT_FALSE(Matches(host, bad)) << bad;
  }
  const FieldSpec& ovp = FieldOf(SubOf(s, "outbound").fields, "outbound_voice_profile_id");
  EXPECT_TRUE(Matches(ovp, "1911630617284445511"));
  EXPECT_FALSE(Matches(ovp, "6a09cdc3-8948-47f0-aa62-74ac943d6c58"));
  const std::regex number(SubOf(s, "phone_numbers").id_pattern);
  EXPECT_TRUE(std::regex_match("15550010001", number));
  EXPECT_FALSE(std::regex_match("+15550010001", number));
}

TEST(TelnyxSchemaTest, EveryFieldTheAdapterMapsIsDeclared) {
  const plugin_sdk::Schema s = TelnyxSchema();
  for (const FieldMap& f : kConnectionFields) {
    const std::string part = f.part;
    EXPECT_NO_THROW(FieldOf(part.empty() ? s.fields : SubOf(s, part).fields, f.name)) << f.name;
  }
  for (const FieldMap& f : kFqdnFields) {
    EXPECT_NO_THROW(FieldOf(SubOf(s, "fqdns").fields, f.name)) << f.name;
  }
}

TEST(TelnyxSchemaTest, TheSchemaSurvivesItsEncoding) {
  const plugin_sdk::Schema s = TelnyxSchema();
  const plugin_sdk::Schema back = plugin_sdk::DecodeSchema(plugin_sdk::EncodeSchema(s));
  EXPECT_EQ(back.provider, s.provider);
  EXPECT_EQ(back.fields.size(), s.fields.size());
  EXPECT_EQ(back.sub_resources.size(), s.sub_resources.size());
}

TEST(TelnyxRulesTest, EncryptedMediaIsNotForTls) {
  plugin_sdk::TrunkFacts t;
  t.fields = {{"connection_name", std::string("a")},
              {"transport_protocol", std::string("TLS")},
              {"encrypted_media", std::string("SRTP")}};
  EXPECT_EQ(TelnyxRules(t), (std::vector<plugin_sdk::Violation>{
                                {"encrypted_media",
                                 "encrypted_media cannot be set when transport_protocol is TLS"}}));
  t.fields["transport_protocol"] = std::string("TCP");
  EXPECT_TRUE(TelnyxRules(t).empty());
  t.fields["transport_protocol"] = std::string("TLS");
  t.fields.erase("encrypted_media");
  EXPECT_TRUE(TelnyxRules(t).empty());
  // Through the codec, as check_rules gets it.
  t.fields["encrypted_media"] = std::string("SRTP");
  EXPECT_EQ(TelnyxRules(plugin_sdk::DecodeTrunkFacts(plugin_sdk::EncodeTrunkFacts(t))).size(), 1u);
}

}  // namespace
}  // namespace trunkline::telnyx
