// The provider-independent input rules, as tables, and what a schema may declare about
// attachment ids.
#include "trunkline/domain/input_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trunkline/domain/provider_schema.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::domain {
namespace {

using ::testing::HasSubstr;

struct CredentialCase {
  std::string url;
  bool refused;
};

TEST(CheckNoCredentialsTest, RefusesPasswordsAndHttpUsersButNotSipAddresses) {
  const std::vector<CredentialCase> cases = {
      {"https://user:secret@example.com", true},
      {"HTTPS://user:secret@example.com/x", true},
      {"http://token@example.com", true},
      {"https://user:@example.com", true},
      {"sip:user:pass@host", true},
      {"sips:user:pass@host:5061;transport=tls", true},
      {"sip://user:pass@host", true},
      {"ftp://user:pass@host/file", true},
      {"sip:user@host", false},
      {"sip:+14155550100@host;user=phone", false},
      {"sip:host:5060", false},
      {"sip://sip-box.com:1234", false},
      {"https://example.com/path@x", false},
      {"https://example.com?next=a:b@c", false},
      {"https://example.com#u:p@x", false},
      {"mailto:ops@example.com", false},
      {"not a url user:pass@host", false},
      {"", false},
  };
  for (const CredentialCase& c : cases) {
    const Status s = CheckNoCredentials("url", c.url);
    EXPECT_EQ(s.ok(), !c.refused) << c.url << ": " << s.ToString();
    if (c.refused) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(s.message(), "url: must not embed credentials; secrets never enter the journal");
    }
  }
}

TEST(CheckIdTest, AcceptsOnlyTheDocumentedCharactersAndLength) {
  EXPECT_TRUE(CheckId("id", "tr-0123456789ab").ok());
  EXPECT_TRUE(CheckId("id", "PN" + std::string(32, 'f')).ok());
  EXPECT_TRUE(CheckId("id", std::string(kMaxIdLength, 'a')).ok());
  for (const std::string& bad :
       {std::string(), std::string(kMaxIdLength + 1, 'a'), std::string("a b"), std::string("a/b"),
        std::string("a@b"), std::string("a\0b", 3), std::string("\xe2\x82\xac")}) {
    const Status s = CheckId("id", bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("id: "));
  }
}

TEST(CheckTextTest, AcceptsUnicodeAndRefusesEveryControlCharacter) {
  EXPECT_TRUE(CheckText("reason", "").ok());
  EXPECT_TRUE(CheckText("reason", "ticket #42: Z\xc3\xbcrich \xf0\x9f\x93\x9e").ok());
  for (uint32_t cp = 0; cp < 0x20; ++cp) {
    EXPECT_FALSE(CheckText("reason", std::string(1, static_cast<char>(cp))).ok()) << cp;
  }
  EXPECT_FALSE(CheckText("reason", "\x7f").ok());
  for (uint32_t cp = 0x80; cp < 0xA0; ++cp) {
    const std::string c1 = {static_cast<char>(0xC0 | (cp >> 6)),
                            static_cast<char>(0x80 | (cp & 0x3F))};
    EXPECT_FALSE(CheckText("reason", c1).ok()) << cp;
  }
  EXPECT_TRUE(CheckText("reason", "\xc2\xa0").ok());  // U+00A0, the first after C1
  // Truncated, stray continuation, past U+10FFFF.
  for (const char* bad : {"\xe2\x82", "\x80", "\xf4\x90\x80\x80", "\xff"}) {
    const Status s = CheckText("reason", bad);
    EXPECT_THAT(s.message(), HasSubstr("reason: must be valid UTF-8")) << s.ToString();
  }
}

Schema WithAttachmentFields(std::vector<FieldSpec> fields) {
  Schema schema{.provider = "acme"};
  SubResourceSpec numbers{.name = "numbers", .kind = SubResourceKind::kAttachments};
  numbers.fields = std::move(fields);
  schema.sub_resources = {numbers};
  return schema;
}

TEST(AttachmentIdSpecTest, ASchemaDeclaresAtMostAnIdFieldForAttachments) {
  auto unique = DecodeSchemaBytes(plugin_sdk::EncodeSchema(
      WithAttachmentFields({FieldSpec{.name = "id", .unique_per_account = true}})));
  ASSERT_TRUE(unique.ok()) << unique.status().ToString();
  const FieldSpec* id = AttachmentIdSpec(unique->sub_resources[0]);
  ASSERT_NE(id, nullptr);
  EXPECT_TRUE(id->unique_per_account);
  auto plain = DecodeSchemaBytes(plugin_sdk::EncodeSchema(WithAttachmentFields({})));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(AttachmentIdSpec(plain->sub_resources[0]), nullptr);
  auto other = DecodeSchemaBytes(
      plugin_sdk::EncodeSchema(WithAttachmentFields({FieldSpec{.name = "label"}})));
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(),
              HasSubstr("attachments sub-resource numbers may declare one field, named id"));
}

}  // namespace
}  // namespace trunkline::domain
