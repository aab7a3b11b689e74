#include "trunkline/base/suggest.h"

#include <gtest/gtest.h>

namespace trunkline {
namespace {

TEST(SuggestTest, NearNamesAreSuggestedAndFarOnesAreNot) {
  const std::vector<std::string> names = {"trunk", "journal", "plugins"};
  EXPECT_EQ(Suggest("trnk", names), "trunk");
  EXPECT_EQ(Suggest("jurnal", names), "journal");
  EXPECT_EQ(Suggest("plugnis", names), "plugins");  // two edits in a long word
  EXPECT_EQ(Suggest("xyz", names), std::nullopt);
  EXPECT_EQ(Suggest("tk", names), std::nullopt);  // three edits from "trunk"
  EXPECT_EQ(Suggest("anything", {}), std::nullopt);
}

}  // namespace
}  // namespace trunkline
