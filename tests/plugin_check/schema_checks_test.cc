#include "schema_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "trunkline/plugin_sdk/schema_codec.h"

namespace trunkline::plugin_check {
namespace {

using ::testing::HasSubstr;
namespace sdk = plugin_sdk;

sdk::Schema GoodSchema() {
  sdk::Schema s;
  s.provider = "acme";
  sdk::FieldSpec mode;
  mode.name = "mode";
  mode.type = sdk::FieldType::kEnum;
  mode.values = {"a", "b"};
  mode.default_value = "a";
  sdk::FieldSpec host;
  host.name = "host";
  host.pattern = "^[a-z.]+$";
  host.pattern_rule = "a host";
  host.default_value = "example.com";
  sdk::FieldSpec port;
  port.name = "port";
  port.type = sdk::FieldType::kInt;
  port.min = 1;
  port.max = 9;
  s.fields = {mode, host, port};
  sdk::SubResourceSpec numbers;
  numbers.name = "numbers";
  numbers.kind = sdk::SubResourceKind::kAttachments;
  numbers.id_pattern = "^[0-9]+$";
  numbers.id_rule = "digits";
  sdk::SubResourceSpec uris;
  uris.name = "uris";
  uris.fields = {host};
  s.sub_resources = {numbers, uris};
  return s;
}

const CheckResult& Find(const std::vector<CheckResult>& results, const std::string& id) {
  for (const CheckResult& r : results) {
    if (r.id == id) return r;
  }
  static const CheckResult none{"none", Verdict::kFail, "no such check"};
  return none;
}

TEST(SchemaChecksTest, AGoodSchemaPassesEveryCheck) {
  const std::vector<CheckResult> results = CheckSchema(GoodSchema(), "acme");
  ASSERT_EQ(results.size(), 6u);
  for (const CheckResult& r : results)
    EXPECT_EQ(r.verdict, Verdict::kPass) << r.id << ": " << r.message;
}

struct Defect {
  const char* name;
  std::function<void(sdk::Schema&)> spoil;
  const char* check;
  const char* message;
};

class SchemaDefectTest : public ::testing::TestWithParam<Defect> {};

TEST_P(SchemaDefectTest, FailsItsCheckNamingTheField) {
  sdk::Schema s = GoodSchema();
  GetParam().spoil(s);
  const std::vector<CheckResult> results = CheckSchema(s, "acme");
  const CheckResult& r = Find(results, GetParam().check);
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.message;
  EXPECT_THAT(r.message, HasSubstr(GetParam().message));
  for (const CheckResult& other : results) {
    if (other.id != GetParam().check) {
      EXPECT_EQ(other.verdict, Verdict::kPass) << other.id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Defects, SchemaDefectTest,
    ::testing::Values(
        Defect{"provider", [](sdk::Schema& s) { s.provider = "other"; }, "schema.provider",
               "names provider \"other\"; the descriptor says \"acme\""},
        Defect{"camel_case", [](sdk::Schema& s) { s.fields[1].name = "hostName"; }, "schema.names",
               "\"hostName\" is not a snake_case name"},
        Defect{"repeated_sub", [](sdk::Schema& s) { s.sub_resources[1].name = "numbers"; },
               "schema.names", "sub-resources: \"numbers\" is declared twice"},
        Defect{"repeated_value", [](sdk::Schema& s) { s.fields[0].values.push_back("a"); },
               "schema.types", "mode: enum value \"a\" listed twice"},
        Defect{"min_above_max", [](sdk::Schema& s) { s.fields[2].min = 10; }, "schema.types",
               "port: min 10 is above max 9"},
        Defect{"values_on_int", [](sdk::Schema& s) { s.fields[2].values = {"x"}; }, "schema.types",
               "port: values on a field that is not an enum"},
        Defect{"required_read_only",
               [](sdk::Schema& s) {
                 s.fields[2].read_only = true;
                 s.fields[2].required_on_create = true;
               },
               "schema.types", "port: read-only (set by the provider) yet required on create"},
        Defect{"enum_default", [](sdk::Schema& s) { s.fields[0].default_value = "c"; },
               "schema.defaults", "mode: must be one of a, b (got \"c\")"},
        Defect{"pattern_default", [](sdk::Schema& s) { s.fields[1].default_value = "A!"; },
               "schema.defaults", "host: must be a host"},
        Defect{"int_default", [](sdk::Schema& s) { s.fields[2].default_value = "99"; },
               "schema.defaults", "port: must be between 1 and 9 (got 99)"},
        Defect{"id_pattern", [](sdk::Schema& s) { s.sub_resources[0].id_pattern = "(("; },
               "schema.patterns", "numbers: id_pattern \"((\" does not compile"},
        Defect{"id_rule", [](sdk::Schema& s) { s.sub_resources[0].id_rule.clear(); },
               "schema.patterns", "numbers: id_pattern without an id_rule"},
        Defect{"empty_collection", [](sdk::Schema& s) { s.sub_resources[1].fields.clear(); },
               "schema.sub_resources", "uris: a collection with no fields"},
        Defect{"id_on_collection", [](sdk::Schema& s) { s.sub_resources[1].id_pattern = "^x$"; },
               "schema.sub_resources", "uris: id_pattern or id_rule on a collection"}),
    [](const ::testing::TestParamInfo<Defect>& p) { return std::string(p.param.name); });

TEST(SchemaChecksTest, SecretFieldsAreMarkedOrNamedSo) {
  sdk::Schema s = GoodSchema();
  sdk::FieldSpec password;
  password.name = "sip_password";
  sdk::FieldSpec key;
  key.name = "key";
  s.fields.push_back(password);
  s.sub_resources[1].fields.push_back(key);
  s.sub_resources[1].fields.push_back(password);
  // "secret": true on uris.key, as a plugin that encodes its own schema may say.
  std::string bytes;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(2);
  pk.pack("fields");
  pk.pack_array(0);
  pk.pack("sub_resources");
  pk.pack_array(1);
  pk.pack_map(2);
  pk.pack("name");
  pk.pack("uris");
  pk.pack("fields");
  pk.pack_array(1);
  pk.pack_map(2);
  pk.pack("name");
  pk.pack("key");
  pk.pack("secret");
  pk.pack(true);
  EXPECT_THAT(SecretFields(s, std::string_view(buffer.data(), buffer.size())),
              ::testing::ElementsAre("sip_password", "uris.key", "uris.sip_password"));
  EXPECT_THAT(SecretFields(s, sdk::EncodeSchema(s)),
              ::testing::ElementsAre("sip_password", "uris.sip_password"));
}

}  // namespace
}  // namespace trunkline::plugin_check
