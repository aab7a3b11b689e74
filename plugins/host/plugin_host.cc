// The Boost.DLL border: the only file that loads shared libraries.
#include "trunkline/plugin_host/plugin_host.h"

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "trunkline/plugin_sdk/abi.h"

namespace trunkline::plugin_host {
namespace {

// A result from the plugin, handed back to it once read.
class PluginAnswer {
 public:
  PluginAnswer(const tl_plugin_descriptor& d, tl_result r) : d_(d), r_(r) {}
  ~PluginAnswer() {
    d_.free_bytes(r_.message);
    d_.free_bytes(r_.value);
  }
  PluginAnswer(const PluginAnswer&) = delete;
  PluginAnswer& operator=(const PluginAnswer&) = delete;

  // The value, or the plugin's error as a Status with `context` in front.
  Result<std::string> Take(std::string_view context) const {
    if (r_.code == 0) return std::string(Chars(r_.value));
    StatusCode code = static_cast<StatusCode>(r_.code);
    if (r_.code < 1 || r_.code > 16) code = StatusCode::kInternal;
    std::string message = std::string(context) + ": " + std::string(Chars(r_.message));
    return Status(code, std::move(message));
  }

 private:
  static std::string_view Chars(tl_owned_bytes b) {
    return std::string_view(reinterpret_cast<const char*>(b.data), b.size);
  }
  const tl_plugin_descriptor& d_;
  tl_result r_;
};

tl_bytes Borrow(std::string_view bytes) {
  return tl_bytes{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

Status Refuse(const std::string& path, const std::string& why) {
  return FailedPreconditionError("plugin " + path + " refused: " + why);
}

std::string Hex(uint64_t bits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[bits & 0xf]);
    bits >>= 4;
  } while (bits != 0);
  return "0x" + out;
}

constexpr uint64_t kKnownCapabilities = TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC;

// The capability bits, for a descriptor of a minor this host knows every bit of (a newer
// minor may define bits this host has never heard of; it ignores them).
Status CheckCapabilities(const std::string& path, const tl_plugin_descriptor& d) {
  if (d.abi_minor > TRUNKLINE_PLUGIN_ABI_MINOR) return OkStatus();
  const std::string abi = "ABI " + std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor);
  if (const uint64_t unknown = d.capabilities & ~kKnownCapabilities; unknown != 0) {
    return Refuse(path, "unknown capability bits " + Hex(unknown) + " (" + abi +
                            " defines SCHEMA 0x1 and SYNC 0x2)");
  }
  if ((d.capabilities & TRUNKLINE_PLUGIN_CAP_SYNC) && d.abi_minor < 1) {
    return Refuse(path, "capability SYNC (0x2) is set, but " + abi + " has no sync functions");
  }
  return OkStatus();
}

// Every function pointer ABI 1.0 requires, and those of each capability the plugin claims.
Status CheckFunctions(const std::string& path, const tl_plugin_descriptor& d) {
  std::string missing;
  const auto need = [&](bool present, const char* name) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  need(d.create != nullptr, "create");
  need(d.destroy != nullptr, "destroy");
  need(d.free_bytes != nullptr, "free_bytes");
  if (d.capabilities & TRUNKLINE_PLUGIN_CAP_SCHEMA) {
    need(d.describe_schema != nullptr, "describe_schema (capability SCHEMA)");
    need(d.check_rules != nullptr, "check_rules (capability SCHEMA)");
  }
  if ((d.capabilities & TRUNKLINE_PLUGIN_CAP_SYNC) && d.abi_minor >= 1) {
    need(d.sync_plan != nullptr, "sync_plan (capability SYNC)");
    need(d.sync_absorb != nullptr, "sync_absorb (capability SYNC)");
  }
  if (missing.empty()) return OkStatus();
  return Refuse(path, "its descriptor has no function for " + missing);
}

}  // namespace

struct LoadedPlugin::Impl {
  boost::dll::shared_library library;
  const tl_plugin_descriptor* descriptor = nullptr;
  tl_plugin* instance = nullptr;
  std::mutex mu;  // one call at a time per instance, as the ABI promises plugins
};

LoadedPlugin::LoadedPlugin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LoadedPlugin::~LoadedPlugin() {
  // The instance is destroyed by the plugin that made it, while its code is still loaded.
  if (impl_->instance != nullptr) impl_->descriptor->destroy(impl_->instance);
}

std::string LoadedPlugin::abi_version() const {
  return std::to_string(impl_->descriptor->abi_major) + "." +
         std::to_string(impl_->descriptor->abi_minor);
}

Status LoadedPlugin::RequireSchema() const {
  if (capabilities_ & TRUNKLINE_PLUGIN_CAP_SCHEMA) return OkStatus();
  return UnimplementedError("plugin " + provider_id_ +
                            " does not have capability SCHEMA (describe_schema, check_rules)");
}

Result<std::string> LoadedPlugin::DescribeSchema() const {
  TRUNKLINE_RETURN_IF_ERROR(RequireSchema());
  std::lock_guard lock(impl_->mu);
  PluginAnswer answer(*impl_->descriptor, impl_->descriptor->describe_schema(impl_->instance));
  return answer.Take("plugin " + provider_id_ + ": describing its schema");
}

Result<std::string> LoadedPlugin::CheckRules(std::string_view trunk) const {
  TRUNKLINE_RETURN_IF_ERROR(RequireSchema());
  std::lock_guard lock(impl_->mu);
  PluginAnswer answer(*impl_->descriptor,
                      impl_->descriptor->check_rules(impl_->instance, Borrow(trunk)));
  return answer.Take("plugin " + provider_id_ + ": checking rules");
}

bool LoadedPlugin::can_sync() const {
  return (capabilities_ & TRUNKLINE_PLUGIN_CAP_SYNC) && impl_->descriptor->abi_minor >= 1;
}

Status LoadedPlugin::RequireSync() const {
  if (can_sync()) return OkStatus();
  return UnimplementedError("plugin " + provider_id_ + " (ABI " + abi_version() +
                            ") does not have capability SYNC: its trunks are not synced");
}

Result<std::string> LoadedPlugin::SyncPlan(std::string_view input) const {
  TRUNKLINE_RETURN_IF_ERROR(RequireSync());
  std::lock_guard lock(impl_->mu);
  PluginAnswer answer(*impl_->descriptor,
                      impl_->descriptor->sync_plan(impl_->instance, Borrow(input)));
  return answer.Take("plugin " + provider_id_ + ": planning a sync step");
}

Result<std::string> LoadedPlugin::SyncAbsorb(std::string_view input) const {
  TRUNKLINE_RETURN_IF_ERROR(RequireSync());
  std::lock_guard lock(impl_->mu);
  PluginAnswer answer(*impl_->descriptor,
                      impl_->descriptor->sync_absorb(impl_->instance, Borrow(input)));
  return answer.Take("plugin " + provider_id_ + ": reading a provider answer");
}

PluginHost::PluginHost() = default;
PluginHost::~PluginHost() = default;

Result<LoadReport> PluginHost::LoadDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return NotFoundError("plugin directory " + dir + " does not exist");
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  LoadReport report;
  for (const std::string& file : files) {
    const size_t before = plugins_.size();
    Status s = LoadFile(file);
    if (!s.ok()) {
      report.refused.push_back(std::move(s));
    } else if (plugins_.size() > before) {
      for (const auto& [id, plugin] : plugins_) {
        if (plugin->path() == file) report.loaded.push_back(id);
      }
    }
  }
  return report;
}

Status PluginHost::LoadFile(const std::string& path, std::string_view config) {
  Status status = Load(path, config);
  if (!status.ok()) refused_.push_back({path, status});
  return status;
}

Status PluginHost::Load(const std::string& path, std::string_view config) {
  auto impl = std::make_unique<LoadedPlugin::Impl>();
  boost::dll::fs::error_code ec;
  impl->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) return Refuse(path, "not a loadable shared library (" + ec.message() + ")");
  if (!impl->library.has(TRUNKLINE_PLUGIN_ENTRY_SYMBOL)) {
    return Refuse(path, std::string("no entry symbol ") + TRUNKLINE_PLUGIN_ENTRY_SYMBOL);
  }
  auto entry = impl->library.get<const tl_plugin_descriptor*()>(TRUNKLINE_PLUGIN_ENTRY_SYMBOL);
  const tl_plugin_descriptor* d = entry();
  if (d == nullptr) return Refuse(path, "its entry returned no descriptor");
  // Read no member before the size says it is there.
  const auto too_small = [&](size_t required, const std::string& abi) {
    return Refuse(path, "descriptor of " + std::to_string(d->size) + " bytes is smaller than " +
                            "the " + std::to_string(required) + " bytes ABI " + abi + " requires");
  };
  constexpr size_t kVersionEnd = offsetof(tl_plugin_descriptor, abi_minor) + sizeof(uint16_t);
  if (d->size < kVersionEnd) return too_small(kVersionEnd, "1.0");
  if (d->abi_major != TRUNKLINE_PLUGIN_ABI_MAJOR) {
    return Refuse(path, "built for plugin ABI " + std::to_string(d->abi_major) + "." +
                            std::to_string(d->abi_minor) + "; this host speaks ABI " +
                            std::to_string(TRUNKLINE_PLUGIN_ABI_MAJOR) + "." +
                            std::to_string(TRUNKLINE_PLUGIN_ABI_MINOR));
  }
  if (d->size < TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0) {
    return too_small(TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0, "1.0");
  }
  if (d->abi_minor >= 1 && d->size < TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_1) {
    return too_small(TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_1, "1.1");
  }
  TRUNKLINE_RETURN_IF_ERROR(CheckCapabilities(path, *d));
  TRUNKLINE_RETURN_IF_ERROR(CheckFunctions(path, *d));
  const std::string id = d->provider_id ? d->provider_id : "";
  if (id.empty()) return Refuse(path, "its descriptor names no provider id");
  if (auto it = plugins_.find(id); it != plugins_.end()) {
    return AlreadyExistsError("plugin " + path + " refused: provider id " + id +
                              " is already provided by " + it->second->path());
  }
  impl->descriptor = d;
  tl_plugin* instance = nullptr;
  PluginAnswer created(*d, d->create(Borrow(config), &instance));
  if (Result<std::string> r = created.Take("create"); !r.ok()) {
    if (instance != nullptr) d->destroy(instance);
    return Refuse(path, r.status().message());
  }
  impl->instance = instance;
  std::unique_ptr<LoadedPlugin> plugin(new LoadedPlugin(std::move(impl)));
  plugin->provider_id_ = id;
  plugin->version_ = d->plugin_version ? d->plugin_version : "";
  plugin->path_ = path;
  plugin->capabilities_ = d->capabilities;
  plugins_.emplace(id, std::move(plugin));
  return OkStatus();
}

const LoadedPlugin* PluginHost::Find(std::string_view provider_id) const {
  auto it = plugins_.find(provider_id);
  return it == plugins_.end() ? nullptr : it->second.get();
}

std::vector<const LoadedPlugin*> PluginHost::plugins() const {
  std::vector<const LoadedPlugin*> out;
  for (const auto& [id, plugin] : plugins_) out.push_back(plugin.get());
  return out;
}

std::string DefaultPluginDir() {
  if (const char* env = std::getenv("TRUNKLINE_PLUGIN_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(TRUNKLINE_BUILD_PLUGIN_DIR, ec)) {
    return TRUNKLINE_BUILD_PLUGIN_DIR;
  }
  boost::dll::fs::error_code dll_ec;
  const std::filesystem::path exe = boost::dll::program_location(dll_ec);
  return (exe.parent_path() / ".." / "lib" / "trunkline" / "plugins").lexically_normal().string();
}

}  // namespace trunkline::plugin_host
