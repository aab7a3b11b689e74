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

// A lookup and an import scan that page through the provider's list of trunks, then read
// each found trunk's parts, can keep their place in these progress notes (the Twilio and
// Telnyx adapters do):
//   "lookup:next" / "scan:next"  where the lookup's / the scan's listing continues
//   "scan:listed" = "1"          the scan listed every trunk
//   "import:<id>:<part>"         "1" once that part of found trunk <id> is read, else where
//                                its own listing continues
// with the steps that read a part targeted "import/<id>/<part>".
inline std::string ImportNote(std::string_view id, std::string_view part) {
  return "import:" + std::string(id) + ":" + std::string(part);
}
inline std::string ImportTarget(std::string_view id, std::string_view part) {
  return "import/" + std::string(id) + "/" + std::string(part);
}

// The found trunk's id and the part of an ImportTarget; nullopt for any other target.
inline std::optional<std::pair<std::string, std::string>> ParseImportTarget(
    std::string_view target) {
  constexpr std::string_view kPrefix = "import/";
  if (!target.starts_with(kPrefix)) return std::nullopt;
  target.remove_prefix(kPrefix.size());
  const size_t slash = target.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(target.substr(0, slash)), std::string(target.substr(slash + 1)));
}

// After one page of the trunk listing, for the lookup (`lookup`) or the scan: where the
// listing continues (`next`), or, on its last page, that the lookup is done (its candidates
// are all in) or that the scan listed every trunk (and is done when it found none).
inline void NoteListingPage(Observation& o, bool lookup, const std::optional<std::string>& next) {
  const std::string cursor = lookup ? "lookup:next" : "scan:next";
  if (next) {
    o.progress[cursor] = *next;
    return;
  }
  o.progress.erase(cursor);
  if (lookup) {
    o.lookup_done = true;
  } else {
    o.progress["scan:listed"] = "1";
    o.scan_done = o.found.empty();
  }
}

// Whether each of `parts` (strings) of every found trunk is read (its ImportNote is "1").
template <typename Parts>
bool ImportPartsRead(const Observation& o, const Parts& parts) {
  for (const Observation& found : o.found) {
    for (std::string_view part : parts) {
      const std::string* note = ProgressNote(o, ImportNote(found.remote_id, part));
      if (note == nullptr || *note != "1") return false;
    }
  }
  return true;
}
inline bool ImportPartsRead(const Observation& o, std::initializer_list<std::string_view> parts) {
  return ImportPartsRead<std::initializer_list<std::string_view>>(o, parts);
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
