#include "trunkline/base/flat_map.h"

#include <gtest/gtest.h>

#include <string>

namespace trunkline {
namespace {

TEST(FlatMapTest, KeepsKeysSortedAndUniqueLikeAMap) {
  FlatMap<std::string, int> m{{"b", 2}, {"a", 1}, {"b", 9}};
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.begin()->first, "a");
  EXPECT_EQ(m.at("b"), 2);  // the first of duplicate keys wins, as in std::map
  m["c"] = 3;
  m["a"] = 10;
  EXPECT_EQ(m.at("a"), 10);
  EXPECT_FALSE(m.emplace("c", 99).second);
  EXPECT_TRUE(m.emplace("d", 4).second);
  EXPECT_EQ(m.erase("b"), 1u);
  EXPECT_EQ(m.erase("zz"), 0u);
  EXPECT_EQ(m.count("b"), 0u);
  EXPECT_EQ(m.find("q"), m.end());
  std::string keys;
  for (const auto& [k, v] : m) keys += k;
  EXPECT_EQ(keys, "acd");
  EXPECT_THROW(m.at("b"), std::out_of_range);
  EXPECT_EQ(m, (FlatMap<std::string, int>{{"d", 4}, {"c", 3}, {"a", 10}}));
}

TEST(FlatMapTest, GrowsByOneEntryWithoutSlack) {
  FlatMap<std::string, int> m;
  for (int i = 0; i < 9; ++i) m[std::to_string(i)] = i;
  EXPECT_EQ(m.capacity(), 9u);
  m.emplace("z", 1);
  EXPECT_EQ(m.capacity(), 10u);
  EXPECT_EQ(m.at("z"), 1);
  EXPECT_EQ(m.at("0"), 0);
}

}  // namespace
}  // namespace trunkline
