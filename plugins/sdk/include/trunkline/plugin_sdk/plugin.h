// The plugin author's side of the trunkline plugin ABI (see abi.h and ABI.md).
//
// Write one class deriving from trunkline::plugin_sdk::Plugin, with a constructor taking
// the settings (std::string_view, msgpack), and register it once with TRUNKLINE_PLUGIN:
//
//   class TelnyxPlugin : public trunkline::plugin_sdk::Plugin {
//    public:
//     explicit TelnyxPlugin(std::string_view config);
//     std::string DescribeSchema() override;
//     std::string CheckRules(std::string_view trunk) override;
//     std::vector<Step> Plan(const std::optional<DesiredTrunk>& desired,
//                            const Observation& observation) override;
//     AbsorbResult Absorb(const AbsorbInput& input) override;
//   };
//   TRUNKLINE_PLUGIN(TelnyxPlugin, "telnyx", "0.1.0",
//                    TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC)
//
// Every ABI entry point is noexcept: an exception thrown by the plugin's code is caught at
// the boundary and reported to the host as an error (PluginError keeps its code; anything
// else becomes INTERNAL). Instances are created and destroyed inside the plugin.
//
// Header-only. Everything sits in an inline namespace named after the ABI major version, so
// that two majors can never be mixed up at link time.
//
// Thread-safety: the host calls one instance from one thread at a time.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "trunkline/plugin_sdk/abi.h"
#include "trunkline/plugin_sdk/error_code.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

// Throw to report an error with a specific code (error_code.h).
class PluginError : public std::runtime_error {
 public:
  PluginError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  // The provider's schema, msgpack-encoded (grammar in ABI.md).
  virtual std::string DescribeSchema() = 0;
  // Checks a proposed trunk (msgpack map, see ABI.md) against the provider's cross-field
  // rules; returns a msgpack array of violations, empty when the trunk is acceptable.
  virtual std::string CheckRules(std::string_view trunk) = 0;

  // The sync functions (capability SYNC; types in sync.h). A plugin without SYNC leaves them
  // alone and the host never calls them.
  // The requests to send next for `desired` given `observation` (none: converged). With no
  // observation yet (read false, no remote id known) the first step reads the remote side.
  // With no desired trunk, the steps of an import scan over the account's remote trunks.
  virtual std::vector<Step> Plan(const std::optional<DesiredTrunk>& /*desired*/,
                                 const Observation& /*observation*/) {
    throw PluginError(ErrorCode::kUnimplemented, "this plugin does not sync");
  }
  // The observation after `response` answered `step`, or a classified provider error.
  virtual AbsorbResult Absorb(const AbsorbInput& /*input*/) {
    throw PluginError(ErrorCode::kUnimplemented, "this plugin does not sync");
  }
};

namespace internal {

inline tl_owned_bytes Own(std::string_view bytes) noexcept {
  tl_owned_bytes out{nullptr, 0};
  if (bytes.empty()) return out;
  out.data = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (out.data == nullptr) return out;
  std::memcpy(out.data, bytes.data(), bytes.size());
  out.size = bytes.size();
  return out;
}

inline void FreeBytes(tl_owned_bytes bytes) noexcept { std::free(bytes.data); }

inline tl_result Error(ErrorCode code, std::string_view message) noexcept {
  return tl_result{static_cast<int32_t>(code), Own(message), tl_owned_bytes{nullptr, 0}};
}

// Runs `fn` (returning the answer's bytes) and turns every exception into an error result.
template <typename Fn>
tl_result Guard(Fn&& fn) noexcept {
  try {
    std::string value = fn();
    return tl_result{0, tl_owned_bytes{nullptr, 0}, Own(value)};
  } catch (const PluginError& e) {
    return Error(e.code(), e.what());
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("plugin threw: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "plugin threw a non-standard exception");
  }
}

inline std::string_view View(tl_bytes bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data), bytes.size);
}

inline Plugin* Self(tl_plugin* plugin) { return reinterpret_cast<Plugin*>(plugin); }

// The C entry points for plugin class P.
template <typename P>
struct Thunks {
  static tl_result Create(tl_bytes config, tl_plugin** out) noexcept {
    *out = nullptr;
    return Guard([&] {
      Plugin* plugin = new P(View(config));
      *out = reinterpret_cast<tl_plugin*>(plugin);
      return std::string();
    });
  }
  static void Destroy(tl_plugin* plugin) noexcept { delete Self(plugin); }
  static tl_result DescribeSchema(tl_plugin* plugin) noexcept {
    return Guard([&] { return Self(plugin)->DescribeSchema(); });
  }
  static tl_result CheckRules(tl_plugin* plugin, tl_bytes trunk) noexcept {
    return Guard([&] { return Self(plugin)->CheckRules(View(trunk)); });
  }
  static tl_result SyncPlan(tl_plugin* plugin, tl_bytes input) noexcept {
    return Guard([&] {
      PlanInput in = DecodePlanInput(View(input));
      return EncodeSteps(Self(plugin)->Plan(in.desired, in.observation));
    });
  }
  static tl_result SyncAbsorb(tl_plugin* plugin, tl_bytes input) noexcept {
    return Guard(
        [&] { return EncodeAbsorbResult(Self(plugin)->Absorb(DecodeAbsorbInput(View(input)))); });
  }
};

}  // namespace internal
}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk

// Registers PluginClass as this library's plugin. Use once, at namespace scope, in the one
// file of the plugin that mentions the ABI.
#define TRUNKLINE_PLUGIN(PluginClass, provider_id, version, capabilities)                          \
  extern "C" __attribute__((visibility("default"))) const tl_plugin_descriptor*                    \
  trunkline_plugin_entry(void) {                                                                   \
    using Thunks = ::trunkline::plugin_sdk::internal::Thunks<PluginClass>;                         \
    static const tl_plugin_descriptor descriptor = {sizeof(tl_plugin_descriptor),                  \
                                                    TRUNKLINE_PLUGIN_ABI_MAJOR,                    \
                                                    TRUNKLINE_PLUGIN_ABI_MINOR,                    \
                                                    provider_id,                                   \
                                                    version,                                       \
                                                    capabilities,                                  \
                                                    &Thunks::Create,                               \
                                                    &Thunks::Destroy,                              \
                                                    &::trunkline::plugin_sdk::internal::FreeBytes, \
                                                    &Thunks::DescribeSchema,                       \
                                                    &Thunks::CheckRules,                           \
                                                    &Thunks::SyncPlan,                             \
                                                    &Thunks::SyncAbsorb};                          \
    return &descriptor;                                                                            \
  }
