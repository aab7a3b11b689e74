// Small pieces every sans-IO adapter needs around the sync types (sync.h): field values as
// the text a provider's API takes, lookups that answer "none" for an absent key, the
// observation's bookkeeping (progress notes, a trunk read as gone, empty containers), and
// step targets ("<part>/<item>"). Pure functions; what maps to what stays in the plugin.
//
// Header-only, no dependencies. Thread-safety: safe for concurrent use.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "trunkline/plugin_sdk/sync.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

// A field value as API text: a bool as "true"/"false", an int in decimal, a string as it is.
inline std::string WireText(const FieldValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const int64_t* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  return std::get<std::string>(value);
}

// WireText of `fields`' value of `name`; nullopt when `fields` does not hold it.
inline std::optional<std::string> FieldText(const Fields& fields, std::string_view name) {
  auto it = fields.find(std::string(name));
  if (it == fields.end()) return std::nullopt;
  return WireText(it->second);
}

// `map`'s value under `key`, or a value-initialized one (an empty map, list or string) when it
// has none. The reference stays valid as long as `map` and its entry do.
template <typename Map>
const typename Map::mapped_type& ValueOrEmpty(const Map& map, const typename Map::key_type& key) {
  static const typename Map::mapped_type kNone{};
  auto it = map.find(key);
  return it == map.end() ? kNone : it->second;
}

// The adapter's progress note `key` (Observation::progress), or nullptr when not set.
inline const std::string* ProgressNote(const Observation& o, const std::string& key) {
  auto it = o.progress.find(key);
  return it == o.progress.end() ? nullptr : &it->second;
}

// Records that the remote trunk no longer exists: read, not existing, no remote id, no
// content, item ids or read-only facts, and none of the progress notes whose key starts with
// one of `pass_prefixes` (the notes of the current pass of reads, e.g. "read:").
inline void ForgetRemoteTrunk(Observation& o,
                              std::initializer_list<std::string_view> pass_prefixes) {
  o.remote_id.clear();
  o.item_ids.clear();
  o.content = {};
  o.read_only.clear();
  o.read = true;
  o.exists = false;
  std::erase_if(o.progress, [&](const auto& kv) {
    return std::any_of(pass_prefixes.begin(), pass_prefixes.end(),
                       [&](std::string_view prefix) { return kv.first.starts_with(prefix); });
  });
}

// Leaves out the empty item maps, item id maps and attachment lists, so that an empty list
// reads the same as no list (the registry's side never holds empty ones).
inline void DropEmptyContainers(Observation& o) {
  std::erase_if(o.content.items, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(o.item_ids, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(o.content.attachments, [](const auto& kv) { return kv.second.empty(); });
}

// Adds `id` to `ids` unless it is there already, and sorts the list (attachments are sorted).
inline void AddSorted(std::vector<std::string>& ids, const std::string& id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
}

// A step target "<part>/<item>" split at its first '/': ("origination_urls", "main");
// ("trunk", "") for a target without one.
inline std::pair<std::string, std::string> SplitTarget(std::string_view target) {
  const size_t slash = target.find('/');
  if (slash == std::string_view::npos) return {std::string(target), ""};
  return {std::string(target.substr(0, slash)), std::string(target.substr(slash + 1))};
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
