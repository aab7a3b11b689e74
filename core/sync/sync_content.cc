#include "sync_content.h"

#include <set>

namespace trunkline::sync::internal {
namespace {

using plugin_sdk::Fields;
using plugin_sdk::TrunkContent;

Fields FieldsOf(const domain::FieldValues& values) {
  Fields out;
  for (const auto& [name, value] : values) out.emplace(name, value);
  return out;
}

std::optional<std::string> Text(const Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return domain::FieldValueToString(it->second);
}

void CompareFields(const std::string& prefix, const Fields& expected, const Fields& found,
                   std::vector<DriftChange>& out) {
  std::set<std::string> names;
  for (const auto& [name, v] : expected) names.insert(name);
  for (const auto& [name, v] : found) names.insert(name);
  for (const std::string& name : names) {
    std::optional<std::string> e = Text(expected, name);
    std::optional<std::string> f = Text(found, name);
    if (e != f) out.push_back({prefix + name, e, f});
  }
}

template <typename Map>
std::set<std::string> Keys(const Map& a, const Map& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  return keys;
}

template <typename Map>
const typename Map::mapped_type& At(const Map& map, const std::string& key) {
  static const typename Map::mapped_type kEmpty{};
  auto it = map.find(key);
  return it == map.end() ? kEmpty : it->second;
}

std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace

plugin_sdk::TrunkContent ContentOf(const domain::TrunkState& state) {
  TrunkContent c;
  c.fields = FieldsOf(state.fields);
  for (const auto& [name, values] : state.singletons) c.singletons[name] = FieldsOf(values);
  for (const auto& [name, items] : state.collections) {
    auto& out = c.items[name];
    for (const auto& [id, values] : items) out[id] = FieldsOf(values);
  }
  for (const auto& [name, ids] : state.attachments) {
    c.attachments[name] = std::vector<std::string>(ids.begin(), ids.end());
  }
  return c;
}

plugin_sdk::DesiredTrunk DesiredOf(const domain::TrunkState& state) {
  return plugin_sdk::DesiredTrunk{state.id, state.account, state.deleted, ContentOf(state)};
}

std::vector<DriftChange> Differences(const TrunkContent& expected, const TrunkContent& found) {
  std::vector<DriftChange> out;
  CompareFields("fields.", expected.fields, found.fields, out);
  for (const std::string& sub : Keys(expected.singletons, found.singletons)) {
    CompareFields(sub + ".", At(expected.singletons, sub), At(found.singletons, sub), out);
  }
  for (const std::string& sub : Keys(expected.items, found.items)) {
    const auto& e = At(expected.items, sub);
    const auto& f = At(found.items, sub);
    for (const std::string& id : Keys(e, f)) {
      const std::string path = sub + "." + id;
      if (!e.contains(id)) {
        out.push_back({path, std::nullopt, "present"});
      } else if (!f.contains(id)) {
        out.push_back({path, "present", std::nullopt});
      } else {
        CompareFields(path + ".", e.at(id), f.at(id), out);
      }
    }
  }
  for (const std::string& sub : Keys(expected.attachments, found.attachments)) {
    std::vector<std::string> e = At(expected.attachments, sub);
    std::vector<std::string> f = At(found.attachments, sub);
    std::sort(e.begin(), e.end());
    std::sort(f.begin(), f.end());
    if (e != f) out.push_back({sub, Join(e), Join(f)});
  }
  return out;
}

std::vector<DriftChange> Drift(const TrunkContent& synced, const TrunkContent& desired,
                               const TrunkContent& found) {
  std::set<std::string> changed_by_registry;
  for (const DriftChange& c : Differences(synced, desired)) changed_by_registry.insert(c.path);
  std::vector<DriftChange> out;
  for (DriftChange& c : Differences(synced, found)) {
    bool touched = false;
    for (const std::string& path : changed_by_registry) {
      // A whole item the registry added or removed covers its fields.
      touched = touched || c.path == path || c.path.starts_with(path + ".") ||
                path.starts_with(c.path + ".");
    }
    if (!touched) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace trunkline::sync::internal
