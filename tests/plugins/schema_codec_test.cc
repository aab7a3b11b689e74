// The SDK's msgpack codec, which plugins and the core share: every field survives a trip.
#include "trunkline/plugin_sdk/schema_codec.h"

#include <gtest/gtest.h>

namespace trunkline::plugin_sdk {
namespace {

FieldSpec Full() {
  FieldSpec f;
  f.name = "weight";
  f.type = FieldType::kInt;
  f.required_on_create = true;
  f.read_only = false;
  f.unique_per_account = true;
  f.default_value = "10";
  f.max_length = 7;
  f.pattern = "^[0-9]+$";
  f.pattern_rule = "digits";
  f.values = {"a", "b"};
  f.min = -1;
  f.max = 65535;
  return f;
}

void ExpectSame(const FieldSpec& a, const FieldSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.required_on_create, b.required_on_create);
  EXPECT_EQ(a.read_only, b.read_only);
  EXPECT_EQ(a.unique_per_account, b.unique_per_account);
  EXPECT_EQ(a.default_value, b.default_value);
  EXPECT_EQ(a.max_length, b.max_length);
  EXPECT_EQ(a.pattern, b.pattern);
  EXPECT_EQ(a.pattern_rule, b.pattern_rule);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
}

TEST(SchemaCodecTest, SchemaSurvivesARoundTripWithAndWithoutOptionalParts) {
  Schema schema;
  schema.provider = "acme";
  FieldSpec bare;
  bare.name = "note";
  schema.fields = {Full(), bare};
  SubResourceSpec ids;
  ids.name = "numbers";
  ids.kind = SubResourceKind::kAttachments;
  ids.id_pattern = "^[0-9]+$";
  ids.id_rule = "digits";
  SubResourceSpec items;
  items.name = "urls";
  items.kind = SubResourceKind::kCollection;
  items.fields = {bare, Full()};
  schema.sub_resources = {ids, items};

  const Schema back = DecodeSchema(EncodeSchema(schema));
  EXPECT_EQ(back.provider, "acme");
  ASSERT_EQ(back.fields.size(), 2u);
  ExpectSame(back.fields[0], Full());
  ExpectSame(back.fields[1], bare);
  ASSERT_EQ(back.sub_resources.size(), 2u);
  EXPECT_EQ(back.sub_resources[0].kind, SubResourceKind::kAttachments);
  EXPECT_EQ(back.sub_resources[0].id_rule, "digits");
  EXPECT_EQ(back.sub_resources[1].kind, SubResourceKind::kCollection);
  ASSERT_EQ(back.sub_resources[1].fields.size(), 2u);
  ExpectSame(back.sub_resources[1].fields[1], Full());
}

TEST(SchemaCodecTest, TrunkFactsAndViolationsSurviveARoundTrip) {
  TrunkFacts trunk;
  trunk.fields = {{"secure", true}, {"weight", int64_t{-5}}, {"name", std::string("x")}};
  trunk.attachments = {{"phone_numbers", {"1", "2"}}};
  const TrunkFacts back = DecodeTrunkFacts(EncodeTrunkFacts(trunk));
  EXPECT_EQ(back.fields, trunk.fields);
  EXPECT_EQ(back.attachments, trunk.attachments);
  const std::vector<Violation> v = {{"a", "rule a"}, {"b", "rule b"}};
  EXPECT_EQ(DecodeViolations(EncodeViolations(v)), v);
}

TEST(SchemaCodecTest, MalformedBytesThrowInsteadOfMisreading) {
  EXPECT_THROW(DecodeSchema("\x81"), std::runtime_error);  // map missing its entry
  EXPECT_THROW(DecodeViolations("\x81\xa1"
                                "a\x01"),
               std::runtime_error);                                        // not an array
  EXPECT_THROW(DecodeSchema("\x81\xa8provider\x05"), std::runtime_error);  // wrong type
}

}  // namespace
}  // namespace trunkline::plugin_sdk
