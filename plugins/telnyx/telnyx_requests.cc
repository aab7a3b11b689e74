// Request building: what the adapter asks the host to send next.
//
// The observation's `progress` notes are the adapter's own (the host carries them between
// steps and reads none of them):
//   "read:<part>"                = "1"    the part is read in this pass (parts: kParts)
//   "next:<part>"                = page   the part's listing continues at page[number] page
//   "next:phone_numbers/<digits>" = page  the number's lookup continues at page
//   "lookup:next"                = page   the lost-create lookup's listing continues at page
//   "scan:next"                  = page   the import scan's listing continues at page
//   "scan:listed"                = "1"    the import scan listed every connection
//   "import:<id>:<part>"         = "1" | page   an imported connection's part is read, or
//                                               continues at page
//
// Bodies are JSON objects whose keys follow the tables' order (kConnectionFields,
// kFqdnFields). Every request has `Accept: application/json`; POSTs and PATCHes have
// `Content-Type: application/json`.
#include <algorithm>
#include <stdexcept>

#include "telnyx_values.h"
#include "trunkline/plugin_sdk/sync_helpers.h"

namespace trunkline::telnyx {
namespace {

using plugin_sdk::DesiredTrunk;
using plugin_sdk::ImportNote;
using plugin_sdk::ImportTarget;
using plugin_sdk::NameValues;
using plugin_sdk::Observation;
using plugin_sdk::ProgressNote;
using plugin_sdk::Step;
using plugin_sdk::StepKind;
namespace json = boost::json;
using values::At;
using values::Fields;

Step MakeStep(StepKind kind, std::string target, std::string method, std::string path,
              std::string body = "") {
  Step s;
  s.kind = kind;
  s.target = std::move(target);
  s.request.method = std::move(method);
  s.request.path = std::move(path);
  s.request.headers.emplace_back("Accept", "application/json");
  if (s.request.method == "POST" || s.request.method == "PATCH") {
    s.request.headers.emplace_back("Content-Type", "application/json");
  }
  s.request.body = std::move(body);
  return s;
}

// A GET of a list's page `page` (page 1 when null), with its filters first.
Step ListStep(StepKind kind, std::string target, const char* path, NameValues filters,
              const std::string* page) {
  Step s = MakeStep(kind, std::move(target), "GET", path);
  s.request.query = std::move(filters);
  s.request.query.emplace_back("page[number]", page != nullptr ? *page : "1");
  s.request.query.emplace_back("page[size]", kPageSize);
  return s;
}

std::string ConnectionPath(const std::string& id) { return std::string(kConnectionsPath) + "/" + id; }

// The listing of one part of connection `id`: its FQDNs or the numbers routed to it.
Step ReadPart(StepKind kind, std::string target, const std::string& id, std::string_view part,
              const std::string* page) {
  if (part == "trunk") return MakeStep(kind, std::move(target), "GET", ConnectionPath(id));
  const char* path = part == kFqdns ? kFqdnsPath : kNumbersPath;
  return ListStep(kind, std::move(target), path, {{"filter[connection_id]", id}}, page);
}

std::vector<Step> Reads(const Observation& o) {
  std::vector<Step> steps;
  for (const char* part : kParts) {
    if (ProgressNote(o, std::string("read:") + part)) continue;
    steps.push_back(ReadPart(StepKind::kRead, part, o.remote_id, part,
                             ProgressNote(o, std::string("next:") + part)));
  }
  return steps;
}

// The members of `part` that make `have` equal `want`, in the table's order. A field `want`
// lacks is sent as its unset value when Telnyx holds something else, or left alone when it
// has none. An absent `have` stands for the unset value (Absorb leaves those out).
template <size_t N>
json::object Changes(const FieldMap (&table)[N], std::string_view part, const Fields& want,
                     const Fields& have) {
  json::object out;
  for (const FieldMap& f : table) {
    if (part != f.part) continue;
    const std::optional<std::string> w = values::Held(want, f.name);
    if (!w && f.unset == nullptr) continue;
    std::optional<std::string> h = values::Held(have, f.name);
    if (!h) h = values::UnsetText(f);
    if (w ? h == w : h == values::UnsetText(f)) continue;
    out[f.name] = w ? values::JsonOf(f, want.at(f.name)) : values::UnsetJson(f);
  }
  return out;
}

// Every member of `part` `fields` holds, in the table's order.
template <size_t N>
json::object All(const FieldMap (&table)[N], std::string_view part, const Fields& fields) {
  json::object out;
  for (const FieldMap& f : table) {
    if (part != f.part || !values::Held(fields, f.name)) continue;
    out[f.name] = values::JsonOf(f, fields.at(f.name));
  }
  return out;
}

std::string CreateBody(const DesiredTrunk& d) {
  json::object body = All(kConnectionFields, "", d.content.fields);
  for (const char* part : {kInbound, kOutbound}) {
    json::object nested = All(kConnectionFields, part, At(d.content.singletons, part));
    if (!nested.empty()) body[part] = std::move(nested);
  }
  return json::serialize(body);
}

// One PATCH for the connection's fields and its inbound and outbound objects. Telnyx refuses
// an outbound voice profile until outbound authentication is set, so a profile being set
// carries the registry's authentication method along.
std::string UpdateBody(const DesiredTrunk& d, const Observation& o) {
  json::object body = Changes(kConnectionFields, "", d.content.fields, o.content.fields);
  for (const char* part : {kInbound, kOutbound}) {
    const Fields& want = At(d.content.singletons, part);
    json::object nested = Changes(kConnectionFields, part, want, At(o.content.singletons, part));
    if (nested.empty()) continue;
    const json::value* profile = nested.if_contains("outbound_voice_profile_id");
    if (profile != nullptr && !profile->is_null() && want.count("fqdn_authentication_method")) {
      nested["fqdn_authentication_method"] = values::Text(want.at("fqdn_authentication_method"));
    }
    body[part] = std::move(nested);
  }
  return body.empty() ? "" : json::serialize(body);
}

void CheckId(const std::string& id, const char* what) {
  if (!IsTelnyxId(id)) {
    throw std::invalid_argument(std::string(what) + " \"" + id + "\" is not a Telnyx id");
  }
}

// The Telnyx id of FQDN item `key`: "remote:<id>", or the one item_ids maps it to.
std::string FqdnId(const Observation& o, const std::string& key) {
  if (key.starts_with("remote:")) return key.substr(7);
  return At(At(o.item_ids, kFqdns), key);
}

// Deletes first (they free the names), then updates, then creates.
void FqdnWrites(const DesiredTrunk* d, const Observation& o, std::vector<Step>& steps) {
  static const std::map<std::string, Fields> kNone;
  const auto& want = d != nullptr ? At(d->content.items, kFqdns) : kNone;
  const auto& have = At(o.content.items, kFqdns);
  const std::string prefix = std::string(kFqdns) + "/";
  for (const auto& [key, fields] : have) {
    if (want.count(key)) continue;
    const std::string id = FqdnId(o, key);
    CheckId(id, "FQDN id");
    steps.push_back(MakeStep(StepKind::kDelete, prefix + key, "DELETE",
                             std::string(kFqdnsPath) + "/" + id));
  }
  for (const auto& [key, fields] : want) {
    auto found = have.find(key);
    if (found == have.end()) continue;
    json::object changes = Changes(kFqdnFields, kFqdns, fields, found->second);
    if (changes.empty()) continue;
    const std::string id = FqdnId(o, key);
    CheckId(id, "FQDN id");
    steps.push_back(MakeStep(StepKind::kUpdate, prefix + key, "PATCH",
                             std::string(kFqdnsPath) + "/" + id, json::serialize(changes)));
  }
  for (const auto& [key, fields] : want) {
    if (have.count(key)) continue;
    json::object body{{"connection_id", o.remote_id}};
    for (auto& [name, value] : All(kFqdnFields, kFqdns, fields)) body[name] = value;
    if (!body.contains("dns_record_type")) body["dns_record_type"] = "a";  // Telnyx needs one
    steps.push_back(
        MakeStep(StepKind::kCreate, prefix + key, "POST", kFqdnsPath, json::serialize(body)));
  }
}

Step RouteNumber(StepKind kind, const std::string& digits, const std::string& number_id,
                 json::value connection_id) {
  CheckId(number_id, "phone number id");
  return MakeStep(kind, std::string(kPhoneNumbers) + "/" + digits, "PATCH",
                  std::string(kNumbersPath) + "/" + number_id,
                  json::serialize(json::object{{"connection_id", std::move(connection_id)}}));
}

// Detaches of the numbers routed here that `want` lacks; for those it wants that are not,
// the lookup of the number's id (by its E.164 digits) or, with the id known, the attach.
void NumberWrites(const std::vector<std::string>& want, const Observation& o,
                  std::vector<Step>& steps) {
  const auto& have = At(o.content.attachments, kPhoneNumbers);
  const auto& ids = At(o.item_ids, kPhoneNumbers);
  for (const std::string& digits : have) {
    if (std::find(want.begin(), want.end(), digits) != want.end()) continue;
    // Telnyx documents no way to unassign; null is what its API takes for "none".
    steps.push_back(RouteNumber(StepKind::kDelete, digits, At(ids, digits), nullptr));
  }
  for (const std::string& digits : want) {
    if (std::find(have.begin(), have.end(), digits) != have.end()) continue;
    if (!IsNumber(digits)) {
      throw std::invalid_argument("phone number \"" + digits + "\" is not E.164 digits");
    }
    const std::string& id = At(ids, digits);
    if (!id.empty()) {
      steps.push_back(RouteNumber(StepKind::kCreate, digits, id, json::value(o.remote_id)));
      continue;
    }
    const std::string target = std::string(kPhoneNumbers) + "/" + digits;
    steps.push_back(ListStep(StepKind::kRead, target, kNumbersPath,
                             {{"filter[phone_number]", digits}}, ProgressNote(o, "next:" + target)));
  }
}

std::vector<Step> Writes(const DesiredTrunk& d, const Observation& o) {
  std::vector<Step> steps;
  if (std::string body = UpdateBody(d, o); !body.empty()) {
    steps.push_back(
        MakeStep(StepKind::kUpdate, "trunk", "PATCH", ConnectionPath(o.remote_id), body));
  }
  FqdnWrites(&d, o, steps);
  std::vector<std::string> want = At(d.content.attachments, kPhoneNumbers);
  std::sort(want.begin(), want.end());
  NumberWrites(want, o, steps);
  return steps;
}

// Telnyx refuses to delete a connection in use: its FQDNs go and its numbers are detached
// first, then the connection goes.
std::vector<Step> Removal(const Observation& o) {
  std::vector<Step> steps;
  FqdnWrites(nullptr, o, steps);
  NumberWrites({}, o, steps);
  if (steps.empty()) {
    steps.push_back(MakeStep(StepKind::kDelete, "trunk", "DELETE", ConnectionPath(o.remote_id)));
  }
  return steps;
}

// The import scan: the connection listing, then the FQDNs and numbers of each one found.
std::vector<Step> Scan(const Observation& o) {
  if (!ProgressNote(o, "scan:listed")) {
    return {ListStep(StepKind::kRead, "trunks", kConnectionsPath, {}, ProgressNote(o, "scan:next"))};
  }
  std::vector<Step> steps;
  for (const Observation& found : o.found) {
    CheckId(found.remote_id, "remote id");
    for (const char* part : {kFqdns, kPhoneNumbers}) {
      const std::string* state = ProgressNote(o, ImportNote(found.remote_id, part));
      if (state != nullptr && *state == "1") continue;
      steps.push_back(ReadPart(StepKind::kRead, ImportTarget(found.remote_id, part),
                               found.remote_id, part, state));
    }
  }
  return steps;
}

// The lost-create lookup: the account's connections, filtered by name when the name is long
// enough for Telnyx's filter (3 characters); names are compared exactly by Absorb.
Step Lookup(const DesiredTrunk& d, const Observation& o) {
  NameValues filters;
  if (auto name = values::Held(d.content.fields, "connection_name"); name && name->size() >= 3) {
    filters.emplace_back("filter[connection_name][contains]", *name);
  }
  return ListStep(StepKind::kLookup, "trunks", kConnectionsPath, std::move(filters),
                  ProgressNote(o, "lookup:next"));
}

}  // namespace

bool IsTelnyxId(std::string_view id) {
  return !id.empty() && id.size() <= 19 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsNumber(std::string_view digits) {
  return digits.size() >= 7 && digits.size() <= 15 && digits.front() != '0' &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<Step> Plan(const std::optional<DesiredTrunk>& desired, const Observation& o) {
  if (!desired) return o.scan_done ? std::vector<Step>{} : Scan(o);
  if (o.remote_id.empty()) {
    if (o.create_pending && !o.lookup_done) return {Lookup(*desired, o)};
    if (desired->deleted) return {};
    return {MakeStep(StepKind::kCreate, "trunk", "POST", kConnectionsPath, CreateBody(*desired))};
  }
  CheckId(o.remote_id, "remote id");
  if (!o.read) return Reads(o);
  if (!o.exists) return {};  // unreachable: a connection read as gone has no remote id
  if (desired->deleted) return Removal(o);
  return Writes(*desired, o);
}

}  // namespace trunkline::telnyx
