// The Twilio and Plivo plugins, loaded through the real host, validated by the core.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trunkline/domain/provider_schema.h"
#include "trunkline/plugin_host/plugin_host.h"

namespace trunkline::domain {
namespace {

using plugin_host::PluginHost;
using ::testing::HasSubstr;

class ProviderPluginsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new PluginHost();
    auto report = host_->LoadDirectory(plugin_host::DefaultPluginDir());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->refused.empty()) << report->refused.front().ToString();
    for (const char* id : {"twilio", "plivo"}) {
      ASSERT_NE(host_->Find(id), nullptr)
          << id << " not found in " << plugin_host::DefaultPluginDir();
      auto bytes = host_->Find(id)->DescribeSchema();
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      auto schema = DecodeSchemaBytes(*bytes);
      ASSERT_TRUE(schema.ok()) << schema.status().ToString();
      schemas_[id] = *schema;
    }
  }
  static void TearDownTestSuite() { delete host_; }

  static const Schema& Twilio() { return schemas_["twilio"]; }
  static const Schema& Plivo() { return schemas_["plivo"]; }

  static Result<FieldValues> Create(const Schema& schema, std::map<std::string, std::string> set) {
    return ApplyFieldChanges(schema.fields, {}, FieldChanges{std::move(set), {}}, true);
  }

  static const SubResourceSpec& Sub(const Schema& schema, const std::string& name,
                                    SubResourceKind kind) {
    auto found = FindSubResource(schema, name, kind);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return **found;
  }

  // Runs the provider's cross-field rules through the plugin.
  static Status Rules(const std::string& provider, const FieldValues& fields,
                      std::map<std::string, std::vector<std::string>> attachments = {}) {
    auto answer = host_->Find(provider)->CheckRules(
        EncodeTrunkFactsBytes(TrunkFacts{{fields.begin(), fields.end()}, std::move(attachments)}));
    if (!answer.ok()) return answer.status();
    auto violations = DecodeViolationBytes(*answer);
    if (!violations.ok()) return violations.status();
    return ViolationsToStatus(*violations);
  }

  static PluginHost* host_;
  static std::map<std::string, Schema> schemas_;
};

PluginHost* ProviderPluginsTest::host_ = nullptr;
std::map<std::string, Schema> ProviderPluginsTest::schemas_;

void ExpectRefused(const Status& s, const std::string& field, const std::string& rule) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(field + ": " + rule));
}

struct FieldCase {
  std::string field;
  std::string good;
  std::string bad;
  std::string rule;  // part of the refusal message
};

TEST_F(ProviderPluginsTest, BothPluginsDescribeThemselves) {
  EXPECT_EQ(Twilio().provider, "twilio");
  EXPECT_EQ(Plivo().provider, "plivo");
  EXPECT_EQ(host_->Find("twilio")->capabilities() & 1u, 1u);
}

TEST_F(ProviderPluginsTest, TwilioTrunkFieldRules) {
  const std::vector<FieldCase> cases = {
      {"friendly_name", std::string(64, 'n'), std::string(65, 'n'), "at most 64 characters"},
      {"domain_name", "my-trunk.pstn.twilio.com", "my_trunk.pstn.twilio.com",
       "must be letters, digits and '-', ending in .pstn.twilio.com"},
      {"domain_name", "a1-b2.pstn.twilio.com", "my-trunk.example.com",
       "must be letters, digits and '-', ending in .pstn.twilio.com"},
      {"disaster_recovery_url", "https://example.com/dr", "ftp://example.com",
       "must be an http or https URL"},
      {"disaster_recovery_method", "POST", "PUT", "must be one of GET, POST"},
      {"transfer_mode", "sip-only", "bogus", "must be one of disable-all, enable-all, sip-only"},
      {"secure", "true", "yes", "must be true or false"},
      {"cnam_lookup_enabled", "false", "1", "must be true or false"},
      {"transfer_caller_id", "from-transferor", "from-nobody",
       "must be one of from-transferee, from-transferor"},
  };
  for (const FieldCase& c : cases) {
    SCOPED_TRACE(c.field + "=" + c.bad);
    EXPECT_TRUE(Create(Twilio(), {{c.field, c.good}}).ok());
    ExpectRefused(Create(Twilio(), {{c.field, c.bad}}).status(), c.field, c.rule);
  }
}

TEST_F(ProviderPluginsTest, TwilioReadOnlyAndUnknownFieldsCannotBeSet) {
  for (const char* field : {"sid", "auth_type", "symmetric_rtp_enabled", "date_created",
                            "date_updated", "url", "links", "recording"}) {
    ExpectRefused(Create(Twilio(), {{field, "x"}}).status(), field,
                  "is read-only (set by the provider)");
  }
  ExpectRefused(Create(Twilio(), {{"colour", "blue"}}).status(), "colour",
                "is not a field here; known: friendly_name, domain_name");
}

TEST_F(ProviderPluginsTest, TwilioDomainNameIsDeclaredUniquePerAccount) {
  int unique = 0;
  for (const FieldSpec& f : Twilio().fields) unique += f.unique_per_account ? 1 : 0;
  ASSERT_EQ(unique, 1);
  for (const FieldSpec& f : Twilio().fields) {
    if (f.unique_per_account) {
      EXPECT_EQ(f.name, "domain_name");
    }
  }
}

TEST_F(ProviderPluginsTest, PhoneNumbersAreDeclaredOnOneTrunkPerAccount) {
  for (const Schema* schema : {&Twilio(), &Plivo()}) {
    const FieldSpec* id =
        AttachmentIdSpec(Sub(*schema, "phone_numbers", SubResourceKind::kAttachments));
    ASSERT_NE(id, nullptr) << schema->provider;
    EXPECT_TRUE(id->unique_per_account) << schema->provider;
  }
  // Twilio credential lists and IP ACLs may be shared by several trunks.
  for (const char* shared : {"credential_lists", "ip_access_control_lists"}) {
    EXPECT_EQ(AttachmentIdSpec(Sub(Twilio(), shared, SubResourceKind::kAttachments)), nullptr)
        << shared;
  }
}

TEST_F(ProviderPluginsTest, UrlFieldsRefuseEmbeddedCredentialsWithoutEchoingThem) {
  auto dr = Create(Twilio(), {{"disaster_recovery_url", "https://ops:dr-s3cret@dr.example.com"}});
  EXPECT_EQ(dr.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(dr.status().message(),
              HasSubstr("disaster_recovery_url: must not embed credentials; secrets never enter "
                        "the journal"));
  EXPECT_THAT(dr.status().message(), ::testing::Not(HasSubstr("dr-s3cret")));
  const SubResourceSpec& urls = Sub(Twilio(), "origination_urls", SubResourceKind::kCollection);
  auto sip = ApplyFieldChanges(urls.fields, {},
                               FieldChanges{{{"friendly_name", "pbx"},
                                             {"sip_url", "sip:pbx:p4ss@pbx.example.com"},
                                             {"priority", "1"},
                                             {"weight", "1"},
                                             {"enabled", "true"}},
                                            {}},
                               true, "origination_urls.");
  EXPECT_EQ(sip.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sip.status().message(), HasSubstr("origination_urls.sip_url: must not embed"));
  EXPECT_THAT(sip.status().message(), ::testing::Not(HasSubstr("p4ss")));
}

TEST_F(ProviderPluginsTest, TwilioOriginationUrlRules) {
  const SubResourceSpec& urls = Sub(Twilio(), "origination_urls", SubResourceKind::kCollection);
  const std::map<std::string, std::string> valid = {{"friendly_name", "pbx"},
                                                    {"sip_url", "sip:pbx.example.com:5060"},
                                                    {"priority", "10"},
                                                    {"weight", "10"},
                                                    {"enabled", "true"}};
  auto apply = [&](std::map<std::string, std::string> set) {
    return ApplyFieldChanges(urls.fields, {}, FieldChanges{std::move(set), {}}, true,
                             "origination_urls.");
  };
  ASSERT_TRUE(apply(valid).ok());
  const std::vector<FieldCase> cases = {
      {"sip_url", "sip:10.0.0.1", "http://pbx.example.com", "must be a sip: URL"},
      {"priority", "0", "-1", "must be between 0 and 65535"},
      {"priority", "65535", "65536", "must be between 0 and 65535"},
      {"weight", "1", "0", "must be between 1 and 65535"},
      {"weight", "65535", "70000", "must be between 1 and 65535"},
      {"weight", "5", "five", "must be a whole number"},
      {"enabled", "false", "on", "must be true or false"},
      {"friendly_name", std::string(64, 'f'), std::string(65, 'f'), "at most 64 characters"},
  };
  for (const FieldCase& c : cases) {
    SCOPED_TRACE(c.field + "=" + c.bad);
    auto good = valid;
    good[c.field] = c.good;
    EXPECT_TRUE(apply(good).ok());
    auto bad = valid;
    bad[c.field] = c.bad;
    ExpectRefused(apply(bad).status(), "origination_urls." + c.field, c.rule);
  }
  for (const auto& [field, value] : valid) {
    auto missing = valid;
    missing.erase(field);
    ExpectRefused(apply(missing).status(), "origination_urls." + field, "is required");
  }
}

TEST_F(ProviderPluginsTest, TwilioRecordingRules) {
  const SubResourceSpec& rec = Sub(Twilio(), "recording", SubResourceKind::kSingleton);
  auto apply = [&](std::map<std::string, std::string> set) {
    return ApplyFieldChanges(rec.fields, {}, FieldChanges{std::move(set), {}}, true, "recording.");
  };
  for (const char* mode : {"do-not-record", "record-from-ringing", "record-from-answer",
                           "record-from-ringing-dual", "record-from-answer-dual"}) {
    EXPECT_TRUE(apply({{"mode", mode}}).ok()) << mode;
  }
  ExpectRefused(apply({{"mode", "record-always"}}).status(), "recording.mode", "must be one of");
  EXPECT_TRUE(apply({{"trim", "trim-silence"}}).ok());
  ExpectRefused(apply({{"trim", "trim"}}).status(), "recording.trim",
                "must be one of trim-silence, do-not-trim");
  auto defaults = apply({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(FieldValueToString(defaults->at("mode")), "do-not-record");
  EXPECT_EQ(FieldValueToString(defaults->at("trim")), "do-not-trim");
}

TEST_F(ProviderPluginsTest, TwilioAttachmentSidFormats) {
  const std::string hex32(32, 'a');
  for (const auto& [name, prefix] :
       std::vector<std::pair<std::string, std::string>>{{"credential_lists", "CL"},
                                                        {"ip_access_control_lists", "AL"},
                                                        {"phone_numbers", "PN"}}) {
    const SubResourceSpec& spec = Sub(Twilio(), name, SubResourceKind::kAttachments);
    EXPECT_TRUE(CheckAttachmentId(spec, prefix + hex32).ok()) << name;
    ExpectRefused(CheckAttachmentId(spec, prefix + hex32.substr(1)), name,
                  "id must be " + prefix + " followed by 32 hex digits");
    ExpectRefused(CheckAttachmentId(spec, "XX" + hex32), name, "id must be " + prefix);
    ExpectRefused(CheckAttachmentId(spec, prefix + std::string(32, 'g')), name, "id must be");
  }
  EXPECT_FALSE(FindSubResource(Twilio(), "phone_numbers", SubResourceKind::kCollection).ok());
}

TEST_F(ProviderPluginsTest, TwilioHasNoCrossFieldRules) {
  auto fields = Create(Twilio(), {{"friendly_name", "t"}});
  ASSERT_TRUE(fields.ok());
  EXPECT_TRUE(Rules("twilio", *fields).ok());
}

TEST_F(ProviderPluginsTest, PlivoFieldRulesAndDefaults) {
  ExpectRefused(Create(Plivo(), {{"name", "t"}}).status(), "trunk_direction", "is required");
  ExpectRefused(Create(Plivo(), {{"trunk_direction", "sideways"}}).status(), "trunk_direction",
                "must be one of inbound, outbound");
  ExpectRefused(Create(Plivo(), {{"trunk_direction", "outbound"}, {"trunk_status", "on"}}).status(),
                "trunk_status", "must be one of enabled, disabled");
  ExpectRefused(
      Create(Plivo(), {{"trunk_direction", "outbound"}, {"ipacl_uuid", "not-a-uuid"}}).status(),
      "ipacl_uuid", "must be a UUID");
  ExpectRefused(Create(Plivo(), {{"trunk_direction", "outbound"}, {"trunk_id", "1"}}).status(),
                "trunk_id", "is read-only");
  ExpectRefused(Create(Plivo(), {{"trunk_direction", "outbound"}, {"trunk_domain", "x"}}).status(),
                "trunk_domain", "is read-only");
  auto created = Create(Plivo(), {{"trunk_direction", "outbound"}});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(FieldValueToString(created->at("trunk_status")), "enabled");
  EXPECT_EQ(FieldValueToString(created->at("secure")), "false");
  const SubResourceSpec& numbers = Sub(Plivo(), "phone_numbers", SubResourceKind::kAttachments);
  EXPECT_TRUE(CheckAttachmentId(numbers, "14155550100").ok());
  ExpectRefused(CheckAttachmentId(numbers, "+14155550100"), "phone_numbers",
                "id must be an E.164 number as digits, without '+'");
}

TEST_F(ProviderPluginsTest, PlivoDirectionRules) {
  const std::string uuid = "3f2a0c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
  auto fields = [&](std::map<std::string, std::string> set) {
    auto r = Create(Plivo(), std::move(set));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : FieldValues{};
  };
  // Outbound needs an IP ACL or a credential.
  ExpectRefused(Rules("plivo", fields({{"trunk_direction", "outbound"}})), "ipacl_uuid",
                "an outbound trunk needs ipacl_uuid or credential_uuid");
  EXPECT_TRUE(Rules("plivo", fields({{"trunk_direction", "outbound"}, {"ipacl_uuid", uuid}})).ok());
  EXPECT_TRUE(
      Rules("plivo", fields({{"trunk_direction", "outbound"}, {"credential_uuid", uuid}})).ok());
  // Inbound needs a primary URI.
  ExpectRefused(Rules("plivo", fields({{"trunk_direction", "inbound"}})), "primary_uri_uuid",
                "an inbound trunk needs primary_uri_uuid");
  const FieldValues inbound = fields({{"trunk_direction", "inbound"}, {"primary_uri_uuid", uuid}});
  EXPECT_TRUE(Rules("plivo", inbound).ok());
  // Fallback only on inbound.
  EXPECT_TRUE(Rules("plivo", fields({{"trunk_direction", "inbound"},
                                     {"primary_uri_uuid", uuid},
                                     {"fallback_uri_uuid", uuid}}))
                  .ok());
  ExpectRefused(Rules("plivo", fields({{"trunk_direction", "outbound"},
                                       {"ipacl_uuid", uuid},
                                       {"fallback_uri_uuid", uuid}})),
                "fallback_uri_uuid", "only an inbound trunk has a fallback URI");
  // Phone numbers on inbound trunks only.
  EXPECT_TRUE(Rules("plivo", inbound, {{"phone_numbers", {"14155550100"}}}).ok());
  ExpectRefused(Rules("plivo", fields({{"trunk_direction", "outbound"}, {"ipacl_uuid", uuid}}),
                      {{"phone_numbers", {"14155550100"}}}),
                "phone_numbers", "phone numbers attach to inbound trunks only");
}

TEST_F(ProviderPluginsTest, PlivoRulesHoldOnUpdateToo) {
  const std::string uuid = "3f2a0c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
  auto inbound = Create(Plivo(), {{"trunk_direction", "inbound"}, {"primary_uri_uuid", uuid}});
  ASSERT_TRUE(inbound.ok());
  ASSERT_TRUE(Rules("plivo", *inbound).ok());
  // Unsetting the primary URI would break the inbound rule.
  auto unset =
      ApplyFieldChanges(Plivo().fields, *inbound, FieldChanges{{}, {"primary_uri_uuid"}}, false);
  ASSERT_TRUE(unset.ok());
  ExpectRefused(Rules("plivo", *unset), "primary_uri_uuid",
                "an inbound trunk needs primary_uri_uuid");
  // Turning it outbound without auth breaks the outbound rule.
  auto flipped = ApplyFieldChanges(Plivo().fields, *inbound,
                                   FieldChanges{{{"trunk_direction", "outbound"}}, {}}, false);
  ASSERT_TRUE(flipped.ok());
  ExpectRefused(Rules("plivo", *flipped), "ipacl_uuid", "an outbound trunk needs");
  // A required field cannot be unset at all.
  ExpectRefused(
      ApplyFieldChanges(Plivo().fields, *inbound, FieldChanges{{}, {"trunk_direction"}}, false)
          .status(),
      "trunk_direction", "is required and cannot be unset");
}

TEST_F(ProviderPluginsTest, MalformedInputToAPluginIsAnErrorNotACrash) {
  auto answer = host_->Find("plivo")->CheckRules("\xc1 not msgpack");
  EXPECT_FALSE(answer.ok());
  EXPECT_THAT(answer.status().message(), HasSubstr("plugin plivo"));
  EXPECT_EQ(*host_->Find("twilio")->CheckRules(EncodeTrunkFactsBytes({})), "\x90");
}

}  // namespace
}  // namespace trunkline::domain
