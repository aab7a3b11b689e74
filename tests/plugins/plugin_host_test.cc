#include "trunkline/plugin_host/plugin_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace trunkline::plugin_host {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string Fixture(const std::string& name) {
  return std::string(TRUNKLINE_FIXTURE_DIR) + "/" + name + ".so";
}

class PluginHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "plugins-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Copies fixture plugins into the test's plugin directory.
  void Install(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      std::filesystem::copy_file(Fixture(name), dir_ + "/" + name + ".so");
    }
  }
  void InstallGarbage() { std::ofstream(dir_ + "/garbage.so") << "this is not an ELF file\n"; }

  std::string dir_;
  PluginHost host_;
};

TEST_F(PluginHostTest, LoadsAPluginAndCallsItThroughTheAbi) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_dummy"), "cfg").ok());
  const LoadedPlugin* dummy = host_.Find("dummy");
  ASSERT_NE(dummy, nullptr);
  EXPECT_EQ(dummy->version(), "1.2.3");
  EXPECT_EQ(dummy->abi_version(), "1.1");
  EXPECT_EQ(dummy->capabilities(), 1u);
  EXPECT_EQ(*dummy->DescribeSchema(), "schema:cfg");
  EXPECT_EQ(*dummy->CheckRules("a trunk"), "a trunk");
  EXPECT_EQ(host_.Find("twilio"), nullptr);
}

TEST_F(PluginHostTest, ExceptionsInsideThePluginComeBackAsStatusAndTheHostGoesOn) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_dummy")).ok());
  const LoadedPlugin* dummy = host_.Find("dummy");
  auto boom = dummy->CheckRules("boom");
  EXPECT_EQ(boom.status().code(), StatusCode::kInternal);
  EXPECT_THAT(boom.status().message(), HasSubstr("plugin dummy"));
  EXPECT_THAT(boom.status().message(), HasSubstr("rule engine exploded"));
  auto bad = dummy->CheckRules("bad");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("trunk: not a msgpack map"));
  EXPECT_EQ(*dummy->CheckRules("fine"), "fine");
}

TEST_F(PluginHostTest, EachBadPluginIsRefusedByNameWhileTheGoodOneLoads) {
  Install({"fixture_dummy", "fixture_dummy_again", "fixture_create_fails", "fixture_wrong_major",
           "fixture_too_small", "fixture_no_entry"});
  InstallGarbage();
  auto report = host_.LoadDirectory(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->loaded, std::vector<std::string>{"dummy"});
  std::vector<std::string> messages;
  for (const Status& s : report->refused) messages.push_back(s.message());
  auto refusal = [&](const std::string& file, const std::string& why) {
    return AllOf(HasSubstr(dir_ + "/" + file + ".so"), HasSubstr(why));
  };
  EXPECT_THAT(
      messages,
      UnorderedElementsAre(
          refusal("fixture_dummy_again",
                  "provider id dummy is already provided by " + dir_ + "/fixture_dummy.so"),
          refusal("fixture_create_fails", "api_base: must be an https URL"),
          refusal("fixture_wrong_major", "built for plugin ABI 2.5; this host speaks ABI 1.1"),
          refusal("fixture_too_small", "descriptor of 16 bytes is smaller than the"),
          refusal("fixture_no_entry", "no entry symbol trunkline_plugin_entry"),
          refusal("garbage", "not a loadable shared library")));
  ASSERT_NE(host_.Find("dummy"), nullptr);
  EXPECT_EQ(*host_.Find("dummy")->CheckRules("still works"), "still works");
  EXPECT_EQ(host_.plugins().size(), 1u);
}

TEST_F(PluginHostTest, RefusalsCarryTheirCodes) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_dummy")).ok());
  EXPECT_EQ(host_.LoadFile(Fixture("fixture_dummy_again")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(host_.LoadFile(Fixture("fixture_wrong_major")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(host_.LoadFile(Fixture("fixture_create_fails")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(host_.LoadFile(dir_ + "/missing.so").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(host_.Find("fails"), nullptr);
  EXPECT_EQ(host_.refused().size(), 4u);
}

TEST_F(PluginHostTest, DescriptorsWithoutTheirFunctionsOrWithUnknownCapabilitiesAreRefused) {
  Install({"fixture_dummy", "fixture_unknown_capability", "fixture_sync_on_1_0",
           "fixture_sync_without_functions", "fixture_sync_too_small",
           "fixture_schema_without_functions", "fixture_no_destroy"});
  auto report = host_.LoadDirectory(dir_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->loaded, std::vector<std::string>{"dummy"});
  std::vector<std::string> messages;
  for (const Status& s : report->refused) {
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
    messages.push_back(s.message());
  }
  auto refusal = [&](const std::string& file, const std::string& why) {
    return AllOf(HasSubstr("plugin " + dir_ + "/" + file + ".so refused: "), HasSubstr(why));
  };
  EXPECT_THAT(
      messages,
      UnorderedElementsAre(
          refusal("fixture_unknown_capability",
                  "unknown capability bits 0x10 (ABI 1.0 defines SCHEMA 0x1 and SYNC 0x2)"),
          refusal("fixture_sync_on_1_0",
                  "capability SYNC (0x2) is set, but ABI 1.0 has no sync functions"),
          refusal("fixture_sync_without_functions",
                  "its descriptor has no function for sync_plan (capability SYNC), "
                  "sync_absorb (capability SYNC)"),
          refusal("fixture_sync_too_small", "bytes ABI 1.1 requires"),
          refusal("fixture_schema_without_functions",
                  "its descriptor has no function for describe_schema (capability SCHEMA), "
                  "check_rules (capability SCHEMA)"),
          refusal("fixture_no_destroy", "its descriptor has no function for destroy, free_bytes")));
  // Refusals stay listed, by file, in the order tried; the good plugin serves.
  std::vector<std::string> files;
  for (const PluginRefusal& r : host_.refused()) files.push_back(r.path);
  EXPECT_EQ(
      files,
      (std::vector<std::string>{
          dir_ + "/fixture_no_destroy.so", dir_ + "/fixture_schema_without_functions.so",
          dir_ + "/fixture_sync_on_1_0.so", dir_ + "/fixture_sync_too_small.so",
          dir_ + "/fixture_sync_without_functions.so", dir_ + "/fixture_unknown_capability.so"}));
  EXPECT_EQ(*host_.Find("dummy")->CheckRules("still works"), "still works");
}

TEST_F(PluginHostTest, APluginWithoutCapabilitySchemaLoadsButCannotDescribeOne) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_no_capabilities")).ok());
  const LoadedPlugin* bare = host_.Find("bare");
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->DescribeSchema().status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(bare->CheckRules("x").status().message(),
              HasSubstr("plugin bare does not have capability SCHEMA"));
  EXPECT_TRUE(host_.refused().empty());
}

TEST_F(PluginHostTest, ANewerMinorLoadsAndItsUnknownCapabilityBitsAreIgnored) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_newer_minor")).ok());
  const LoadedPlugin* newer = host_.Find("newer");
  ASSERT_NE(newer, nullptr);
  EXPECT_EQ(newer->abi_version(), "1.2");
  EXPECT_TRUE(newer->DescribeSchema().ok());
}

TEST_F(PluginHostTest, AnAbi10PluginLoadsServesItsSchemaAndIsNotSynced) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_abi_1_0")).ok());
  const LoadedPlugin* old = host_.Find("old-schema-only");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->abi_version(), "1.0");
  EXPECT_TRUE(old->DescribeSchema().ok());
  EXPECT_FALSE(old->can_sync());
  auto plan = old->SyncPlan("");
  EXPECT_EQ(plan.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(plan.status().message(), HasSubstr("its trunks are not synced"));
  EXPECT_EQ(old->SyncAbsorb("").status().code(), StatusCode::kUnimplemented);
}

TEST_F(PluginHostTest, APluginWithoutCapabilitySyncIsNeverAskedToSync) {
  ASSERT_TRUE(host_.LoadFile(Fixture("fixture_dummy")).ok());
  const LoadedPlugin* dummy = host_.Find("dummy");
  EXPECT_FALSE(dummy->can_sync());
  EXPECT_EQ(dummy->SyncPlan("").status().code(), StatusCode::kUnimplemented);
}

TEST_F(PluginHostTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(host_.LoadDirectory(dir_ + "/nope").status().code(), StatusCode::kNotFound);
}

TEST(DefaultPluginDirTest, EnvironmentOverridesTheBuiltInDefault) {
  ASSERT_EQ(setenv("TRUNKLINE_PLUGIN_DIR", "/opt/elsewhere/plugins", 1), 0);
  EXPECT_EQ(DefaultPluginDir(), "/opt/elsewhere/plugins");
  ASSERT_EQ(unsetenv("TRUNKLINE_PLUGIN_DIR"), 0);
  const std::string fallback = DefaultPluginDir();
  EXPECT_NE(fallback, "/opt/elsewhere/plugins");
  EXPECT_THAT(fallback, ::testing::EndsWith("plugins"));
}

}  // namespace
}  // namespace trunkline::plugin_host
