// Answer parsing: what Twilio's answers say about the remote trunk, in registry terms.
//
// Content conventions (what the sync worker compares with the registry):
//   - a JSON null or "" is an absent field;
//   - with a desired trunk, a settable field the registry does not hold is left out when
//     Twilio has it at the value the adapter would send for it (its `unset`: Twilio's default
//     or "") or Twilio cannot clear it (domain_name): absent means "as the registry leaves it";
//   - with no desired trunk (import), every value Twilio holds is kept;
//   - empty singletons, item maps and attachment lists are left out.
// read_only holds the Trunk resource's other fields under their JSON names: strings as str,
// booleans as bool, numbers as int, and arrays and objects (auth_type_set, recording, links)
// as their compact JSON text; nulls are left out.
#include <strings.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "trunkline/plugin_sdk/json.h"
#include "trunkline/plugin_sdk/provider_errors.h"
#include "trunkline/plugin_sdk/sync_helpers.h"
#include "twilio_sync.h"

namespace trunkline::twilio {
namespace {

namespace json = boost::json;
using plugin_sdk::AbsorbInput;
using plugin_sdk::AbsorbResult;
using plugin_sdk::AddSorted;
using plugin_sdk::DesiredTrunk;
using plugin_sdk::DropEmptyContainers;
using plugin_sdk::Fields;
using plugin_sdk::FieldText;
using plugin_sdk::FieldValueOf;
using plugin_sdk::ForgetRemoteTrunk;
using plugin_sdk::ImportNote;
using plugin_sdk::ImportPartsRead;
using plugin_sdk::MalformedAnswer;
using plugin_sdk::MemberText;
using plugin_sdk::NoteListingPage;
using plugin_sdk::Observation;
using plugin_sdk::ParseImportTarget;
using plugin_sdk::ParseJsonObject;
using plugin_sdk::StepKind;
using plugin_sdk::SyncError;
using plugin_sdk::WireText;

constexpr const char* kTrunkReadOnly[] = {
    "sid",          "account_sid",  "auth_type", "auth_type_set", "symmetric_rtp_enabled",
    "date_created", "date_updated", "url",       "links"};

// `params`' fields of a resource, by the conventions at the top. `desired` is null for
// import (keep every value).
template <size_t N>
Fields Observed(const json::object& o, const ParamName (&params)[N], const Fields* desired) {
  Fields out;
  for (const ParamName& p : params) {
    const json::value* v = o.if_contains(p.field);
    std::optional<plugin_sdk::FieldValue> value = v ? FieldValueOf(*v) : std::nullopt;
    if (!value ||
        (std::holds_alternative<std::string>(*value) && std::get<std::string>(*value).empty())) {
      continue;
    }
    if (desired != nullptr && !desired->count(p.field) &&
        (p.unset == nullptr || WireText(*value) == p.unset)) {
      continue;
    }
    out[p.field] = std::move(*value);
  }
  return out;
}

template <typename Map>
const typename Map::mapped_type* Get(const Map& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

const Fields* DesiredFields(const DesiredTrunk* d) { return d ? &d->content.fields : nullptr; }

const Fields* DesiredRecording(const DesiredTrunk* d) {
  static const Fields kNone;
  if (d == nullptr) return nullptr;
  const Fields* f = Get(d->content.singletons, kRecording);
  return f ? f : &kNone;
}

std::string RecordingText(const json::object& r) {
  json::object out;
  for (const char* key : {"mode", "trim"}) {
    if (const json::value* v = r.if_contains(key)) out[key] = *v;
  }
  return json::serialize(out);
}

void TakeTrunk(const json::object& t, const DesiredTrunk* d, Observation& o) {
  o.remote_id = MemberText(t, "sid");
  o.content.fields = Observed(t, kTrunkParams, DesiredFields(d));
  o.read_only.clear();
  for (const char* key : kTrunkReadOnly) {
    if (const json::value* v = t.if_contains(key)) {
      if (auto value = FieldValueOf(*v)) o.read_only[key] = *value;
    }
  }
  if (const json::value* r = t.if_contains(kRecording); r != nullptr && r->is_object()) {
    o.read_only[kRecording] = RecordingText(r->as_object());
  }
}

void TakeRecording(const json::object& r, const DesiredTrunk* d, Observation& o) {
  Fields fields = Observed(r, kRecordingParams, DesiredRecording(d));
  if (fields.empty()) {
    o.content.singletons.erase(kRecording);
  } else {
    o.content.singletons[kRecording] = std::move(fields);
  }
  if (o.read_only.count(kRecording)) o.read_only[kRecording] = RecordingText(r);
}

void CheckRead(Observation& o) {
  for (const char* part : kParts) {
    if (!o.progress.count(std::string("read:") + part)) return;
  }
  o.read = true;
  o.exists = true;
}

// One page of a list: its items and the cursor of the next page, if any.
struct Page {
  const json::array* items = nullptr;
  std::optional<std::string> next;
};

// `body`'s page of the list `key` at `path` ("/v1/Trunks/TK.../OriginationUrls"). The cursor
// is next_page_url's path (from its "/v1/") and query, relative to the account's base URL.
Page PageOf(const json::object& body, const std::string& key, const std::string& path) {
  Page page;
  if (const json::value* items = body.if_contains(key); items != nullptr && items->is_array()) {
    page.items = &items->as_array();
  } else {
    throw MalformedAnswer("has no \"" + key + "\" list");
  }
  const json::value* meta = body.if_contains("meta");
  const std::string next =
      meta && meta->is_object() ? MemberText(meta->as_object(), "next_page_url") : "";
  if (next.empty()) return page;
  auto url = boost::urls::parse_uri_reference(next);
  const std::string at = url ? std::string(url->encoded_path()) : "";
  const size_t v1 = at.find("/v1/");
  if (v1 == std::string::npos || at.substr(v1) != path) {
    throw MalformedAnswer("names a next page outside " + path + ": " + next);
  }
  page.next = at.substr(v1) + (url->has_query() ? "?" + std::string(url->encoded_query()) : "");
  return page;
}

bool SameFields(const Fields& a, const Fields& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
           return x.first == y.first && WireText(x.second) == WireText(y.second);
         });
}

// Each remote origination URL keyed by the registry item item_ids maps it to, or by its sid
// (import), or "remote:<sid>" until the listing is complete.
void TakeOriginationUrls(const json::array& urls, const DesiredTrunk* d, Observation& o) {
  auto& items = o.content.items[kOriginationUrls];
  auto& ids = o.item_ids[kOriginationUrls];
  for (const json::value& v : urls) {
    if (!v.is_object()) continue;
    const std::string sid = MemberText(v.as_object(), "sid");
    std::string key = d ? "remote:" + sid : sid;
    if (d == nullptr) ids[sid] = sid;
    for (const auto& [item, mapped] : ids) {
      if (mapped == sid) key = item;
    }
    items[key] = Observed(v.as_object(), kOriginationUrlParams, nullptr);
  }
}

// Once every page is in: mappings to sids Twilio no longer has are dropped, and each remote
// item no registry item maps to is adopted by the first registry item (in id order) that has
// none and the same fields.
void FinishOriginationUrls(const DesiredTrunk* d, Observation& o) {
  auto& items = o.content.items[kOriginationUrls];
  auto& ids = o.item_ids[kOriginationUrls];
  std::erase_if(ids, [&](const auto& kv) { return !items.count(kv.first); });
  if (d == nullptr) return;
  const auto* want = Get(d->content.items, kOriginationUrls);
  if (want == nullptr) return;
  std::vector<std::string> remote;
  for (const auto& [key, fields] : items) {
    if (key.starts_with("remote:")) remote.push_back(key);
  }
  for (const std::string& key : remote) {
    for (const auto& [item, fields] : *want) {
      if (items.count(item) || !SameFields(fields, items.at(key))) continue;
      items[item] = items.at(key);
      ids[item] = key.substr(7);
      items.erase(key);
      break;
    }
  }
}

AbsorbResult Done(Observation o) {
  DropEmptyContainers(o);
  return AbsorbResult{std::move(o), std::nullopt};
}

AbsorbResult Failed(const AbsorbInput& in) {
  return AbsorbResult{std::nullopt, ClassifyError(in.step, in.response)};
}

// The trunk sid a step's path names ("/v1/Trunks/<sid>..."), or "".
std::string TrunkOf(const std::string& path) {
  constexpr std::string_view kPrefix = "/v1/Trunks/";
  if (!path.starts_with(kPrefix)) return "";
  return path.substr(kPrefix.size(), path.find('/', kPrefix.size()) - kPrefix.size());
}

// A list page of one part (`key`) into `o`: the first page replaces what `o` held of it.
// Returns the cursor of the next page, if any.
std::optional<std::string> TakeListPage(const AbsorbInput& in, const std::string& part,
                                        const DesiredTrunk* d, bool first, Observation& o) {
  const json::object body = ParseJsonObject(in.response.body);
  const std::string sid = TrunkOf(in.step.request.path);
  const Page page = PageOf(body, part, SubResourcePath(sid, part));
  if (part == kOriginationUrls) {
    if (first) o.content.items.erase(kOriginationUrls);
    TakeOriginationUrls(*page.items, d, o);
    if (!page.next) FinishOriginationUrls(d, o);
  } else {
    auto& ids = o.content.attachments[part];
    if (first) ids.clear();
    for (const json::value& v : *page.items) {
      if (v.is_object()) AddSorted(ids, MemberText(v.as_object(), "sid"));
    }
  }
  return page.next;
}

AbsorbResult AbsorbRead(const AbsorbInput& in, const std::string& part, Observation o) {
  const DesiredTrunk* d = in.desired ? &*in.desired : nullptr;
  if (in.response.status == 404) {
    ForgetRemoteTrunk(o, {"read:", "next:"});
    return Done(std::move(o));
  }
  if (in.response.status != 200) return Failed(in);
  if (part == "trunk") {
    TakeTrunk(ParseJsonObject(in.response.body), d, o);
  } else if (part == kRecording) {
    TakeRecording(ParseJsonObject(in.response.body), d, o);
  } else {
    const std::string cursor = "next:" + part;
    const bool first = !o.progress.count(cursor);
    if (auto next = TakeListPage(in, part, d, first, o)) {
      o.progress[cursor] = *next;
      return Done(std::move(o));
    }
    o.progress.erase(cursor);
  }
  o.progress["read:" + part] = "1";
  CheckRead(o);
  return Done(std::move(o));
}

// A trunk just made: nothing hangs under it yet, so every part reads as read.
AbsorbResult AbsorbCreate(const AbsorbInput& in, Observation o) {
  if (in.response.status / 100 != 2) return Failed(in);
  const json::object t = ParseJsonObject(in.response.body);
  const DesiredTrunk* d = in.desired ? &*in.desired : nullptr;
  Observation made;  // create_pending cleared: the create's answer came
  made.progress = std::move(o.progress);
  TakeTrunk(t, d, made);
  if (const json::value* r = t.if_contains(kRecording); r != nullptr && r->is_object()) {
    TakeRecording(r->as_object(), d, made);
  }
  for (const char* part : kParts) made.progress[std::string("read:") + part] = "1";
  made.read = made.exists = true;
  return Done(std::move(made));
}

AbsorbResult AbsorbOriginationUrl(const AbsorbInput& in, const std::string& item, Observation o) {
  const int status = in.response.status;
  auto& items = o.content.items[kOriginationUrls];
  auto& ids = o.item_ids[kOriginationUrls];
  const bool gone = status == 404 && in.step.kind != StepKind::kCreate;
  if (in.step.kind == StepKind::kDelete || gone) {
    if (status / 100 != 2 && !gone) return Failed(in);
    items.erase(item);
    ids.erase(item);
    return Done(std::move(o));
  }
  if (status / 100 != 2) return Failed(in);
  const json::object u = ParseJsonObject(in.response.body);
  ids[item] = MemberText(u, "sid");
  items[item] = Observed(u, kOriginationUrlParams, nullptr);
  return Done(std::move(o));
}

AbsorbResult AbsorbAssociation(const AbsorbInput& in, const std::string& part,
                               const std::string& id, Observation o) {
  const int status = in.response.status;
  auto& ids = o.content.attachments[part];
  if (in.step.kind == StepKind::kDelete) {
    if (status / 100 != 2 && status != 404) return Failed(in);
    std::erase(ids, id);
    return Done(std::move(o));
  }
  if (status / 100 == 2) {
    AddSorted(ids, id);
    return Done(std::move(o));
  }
  // Attached already (to this trunk): done, not an error.
  const SyncError e = ClassifyError(in.step, in.response);
  if (e.provider_code == "21245" && e.provider_message.find("already") != std::string::npos &&
      e.provider_message.find(o.remote_id) != std::string::npos) {
    AddSorted(ids, id);
    return Done(std::move(o));
  }
  return AbsorbResult{std::nullopt, e};
}

AbsorbResult AbsorbTrunkStep(const AbsorbInput& in, Observation o) {
  const auto [part, item] = plugin_sdk::SplitTarget(in.step.target);
  if (in.step.kind == StepKind::kCreate && part == "trunk") return AbsorbCreate(in, std::move(o));
  if (TrunkOf(in.step.request.path) != o.remote_id) return Done(std::move(o));  // stale
  if (in.step.kind == StepKind::kRead) return AbsorbRead(in, part, std::move(o));
  if (part == kOriginationUrls) return AbsorbOriginationUrl(in, item, std::move(o));
  if (part != "trunk" && part != kRecording) return AbsorbAssociation(in, part, item, std::move(o));
  const int status = in.response.status;
  if (status == 404 || (in.step.kind == StepKind::kDelete && status / 100 == 2)) {
    ForgetRemoteTrunk(o, {"read:", "next:"});  // deleted, or gone already
    return Done(std::move(o));
  }
  if (status / 100 != 2) return Failed(in);
  const json::object answer = ParseJsonObject(in.response.body);
  const DesiredTrunk* d = in.desired ? &*in.desired : nullptr;
  if (part == "trunk") {
    TakeTrunk(answer, d, o);
  } else {
    TakeRecording(answer, d, o);
  }
  return Done(std::move(o));
}

bool EqualsIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && strncasecmp(a.c_str(), b.c_str(), a.size()) == 0;
}

// The lookup rule (README.md): with a domain_name, the remote trunk of that domain; without,
// one whose settable fields equal the desired ones, and sit at Twilio's defaults (or unset)
// where the desired trunk sets nothing.
bool Matches(const Fields& want, const json::object& trunk) {
  const Fields have = Observed(trunk, kTrunkParams, nullptr);
  if (auto domain = FieldText(want, "domain_name")) {
    auto found = FieldText(have, "domain_name");
    return found && EqualsIgnoringCase(*found, *domain);
  }
  for (const ParamName& p : kTrunkParams) {
    std::optional<std::string> w = FieldText(want, p.field), h = FieldText(have, p.field);
    if (w ? h != w : h && (p.unset == nullptr || *h != p.unset)) return false;
  }
  return true;
}

// A page of the trunk listing, for a lookup (the matching candidates) or an import scan.
AbsorbResult AbsorbListing(const AbsorbInput& in, Observation o) {
  if (in.response.status != 200) return Failed(in);
  const json::object body = ParseJsonObject(in.response.body);
  const Page page = PageOf(body, "trunks", "/v1/Trunks");
  for (const json::value& v : *page.items) {
    if (!v.is_object()) continue;
    const json::object& t = v.as_object();
    const std::string sid = MemberText(t, "sid");
    if (!IsSid(sid, "TK")) continue;
    if (in.desired) {
      if (Matches(in.desired->content.fields, t) &&
          std::find(o.candidates.begin(), o.candidates.end(), sid) == o.candidates.end()) {
        o.candidates.push_back(sid);
      }
      continue;
    }
    Observation found;
    TakeTrunk(t, nullptr, found);
    found.read = found.exists = true;
    o.found.push_back(std::move(found));
  }
  NoteListingPage(o, in.desired.has_value(), page.next);
  return Done(std::move(o));
}

// One part of an imported trunk (an ImportTarget).
AbsorbResult AbsorbImportPart(const AbsorbInput& in, const std::string& sid,
                              const std::string& part, Observation o) {
  auto found = std::find_if(o.found.begin(), o.found.end(),
                            [&](const Observation& f) { return f.remote_id == sid; });
  if (found == o.found.end()) return Done(std::move(o));
  const std::string key = ImportNote(sid, part);
  if (in.response.status == 404) {  // deleted since the listing: not imported
    o.found.erase(found);
    std::erase_if(o.progress,
                  [&](const auto& kv) { return kv.first.starts_with("import:" + sid); });
  } else if (in.response.status != 200) {
    return Failed(in);
  } else if (part == kRecording) {
    TakeRecording(ParseJsonObject(in.response.body), nullptr, *found);
    o.progress[key] = "1";
  } else {
    auto it = o.progress.find(key);
    auto next = TakeListPage(in, part, nullptr, it == o.progress.end(), *found);
    DropEmptyContainers(*found);
    o.progress[key] = next ? *next : "1";
  }
  o.scan_done = ImportPartsRead(o, kImportParts);
  return Done(std::move(o));
}

}  // namespace

AbsorbResult Absorb(const AbsorbInput& in) {
  try {
    Observation o = in.observation;
    if (auto import = ParseImportTarget(in.step.target)) {
      return AbsorbImportPart(in, import->first, import->second, std::move(o));
    }
    if (in.step.target == "trunks") return AbsorbListing(in, std::move(o));
    return AbsorbTrunkStep(in, std::move(o));
  } catch (const MalformedAnswer& bad) {
    return AbsorbResult{std::nullopt, plugin_sdk::UnreadableAnswer("Twilio", in.step,
                                                                   in.response.status, bad.what())};
  }
}

}  // namespace trunkline::twilio
