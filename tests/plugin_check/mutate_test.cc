#include "mutate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::plugin_check {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
namespace sdk = plugin_sdk;

sdk::Schema TestSchema() {
  sdk::Schema s;
  s.provider = "acme";
  sdk::FieldSpec id;
  id.name = "sid";
  id.pattern = "^CL[0-9a-f]{32}$";
  id.pattern_rule = "CL and 32 hex digits";
  sdk::FieldSpec domain;
  domain.name = "domain";
  domain.pattern = "^[a-z0-9-]+\\.pstn\\.example\\.com$";
  domain.pattern_rule = "a pstn domain";
  s.fields = {id, domain};
  return s;
}

TEST(InputFactoryTest, StringValuesMatchTheirPatterns) {
  const InputFactory factory(TestSchema());
  for (uint64_t i = 0; i < 50; ++i) {
    Rng rng = CaseRng(1, "test", i);
    const sdk::TrunkFacts facts = factory.Facts(rng);
    for (const auto& [name, value] : facts.fields) {
      const std::string& text = std::get<std::string>(value);
      if (name == "sid") {
        EXPECT_THAT(text, ::testing::MatchesRegex("CL[0-9a-f]{32}"));
      } else {
        EXPECT_THAT(text, ::testing::EndsWith(".pstn.example.com"));
      }
    }
  }
}

TEST(InputFactoryTest, TheSameSeedAndIndexGiveTheSameInput) {
  const InputFactory factory(TestSchema());
  Rng a = CaseRng(42, "sync_plan", 7), b = CaseRng(42, "sync_plan", 7),
      c = CaseRng(43, "sync_plan", 7);
  std::string state_a, state_b, state_c;
  const std::string x = sdk::EncodePlanInput(factory.Plan(a, &state_a));
  EXPECT_EQ(x, sdk::EncodePlanInput(factory.Plan(b, &state_b)));
  EXPECT_EQ(state_a, state_b);
  EXPECT_NE(x, sdk::EncodePlanInput(factory.Plan(c, &state_c)));
}

TEST(MutateTest, MutationsAreReproducibleAndDescribed) {
  const std::string valid = sdk::EncodeTrunkFacts({{{"sid", std::string("x")}}, {}});
  std::set<std::string> distinct;
  for (uint64_t i = 0; i < 200; ++i) {
    Rng a = CaseRng(9, "m", i), b = CaseRng(9, "m", i);
    std::string what_a, what_b;
    const std::string x = Mutate(valid, a, &what_a);
    EXPECT_EQ(x, Mutate(valid, b, &what_b));
    EXPECT_EQ(what_a, what_b);
    EXPECT_FALSE(what_a.empty());
    distinct.insert(x);
  }
  EXPECT_GT(distinct.size(), 150u);
}

TEST(MutateTest, HostileCasesCoverEmptyCutNestedAndWrongTyped) {
  const std::string valid = sdk::EncodeTrunkFacts({{{"sid", std::string("x")}}, {}});
  const std::vector<Case> cases = HostileCases(valid, 2000);
  EXPECT_THAT(cases, Contains(Field(&Case::name, "empty input (0 bytes)")));
  EXPECT_THAT(cases, Contains(Field(&Case::name, "100000 nested arrays")));
  EXPECT_THAT(cases, Contains(Field(&Case::name, "valid input cut to 3 of " +
                                                     std::to_string(valid.size()) + " bytes")));
  EXPECT_THAT(cases, Contains(Field(&Case::name, "$.fields.sid replaced by nil")));
  EXPECT_THAT(cases, Contains(Field(&Case::name, "a 4 MiB string")));
  EXPECT_LE(HostileCases(valid, 40).size(), 40u);
}

}  // namespace
}  // namespace trunkline::plugin_check
