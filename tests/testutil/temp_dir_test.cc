#include "testutil/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trunkline::testing {
namespace {

TEST(TempDirTest, IsAFreshDirectoryRemovedWithItsContents) {
  std::string path;
  {
    TempDir dir("testutil-test");
    path = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(path));
    EXPECT_TRUE(std::filesystem::is_empty(path));
    EXPECT_NE(TempDir("testutil-test").path(), path);
    std::filesystem::create_directory(dir.Sub("nested"));
    std::ofstream(dir.Sub("nested/file")) << "data";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace trunkline::testing
