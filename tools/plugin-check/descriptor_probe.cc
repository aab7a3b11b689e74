// The C loader border of the checker: dlopen/dlsym and direct calls through a descriptor.
#include "descriptor_probe.h"

#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>
#include <regex>
#include <vector>

#include "trunkline/plugin_sdk/abi.h"

namespace trunkline::plugin_check {
namespace {

constexpr uint64_t kKnownCapabilities = TRUNKLINE_PLUGIN_CAP_SCHEMA | TRUNKLINE_PLUGIN_CAP_SYNC;
constexpr size_t kVersionEnd = offsetof(tl_plugin_descriptor, abi_minor) + sizeof(uint16_t);

std::string Hex(uint64_t bits) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(bits));
  return text;
}

std::string Abi(uint16_t major, uint16_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

const std::string kHostAbi = Abi(TRUNKLINE_PLUGIN_ABI_MAJOR, TRUNKLINE_PLUGIN_ABI_MINOR);

// The descriptor of the library at `path`, or nullptr after reporting why not.
const tl_plugin_descriptor* Open(const std::string& path, Channel& channel, bool report) {
  if (report) channel.StartCheck("descriptor.library");
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    if (report) {
      channel.Report(Fail("descriptor.library", std::string("not a loadable shared library (") +
                                                    (why ? why : "dlopen failed") + ")"));
    }
    return nullptr;
  }
  if (report) channel.Report(Pass("descriptor.library", "loads as a shared library"));
  if (report) channel.StartCheck("descriptor.entry");
  auto entry = reinterpret_cast<tl_plugin_entry_fn>(dlsym(handle, TRUNKLINE_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    if (report) {
      channel.Report(Fail("descriptor.entry", std::string("no entry symbol ") +
                                                  TRUNKLINE_PLUGIN_ENTRY_SYMBOL +
                                                  " (exported with C linkage and default "
                                                  "visibility; TRUNKLINE_PLUGIN does it)"));
    }
    return nullptr;
  }
  if (report) channel.Begin("the entry function " TRUNKLINE_PLUGIN_ENTRY_SYMBOL "()");
  const tl_plugin_descriptor* d = entry();
  if (report) channel.End();
  if (d == nullptr) {
    if (report)
      channel.Report(Fail("descriptor.entry", "the entry function returned no descriptor"));
    return nullptr;
  }
  if (report) {
    channel.Report(Pass(
        "descriptor.entry",
        std::string("exports ") + TRUNKLINE_PLUGIN_ENTRY_SYMBOL + ", which returns a descriptor"));
  }
  return d;
}

// Size and versions; false when no further member may be read.
bool CheckVersions(const tl_plugin_descriptor& d, Channel& channel) {
  const std::string abi = Abi(d.abi_major, d.abi_minor);
  const auto too_small = [&](size_t required, const char* version) {
    channel.Report(Fail("descriptor.size",
                        "descriptor of " + std::to_string(d.size) + " bytes is smaller than the " +
                            std::to_string(required) + " bytes ABI " + version + " requires"));
    return false;
  };
  if (d.size < kVersionEnd) return too_small(kVersionEnd, "1.0");
  if (d.abi_major != TRUNKLINE_PLUGIN_ABI_MAJOR) {
    channel.Report(Fail("descriptor.abi_version",
                        "built for plugin ABI " + abi + "; this host speaks ABI " + kHostAbi));
    return false;
  }
  channel.Report(Pass("descriptor.abi_version",
                      "ABI " + abi + "; the host speaks " + kHostAbi +
                          (d.abi_minor > TRUNKLINE_PLUGIN_ABI_MINOR
                               ? " (a newer minor: the host ignores what it does not know)"
                               : "")));
  if (d.size < TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0) {
    return too_small(TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0, "1.0");
  }
  if (d.abi_minor >= 1 && d.size < TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_1) {
    return too_small(TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_1, "1.1");
  }
  channel.Report(
      Pass("descriptor.size", std::to_string(d.size) + " bytes cover every member of ABI " + abi));
  return true;
}

void CheckCapabilities(const tl_plugin_descriptor& d, Channel& channel) {
  const std::string abi = "ABI " + Abi(d.abi_major, d.abi_minor);
  const std::string id = "descriptor.capabilities";
  if (d.abi_minor <= TRUNKLINE_PLUGIN_ABI_MINOR) {
    if (const uint64_t unknown = d.capabilities & ~kKnownCapabilities; unknown != 0) {
      return channel.Report(Fail(id, "unknown capability bits " + Hex(unknown) + " (" + abi +
                                         " defines SCHEMA 0x1 and SYNC 0x2)"));
    }
    if ((d.capabilities & TRUNKLINE_PLUGIN_CAP_SYNC) && d.abi_minor < 1) {
      return channel.Report(
          Fail(id, "capability SYNC (0x2) is set, but " + abi + " has no sync functions"));
    }
  }
  if (!(d.capabilities & TRUNKLINE_PLUGIN_CAP_SCHEMA)) {
    return channel.Report(Fail(id,
                               "capability SCHEMA (0x1) is not set: the host never asks for "
                               "a schema or rules, so the plugin serves no provider"));
  }
  const bool sync = (d.capabilities & TRUNKLINE_PLUGIN_CAP_SYNC) && d.abi_minor >= 1;
  channel.Report(
      Pass(id, Hex(d.capabilities) + ": SCHEMA" +
                   (sync ? " and SYNC" : " (no SYNC: the host will not sync its trunks)")));
}

// One result per function pointer: present, or missing though required.
void CheckFunction(Channel& channel, const char* name, bool present, bool required,
                   const std::string& why_not_required) {
  const std::string id = std::string("descriptor.") + name;
  if (present) return channel.Report(Pass(id, "set"));
  if (required) {
    return channel.Report(
        Fail(id, std::string("its descriptor has no function for ") + name +
                     (why_not_required.empty() ? "" : " (" + why_not_required + ")")));
  }
  channel.Report(Skip(id, "not set; not required: " + why_not_required));
}

void CheckFunctions(const tl_plugin_descriptor& d, Channel& channel) {
  const bool schema = d.capabilities & TRUNKLINE_PLUGIN_CAP_SCHEMA;
  const bool sync = d.capabilities & TRUNKLINE_PLUGIN_CAP_SYNC;
  CheckFunction(channel, "create", d.create != nullptr, true, "");
  CheckFunction(channel, "destroy", d.destroy != nullptr, true, "");
  CheckFunction(channel, "free_bytes", d.free_bytes != nullptr, true, "");
  const std::string schema_why = schema ? "capability SCHEMA" : "capability SCHEMA is not set";
  CheckFunction(channel, "describe_schema", d.describe_schema != nullptr, schema, schema_why);
  CheckFunction(channel, "check_rules", d.check_rules != nullptr, schema, schema_why);
  if (d.abi_minor < 1) {
    channel.Report(Skip("descriptor.sync_plan", "an ABI 1.0 descriptor has no such member"));
    channel.Report(Skip("descriptor.sync_absorb", "an ABI 1.0 descriptor has no such member"));
    return;
  }
  const std::string sync_why = sync ? "capability SYNC" : "capability SYNC is not set";
  CheckFunction(channel, "sync_plan", d.sync_plan != nullptr, sync, sync_why);
  CheckFunction(channel, "sync_absorb", d.sync_absorb != nullptr, sync, sync_why);
}

void CheckNames(const tl_plugin_descriptor& d, Channel& channel) {
  static const std::regex kProviderId("[a-z0-9-]+");
  const std::string id = d.provider_id ? d.provider_id : "";
  if (id.empty()) {
    channel.Report(Fail("descriptor.provider_id", "its descriptor names no provider id"));
  } else if (!std::regex_match(id, kProviderId)) {
    channel.Report(Fail("descriptor.provider_id",
                        "provider id \"" + id + "\" is not lower case letters, digits and '-'"));
  } else {
    channel.Report(Pass("descriptor.provider_id", "\"" + id + "\""));
  }
  const std::string version = d.plugin_version ? d.plugin_version : "";
  static const std::regex kVersion("[0-9A-Za-z.+~-]+");
  if (!std::regex_match(version, kVersion)) {
    channel.Report(Fail("descriptor.plugin_version",
                        version.empty()
                            ? "its descriptor names no plugin version"
                            : "plugin version \"" + version + "\" is not a version such as 1.2.0"));
  } else {
    channel.Report(Pass("descriptor.plugin_version", "\"" + version + "\""));
  }
}

}  // namespace

void ProbeDescriptor(const std::string& path, Channel& channel) {
  const tl_plugin_descriptor* d = Open(path, channel, true);
  if (d == nullptr) return;
  channel.StartCheck("descriptor.size");
  if (!CheckVersions(*d, channel)) return;
  channel.StartCheck("descriptor.capabilities");
  CheckCapabilities(*d, channel);
  CheckFunctions(*d, channel);
  CheckNames(*d, channel);
}

uint64_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void CheckFreeBytes(const std::string& path, const std::string& rules_input,
                    const std::string& plan_input, Channel& channel) {
  const std::string id = "memory.free_bytes";
  channel.StartCheck(id);
  if (kAddressSanitizer) {
    return channel.Report(Skip(id, "built with AddressSanitizer, which keeps no heap figures; "
                                   "its leak checker looks at what is not freed"));
  }
  const tl_plugin_descriptor* d = Open(path, channel, false);
  if (d == nullptr || d->create == nullptr || d->free_bytes == nullptr || d->destroy == nullptr) {
    return channel.Report(Skip(id, "the descriptor has no create, destroy or free_bytes"));
  }
  channel.Begin("free_bytes({NULL, 0})");
  d->free_bytes(tl_owned_bytes{nullptr, 0});
  channel.End();
  tl_plugin* instance = nullptr;
  channel.Begin("create({})");
  tl_result made = d->create(tl_bytes{nullptr, 0}, &instance);
  channel.End();
  d->free_bytes(made.message);
  d->free_bytes(made.value);
  if (made.code != 0 || instance == nullptr) {
    return channel.Report(
        Fail(id, "create with no settings failed (code " + std::to_string(made.code) + ")"));
  }
  const auto bytes = [](const std::string& s) {
    return tl_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  };
  // Many answers at once: malloc keeps a few freed chunks of each size cached as in use.
  constexpr int kAnswers = 64;
  const bool schema = d->capabilities & TRUNKLINE_PLUGIN_CAP_SCHEMA;
  std::string call;
  if (schema && d->describe_schema != nullptr) {
    call = "describe_schema";
  } else if (schema && d->check_rules != nullptr) {
    call = "check_rules";
  } else if (d->abi_minor >= 1 && d->sync_plan != nullptr) {
    call = "sync_plan";
  }
  std::vector<tl_result> answers;
  uint64_t answered = 0;
  for (int i = 0; i < kAnswers && !call.empty(); ++i) {
    channel.Begin(call + " (answer " + std::to_string(i + 1) + " of " + std::to_string(kAnswers) +
                  ", kept until all are in)");
    answers.push_back(call == "describe_schema" ? d->describe_schema(instance)
                      : call == "check_rules"   ? d->check_rules(instance, bytes(rules_input))
                                                : d->sync_plan(instance, bytes(plan_input)));
    channel.End();
    answered += answers.back().value.size;
  }
  std::string message = "free_bytes accepts {NULL, 0}; no function answered a value to free";
  const uint64_t before = HeapInUse();
  channel.Begin("free_bytes(each value " + call + " returned)");
  for (const tl_result& r : answers) d->free_bytes(r.value);
  channel.End();
  const uint64_t after = HeapInUse();
  for (const tl_result& r : answers) d->free_bytes(r.message);
  const uint64_t released = before > after ? before - after : 0;
  if (answered > 0 && released < answered / 2) {
    d->destroy(instance);
    return channel.Report(
        Fail(id, "free_bytes did not release the values " + call + " returned: " +
                     std::to_string(kAnswers) + " values of " + std::to_string(answered) +
                     " bytes in all, heap in use went from " + std::to_string(before) + " to " +
                     std::to_string(after) + " bytes; every answer would leak"));
  }
  if (answered > 0) {
    message = "free_bytes accepts {NULL, 0} and released the " + std::to_string(answered) +
              " bytes of " + std::to_string(kAnswers) + " values " + call + " returned";
  }
  channel.Begin("destroy");
  d->destroy(instance);
  channel.End();
  channel.Report(Pass(id, message));
}

}  // namespace trunkline::plugin_check
