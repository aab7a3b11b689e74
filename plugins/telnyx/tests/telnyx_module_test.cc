// The built module as the host meets it: loaded with dlopen, its one entry symbol returns a
// descriptor of ABI 1.1 for provider "telnyx" with SCHEMA and SYNC, and its schema call
// answers through the C functions (bytes freed by the plugin).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "trunkline/plugin_sdk/abi.h"
#include "trunkline/plugin_sdk/schema_codec.h"

namespace {

TEST(TelnyxModuleTest, LoadsAndDescribesItsSchemaThroughTheAbi) {
  void* library = dlopen(TELNYX_MODULE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  using Entry = const tl_plugin_descriptor* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(library, "trunkline_plugin_entry"));
  ASSERT_NE(entry, nullptr);
  const tl_plugin_descriptor* d = entry();
  EXPECT_EQ(d->size, sizeof(tl_plugin_descriptor));
  EXPECT_EQ(d->abi_major, 1u);
  EXPECT_EQ(d->abi_minor, 1u);
  EXPECT_STREQ(d->provider_id, "telnyx");
  EXPECT_EQ(d->capabilities, TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC);
  tl_plugin* plugin = nullptr;
  tl_result made = d->create(tl_bytes{nullptr, 0}, &plugin);
  ASSERT_EQ(made.code, 0);
  tl_result schema = d->describe_schema(plugin);
  ASSERT_EQ(schema.code, 0);
  const auto decoded = trunkline::plugin_sdk::DecodeSchema(std::string_view(
      reinterpret_cast<const char*>(schema.value.data), schema.value.size));
  EXPECT_EQ(decoded.provider, "telnyx");
  d->free_bytes(schema.value);
  // Malformed input comes back as an error, not a crash.
  const uint8_t junk[] = {0xc1, 0x00};
  tl_result bad = d->sync_plan(plugin, tl_bytes{junk, sizeof junk});
  EXPECT_NE(bad.code, 0);
  d->free_bytes(bad.message);
  d->free_bytes(bad.value);
  d->destroy(plugin);
  dlclose(library);
}

}  // namespace
