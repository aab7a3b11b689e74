// Request building: what the adapter asks the host to send next.
//
// The observation's `progress` notes are the adapter's own (the host carries them between
// steps and reads none of them):
//   "read:<part>"          = "1"          the part is read in this pass (parts: kParts)
//   "next:<part>"          = cursor       the part's list continues at cursor
//   "lookup:next"          = cursor       the lookup's trunk listing continues at cursor
//   "scan:next"            = cursor       the import scan's trunk listing continues at cursor
//   "scan:listed"          = "1"          the import scan listed every trunk
//   "import:<TK sid>:<part>" = "1" | cursor  an imported trunk's part is read, or continues
// A cursor is a path and query relative to the account's base URL, taken from Twilio's
// meta.next_page_url ("/v1/Trunks?PageSize=1000&Page=1&PageToken=PA...").
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "trunkline/plugin_sdk/form.h"
#include "trunkline/plugin_sdk/sync_helpers.h"
#include "twilio_sync.h"

namespace trunkline::twilio {
namespace {

using plugin_sdk::DesiredTrunk;
using plugin_sdk::Fields;
using plugin_sdk::FieldText;
using plugin_sdk::FormBody;
using plugin_sdk::ImportNote;
using plugin_sdk::ImportTarget;
using plugin_sdk::NameValues;
using plugin_sdk::Observation;
using plugin_sdk::ParseQuery;
using plugin_sdk::ProgressNote;
using plugin_sdk::Step;
using plugin_sdk::StepKind;
using plugin_sdk::ValueOrEmpty;

// The parameters that make `have` equal `want`, in the table's order. A field `want` lacks
// is sent as its `unset` value when Twilio holds something else, or left alone when it has
// none. An absent `have` stands for the `unset` value (Absorb leaves defaults out).
template <size_t N>
NameValues Changes(const ParamName (&params)[N], const Fields& want, const Fields& have) {
  NameValues out;
  for (const ParamName& p : params) {
    std::optional<std::string> w = FieldText(want, p.field);
    if (!w && p.unset == nullptr) continue;  // not the registry's: left as Twilio has it
    const std::string target = w ? *w : p.unset;
    std::optional<std::string> h = FieldText(have, p.field);
    if (!h && p.unset != nullptr) h = p.unset;
    if (h != target) out.emplace_back(p.param, target);
  }
  return out;
}

// Every parameter `fields` holds, in the table's order.
template <size_t N>
NameValues All(const ParamName (&params)[N], const Fields& fields) {
  NameValues out;
  for (const ParamName& p : params) {
    if (std::optional<std::string> w = FieldText(fields, p.field)) out.emplace_back(p.param, *w);
  }
  return out;
}

Step MakeStep(StepKind kind, std::string target, std::string method, std::string path,
              std::string body = "") {
  Step s;
  s.kind = kind;
  s.target = std::move(target);
  s.request.method = std::move(method);
  s.request.path = std::move(path);
  s.request.headers.emplace_back("Accept", "application/json");
  if (s.request.method == "POST") {
    s.request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  }
  s.request.body = std::move(body);
  return s;
}

// A GET of a list: its first page, or the page `cursor` names (a path and query).
Step ListStep(StepKind kind, std::string target, const std::string& path,
              const std::string* cursor) {
  if (cursor != nullptr) {
    const size_t q = cursor->find('?');
    Step s = MakeStep(kind, std::move(target), "GET", cursor->substr(0, q));
    if (q != std::string::npos)
      s.request.query = ParseQuery(std::string_view(*cursor).substr(q + 1));
    return s;
  }
  Step s = MakeStep(kind, std::move(target), "GET", path);
  s.request.query = {{"PageSize", kPageSize}};
  return s;
}

// The read of one part of the trunk `sid`, continuing at `cursor` when given.
Step ReadPart(StepKind kind, std::string target, const std::string& sid, std::string_view part,
              const std::string* cursor) {
  if (part == "trunk") return MakeStep(kind, std::move(target), "GET", SubResourcePath(sid, ""));
  if (part == kRecording) {
    return MakeStep(kind, std::move(target), "GET", SubResourcePath(sid, part));
  }
  return ListStep(kind, std::move(target), SubResourcePath(sid, part), cursor);
}

// Reads of every part not read yet (independent of each other).
std::vector<Step> Reads(const Observation& o) {
  std::vector<Step> steps;
  for (const char* part : kParts) {
    if (ProgressNote(o, std::string("read:") + part)) continue;
    steps.push_back(ReadPart(StepKind::kRead, part, o.remote_id, part,
                             ProgressNote(o, std::string("next:") + part)));
  }
  return steps;
}

// The Twilio sid of origination URL `key`: "remote:<sid>", or the one item_ids maps it to.
std::string OriginationUrlSid(const Observation& o, const std::string& key) {
  if (key.starts_with("remote:")) return key.substr(7);
  return ValueOrEmpty(ValueOrEmpty(o.item_ids, kOriginationUrls), key);
}

void OriginationUrlWrites(const DesiredTrunk& d, const Observation& o, std::vector<Step>& steps) {
  const auto& want = ValueOrEmpty(d.content.items, kOriginationUrls);
  const auto& have = ValueOrEmpty(o.content.items, kOriginationUrls);
  const std::string list = SubResourcePath(o.remote_id, kOriginationUrls);
  const std::string prefix = std::string(kOriginationUrls) + "/";
  for (const auto& [key, fields] : have) {  // deletes first: they make room
    const std::string sid = OriginationUrlSid(o, key);
    if (want.count(key) || !IsSid(sid, "OU")) continue;
    steps.push_back(MakeStep(StepKind::kDelete, prefix + key, "DELETE", list + "/" + sid));
  }
  for (const auto& [key, fields] : want) {
    auto found = have.find(key);
    const std::string sid = OriginationUrlSid(o, key);
    if (found == have.end() || !IsSid(sid, "OU")) continue;
    if (NameValues changes = Changes(kOriginationUrlParams, fields, found->second);
        !changes.empty()) {
      steps.push_back(
          MakeStep(StepKind::kUpdate, prefix + key, "POST", list + "/" + sid, FormBody(changes)));
    }
  }
  for (const auto& [key, fields] : want) {
    if (have.count(key) && IsSid(OriginationUrlSid(o, key), "OU")) continue;
    steps.push_back(MakeStep(StepKind::kCreate, prefix + key, "POST", list,
                             FormBody(All(kOriginationUrlParams, fields))));
  }
}

void AssociationWrites(const DesiredTrunk& d, const Observation& o, std::vector<Step>& steps) {
  for (const Association& a : kAssociations) {
    const auto& want = ValueOrEmpty(d.content.attachments, a.sub_resource);
    const auto& have = ValueOrEmpty(o.content.attachments, a.sub_resource);
    const std::string path = SubResourcePath(o.remote_id, a.sub_resource);
    const std::string prefix = std::string(a.sub_resource) + "/";
    std::vector<std::string> detach, attach;
    for (const std::string& id : have) {
      if (std::find(want.begin(), want.end(), id) == want.end() && IsSid(id, a.prefix)) {
        detach.push_back(id);
      }
    }
    for (const std::string& id : want) {
      if (std::find(have.begin(), have.end(), id) == have.end()) attach.push_back(id);
    }
    std::sort(detach.begin(), detach.end());
    std::sort(attach.begin(), attach.end());
    for (const std::string& id : detach) {
      steps.push_back(MakeStep(StepKind::kDelete, prefix + id, "DELETE", path + "/" + id));
    }
    for (const std::string& id : attach) {
      steps.push_back(
          MakeStep(StepKind::kCreate, prefix + id, "POST", path, FormBody({{a.param, id}})));
    }
  }
}

// The writes that make the remote trunk equal `d`: the trunk's fields, the recording, the
// origination URLs (deletes, updates, creates), then each association (detach, attach).
std::vector<Step> Writes(const DesiredTrunk& d, const Observation& o) {
  std::vector<Step> steps;
  if (NameValues changes = Changes(kTrunkParams, d.content.fields, o.content.fields);
      !changes.empty()) {
    steps.push_back(MakeStep(StepKind::kUpdate, "trunk", "POST", SubResourcePath(o.remote_id, ""),
                             FormBody(changes)));
  }
  if (NameValues changes = Changes(kRecordingParams, ValueOrEmpty(d.content.singletons, kRecording),
                                   ValueOrEmpty(o.content.singletons, kRecording));
      !changes.empty()) {
    steps.push_back(MakeStep(StepKind::kUpdate, kRecording, "POST",
                             SubResourcePath(o.remote_id, kRecording), FormBody(changes)));
  }
  OriginationUrlWrites(d, o, steps);
  AssociationWrites(d, o, steps);
  return steps;
}

// The import scan: the trunk listing, then every part of each trunk found.
std::vector<Step> Scan(const Observation& o) {
  if (!ProgressNote(o, "scan:listed")) {
    return {ListStep(StepKind::kRead, "trunks", "/v1/Trunks", ProgressNote(o, "scan:next"))};
  }
  std::vector<Step> steps;
  for (const Observation& found : o.found) {
    for (std::string_view part : kImportParts) {
      const std::string* state = ProgressNote(o, ImportNote(found.remote_id, part));
      if (state != nullptr && *state == "1") continue;
      steps.push_back(ReadPart(StepKind::kRead, ImportTarget(found.remote_id, part),
                               found.remote_id, part, state));
    }
  }
  return steps;
}

}  // namespace

bool IsSid(std::string_view sid, std::string_view prefix) {
  if (sid.size() != 34 || !sid.starts_with(prefix) || prefix.size() != 2) return false;
  return std::all_of(sid.begin() + 2, sid.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string SubResourcePath(const std::string& trunk_sid, std::string_view part) {
  std::string path = "/v1/Trunks/" + trunk_sid;
  if (part.empty() || part == "trunk") return path;
  if (part == kRecording) return path + "/Recording";
  if (part == kOriginationUrls) return path + "/OriginationUrls";
  for (const Association& a : kAssociations) {
    if (part == a.sub_resource) return path + "/" + a.segment;
  }
  throw std::invalid_argument("no Twilio sub-resource \"" + std::string(part) + "\"");
}

std::vector<Step> Plan(const std::optional<DesiredTrunk>& desired, const Observation& o) {
  if (!desired) return o.scan_done ? std::vector<Step>{} : Scan(o);
  if (o.remote_id.empty()) {
    if (o.create_pending && !o.lookup_done) {  // the trunk a lost create made may exist
      return {ListStep(StepKind::kLookup, "trunks", "/v1/Trunks", ProgressNote(o, "lookup:next"))};
    }
    if (desired->deleted) return {};
    return {MakeStep(StepKind::kCreate, "trunk", "POST", "/v1/Trunks",
                     FormBody(All(kTrunkParams, desired->content.fields)))};
  }
  if (!IsSid(o.remote_id, "TK")) {
    throw std::invalid_argument("remote id \"" + o.remote_id + "\" is not a Twilio trunk sid");
  }
  if (desired->deleted) {
    return {MakeStep(StepKind::kDelete, "trunk", "DELETE", SubResourcePath(o.remote_id, ""))};
  }
  if (!o.read) return Reads(o);
  if (!o.exists) return {};  // unreachable: a trunk read as gone has no remote id
  return Writes(*desired, o);
}

}  // namespace trunkline::twilio
