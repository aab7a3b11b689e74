// PluginHost: finds provider plugins (shared libraries speaking the C ABI of
// plugins/sdk/abi.h), loads them, and calls them safely.
//
// A plugin that cannot be used is refused with a clear Status and the host carries on:
// a file that is not a shared library, a missing entry symbol, a wrong ABI major, a
// descriptor too small, unknown capability bits or a capability without its functions, a
// missing required function, a second plugin for an already provided id, a failing create.
// Every refusal stays listed (refused()). A plugin function that throws is contained at the
// boundary and comes back as a Status.
//
// Thread-safety: PluginHost is not thread-safe while loading; once loading is done, Find(),
// plugins() and refused() may be called from many threads, and each LoadedPlugin serialises
// its own calls. Ownership: a LoadedPlugin keeps its library loaded; it must not outlive its host.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/status.h"

namespace trunkline::plugin_host {

class LoadedPlugin {
 public:
  ~LoadedPlugin();  // destroys the instance inside the plugin, then releases the library
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const std::string& provider_id() const { return provider_id_; }
  const std::string& version() const { return version_; }
  const std::string& path() const { return path_; }
  uint64_t capabilities() const { return capabilities_; }
  // "1.0": the ABI version the plugin was built against.
  std::string abi_version() const;

  // The provider's schema, msgpack bytes (grammar in plugins/sdk/ABI.md).
  // Errors are the plugin's own, with the provider id in front of the message;
  // kUnimplemented when the plugin does not have capability SCHEMA.
  Result<std::string> DescribeSchema() const;
  // Violations of the provider's cross-field rules by `trunk` (msgpack), as a msgpack array.
  // Errors as DescribeSchema.
  Result<std::string> CheckRules(std::string_view trunk) const;

  // Whether the plugin syncs its trunks: capability SYNC, built for ABI 1.1 or later. An
  // ABI 1.0 plugin loads and serves its schema; its trunks are simply not synced.
  bool can_sync() const;
  // The sync functions (payloads: plugins/sdk/include/trunkline/plugin_sdk/sync_codec.h).
  // Pure and cheap: safe to call from a sync worker's io threads. Errors as DescribeSchema;
  // kUnimplemented when !can_sync().
  Result<std::string> SyncPlan(std::string_view input) const;
  Result<std::string> SyncAbsorb(std::string_view input) const;

 private:
  friend class PluginHost;
  struct Impl;
  explicit LoadedPlugin(std::unique_ptr<Impl> impl);
  Status RequireSchema() const;
  Status RequireSync() const;

  std::unique_ptr<Impl> impl_;
  std::string provider_id_;
  std::string version_;
  std::string path_;
  uint64_t capabilities_ = 0;
};

struct LoadReport {
  std::vector<std::string> loaded;  // provider ids
  std::vector<Status> refused;      // one per refused file, naming it
};

// A plugin file the host would not load, and why (the status names the file).
struct PluginRefusal {
  std::string path;
  Status status;
};

class PluginHost {
 public:
  PluginHost();
  ~PluginHost();

  // Loads every "*.so" file of `dir`, in name order. Never stops at a bad plugin: each
  // refusal is in the report. kNotFound if `dir` is not a directory.
  Result<LoadReport> LoadDirectory(const std::string& dir);

  // Loads one plugin and creates its instance with `config` (msgpack map; empty = none).
  // Errors (the message names the file and what is wrong; each is also kept in refused()):
  //   kFailedPrecondition: not a shared library, no entry symbol, wrong ABI major,
  //     descriptor too small, a capability bit unknown to the plugin's ABI version, a
  //     capability without its functions, no create, destroy or free_bytes, create failed;
  //   kAlreadyExists: a loaded plugin already provides the same provider id.
  Status LoadFile(const std::string& path, std::string_view config = {});

  // nullptr when no plugin provides `provider_id`.
  const LoadedPlugin* Find(std::string_view provider_id) const;
  // Every loaded plugin, ordered by provider id.
  std::vector<const LoadedPlugin*> plugins() const;
  // Every refusal since the host was made, in the order of the attempts.
  const std::vector<PluginRefusal>& refused() const { return refused_; }

 private:
  Status Load(const std::string& path, std::string_view config);

  std::map<std::string, std::unique_ptr<LoadedPlugin>, std::less<>> plugins_;
  std::vector<PluginRefusal> refused_;
};

// The directory plugins are loaded from when none is given: $TRUNKLINE_PLUGIN_DIR when set;
// otherwise the build's own plugin directory when it exists (so that a freshly built tree
// works with no flags); otherwise <directory of the executable>/../lib/trunkline/plugins.
std::string DefaultPluginDir();

}  // namespace trunkline::plugin_host
