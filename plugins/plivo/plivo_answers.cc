// Answer parsing: what Plivo's answers say about the remote trunk, in registry terms.
//
// Content conventions (what the sync worker compares with the registry):
//   - fields are typed as Plivo's JSON: `secure` a bool, the others strings; a JSON null or ""
//     is an absent field;
//   - with a desired trunk, a settable field the registry does not hold is left out when
//     Plivo has it at the value the adapter would send for it (name "", trunk_status
//     "enabled", secure false, a reference null): absent means "as the registry leaves it";
//   - with no desired trunk (import), every value Plivo holds is kept;
//   - `phone_numbers` lists the numbers read as routed to the trunk; empty lists are left out.
// read_only holds trunk_id and trunk_domain (and created_at, updated_at when Plivo gives
// them) under their JSON names, as strings; nulls are left out.
//
// A trunk fetch may come bare or wrapped as {"api_id", "object": {...}}: both are read.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "plivo_sync.h"
#include "trunkline/plugin_sdk/json.h"
#include "trunkline/plugin_sdk/provider_errors.h"
#include "trunkline/plugin_sdk/sync_helpers.h"

namespace trunkline::plivo {
namespace {

namespace json = boost::json;
using plugin_sdk::AbsorbInput;
using plugin_sdk::AbsorbResult;
using plugin_sdk::DesiredTrunk;
using plugin_sdk::DropEmptyContainers;
using plugin_sdk::Fields;
using plugin_sdk::ForgetRemoteTrunk;
using plugin_sdk::MalformedAnswer;
using plugin_sdk::Observation;
using plugin_sdk::ParseJsonObject;
using plugin_sdk::StepKind;
using plugin_sdk::SyncError;
using plugin_sdk::WireText;

// The resource of a fetch answer, wrapped in "object" or not.
json::object Unwrap(json::object body) {
  if (json::value* inner = body.if_contains("object"); inner != nullptr && inner->is_object()) {
    return std::move(inner->as_object());
  }
  return body;
}

// A string or a number as text (Plivo's trunk ids are numeric strings; a number is accepted);
// "" for anything else.
std::string Text(const json::object& o, const char* key) {
  return plugin_sdk::MemberText(o, key, plugin_sdk::JsonText::kStringsAndIntegers);
}

// What Plivo holds when the registry leaves `f` out (see the conventions above).
bool AtUnset(const TrunkField& f, const plugin_sdk::FieldValue& value) {
  const std::string text = WireText(value);
  switch (f.unset) {
    case Unset::kEmpty:
      return text.empty();
    case Unset::kEnabled:
      return text == "enabled";
    case Unset::kFalse:
      return text == "false";
    case Unset::kNull:
    case Unset::kNever:
      break;
  }
  return false;
}

bool Holds(const Fields* fields, const TrunkField& f) {
  auto it = fields->find(f.name);
  return it != fields->end() && !WireText(it->second).empty();
}

// The settable fields of a trunk object. `desired` is null for import (keep every value).
Fields Observed(const json::object& t, const Fields* desired) {
  Fields out;
  for (const TrunkField& f : kTrunkFields) {
    const json::value* v = t.if_contains(f.name);
    if (v == nullptr || v->is_null()) continue;
    plugin_sdk::FieldValue value;
    if (f.is_bool && v->is_bool()) {
      value = v->as_bool();
    } else if (f.is_bool && v->is_string() &&
               (v->as_string() == "true" || v->as_string() == "false")) {
      value = v->as_string() == "true";
    } else if (!f.is_bool && v->is_string()) {
      if (v->as_string().empty()) continue;
      value = std::string(v->as_string());
    } else {
      throw MalformedAnswer("holds a " + std::string(f.name) +
                            " of the wrong type: " + json::serialize(*v));
    }
    if (desired != nullptr && !Holds(desired, f) && AtUnset(f, value)) continue;
    out[f.name] = std::move(value);
  }
  return out;
}

void TakeTrunk(const json::object& t, const DesiredTrunk* d, Observation& o) {
  if (std::string id = Text(t, "trunk_id"); !id.empty()) o.remote_id = id;
  o.content.fields = Observed(t, d ? &d->content.fields : nullptr);
  o.read_only.clear();
  for (const char* key : kTrunkReadOnly) {
    if (std::string value = Text(t, key); !value.empty()) o.read_only[key] = value;
  }
}

AbsorbResult Done(Observation o) {
  DropEmptyContainers(o);
  return AbsorbResult{std::move(o), std::nullopt};
}

AbsorbResult Failed(const AbsorbInput& in) {
  return AbsorbResult{std::nullopt, ClassifyError(in.step, in.response)};
}

bool IsSuccess(int status) { return status / 100 == 2; }

// Marks the trunk to be read again (its fields, not the numbers already read).
void Reread(Observation& o) {
  o.read = false;
  o.exists = false;
  o.progress.erase("read:trunk");
}

void CheckRead(const DesiredTrunk* d, Observation& o) {
  if (!o.progress.count("read:trunk")) return;
  for (const std::string& digits : NumbersToRead(d, o)) {
    if (!o.progress.count("read:number:" + digits)) return;
  }
  o.read = true;
  o.exists = true;
}

void SetRouted(Observation& o, const std::string& digits, bool routed) {
  auto& numbers = o.content.attachments[kPhoneNumbers];
  auto& ids = o.item_ids[kPhoneNumbers];
  std::erase(numbers, digits);
  ids.erase(digits);
  if (routed) {
    plugin_sdk::AddSorted(numbers, digits);
    ids[digits] = digits;
  }
}

// The trunk id a step's path names ("/v1/Account/{account_id}/Zentrunk/Trunk/<id>/"), or "".
std::string TrunkOf(const std::string& path) {
  const std::string_view prefix = kTrunksPath;
  if (!path.starts_with(prefix)) return "";
  return path.substr(prefix.size(), path.find('/', prefix.size()) - prefix.size());
}

// Whether a Number resource routes to trunk `trunk_id`: its `application` is the trunk's path
// (".../Zentrunk/Trunk/<id>/"), or (Plivo's trunk-object variant) object_type "trunk" with
// object_id the trunk id.
bool RoutesTo(const json::object& number, const std::string& trunk_id) {
  std::string application = Text(number, "application");
  if (!application.empty() && application.back() != '/') application += '/';
  if (application.ends_with("/Zentrunk/Trunk/" + trunk_id + "/")) return true;
  return Text(number, "object_type") == "trunk" && Text(number, "object_id") == trunk_id;
}

AbsorbResult AbsorbCreate(const AbsorbInput& in, const DesiredTrunk* d, Observation o) {
  if (!IsSuccess(in.response.status)) return Failed(in);
  const json::object answer = ParseJsonObject(in.response.body);
  const std::string id = Text(answer, "trunk_id");
  if (!IsTrunkId(id)) throw MalformedAnswer("names no trunk_id");
  Observation made;  // create_pending cleared: the create's answer came
  made.progress = std::move(o.progress);
  std::erase_if(made.progress, [](const auto& kv) { return kv.first.starts_with("read:"); });
  made.remote_id = id;
  made.read_only["trunk_id"] = id;
  if (std::string domain = Text(answer, "trunk_domain"); !domain.empty()) {
    made.read_only["trunk_domain"] = domain;
  }
  // Nothing is routed to a trunk just made; its fields (and trunk_domain) are fetched next.
  for (const std::string& digits : NumbersToRead(d, made)) {
    made.progress["read:number:" + digits] = "1";
  }
  return Done(std::move(made));
}

AbsorbResult AbsorbTrunk(const AbsorbInput& in, const DesiredTrunk* d, Observation o) {
  if (in.step.kind == StepKind::kCreate) return AbsorbCreate(in, d, std::move(o));
  if (o.remote_id.empty() || TrunkOf(in.step.request.path) != o.remote_id) {
    return Done(std::move(o));  // about a trunk this observation no longer holds
  }
  const int status = in.response.status;
  switch (in.step.kind) {
    case StepKind::kRead:
      if (status == 404) {
        ForgetRemoteTrunk(o, {"read:"});
        return Done(std::move(o));
      }
      if (status != 200) return Failed(in);
      TakeTrunk(Unwrap(ParseJsonObject(in.response.body)), d, o);
      o.progress["read:trunk"] = "1";
      CheckRead(d, o);
      return Done(std::move(o));
    case StepKind::kUpdate:
      if (status == 404 && !IsMissingReference(in.step, in.response)) {
        ForgetRemoteTrunk(o, {"read:"});  // the trunk went meanwhile
        return Done(std::move(o));
      }
      if (!IsSuccess(status)) return Failed(in);
      Reread(o);  // the answer holds only the id: what the trunk holds now is read back
      return Done(std::move(o));
    case StepKind::kDelete:
      if (!IsSuccess(status) && status != 404) return Failed(in);
      ForgetRemoteTrunk(o, {"read:"});  // deleted, or gone already
      return Done(std::move(o));
    default:
      return Done(std::move(o));
  }
}

AbsorbResult AbsorbNumber(const AbsorbInput& in, const DesiredTrunk* d, Observation o) {
  const std::string digits = in.step.target.substr(std::string_view(kPhoneNumbers).size() + 1);
  const int status = in.response.status;
  if (o.remote_id.empty()) return Done(std::move(o));  // the trunk is gone: nothing routes to it
  switch (in.step.kind) {
    case StepKind::kRead: {
      if (o.read) return Done(std::move(o));  // the trunk read as gone meanwhile
      if (status != 200 && status != 404) return Failed(in);
      // 404: the account has no such number, so nothing routes it here.
      SetRouted(o, digits,
                status == 200 && RoutesTo(Unwrap(ParseJsonObject(in.response.body)), o.remote_id));
      o.progress["read:number:" + digits] = "1";
      CheckRead(d, o);
      return Done(std::move(o));
    }
    case StepKind::kCreate: {
      if (IsSuccess(status)) {
        SetRouted(o, digits, true);
        o.progress["read:number:" + digits] = "1";
        return Done(std::move(o));
      }
      const SyncError e = ClassifyError(in.step, in.response);
      if (status == 404 && (e.provider_message.find("app_id") != std::string::npos ||
                            e.provider_message.find(o.remote_id) != std::string::npos)) {
        Reread(o);  // Plivo knows no trunk of that id: read it, and create it when gone
        return Done(std::move(o));
      }
      return AbsorbResult{std::nullopt, e};
    }
    case StepKind::kDelete:
      if (!IsSuccess(status) && status != 404) return Failed(in);
      SetRouted(o, digits, false);
      return Done(std::move(o));
    default:
      return Done(std::move(o));
  }
}

// The lookup rule (README.md): every settable field the desired trunk sets equals the
// remote trunk's.
bool Matches(const Fields& want, const json::object& trunk) {
  const Fields have = Observed(trunk, nullptr);
  for (const TrunkField& f : kTrunkFields) {
    auto w = want.find(f.name);
    if (w == want.end() || WireText(w->second).empty()) continue;
    auto h = have.find(f.name);
    if (h == have.end() || WireText(h->second) != WireText(w->second)) return false;
  }
  return true;
}

int64_t OffsetOf(const plugin_sdk::NameValues& query) {
  for (const auto& [name, value] : query) {
    int64_t offset = 0;
    if (name != "offset") continue;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), offset);
    if (ec != std::errc() || end != value.data() + value.size() || offset < 0) {
      throw MalformedAnswer("answers a listing at offset \"" + value + "\"");
    }
    return offset;
  }
  return 0;
}

// A page of the trunk listing, for a lookup (the matching candidates) or an import scan.
AbsorbResult AbsorbListing(const AbsorbInput& in, Observation o) {
  if (in.response.status != 200) return Failed(in);
  const json::object body = ParseJsonObject(in.response.body);
  const json::value* objects = body.if_contains("objects");
  if (objects == nullptr || !objects->is_array()) throw MalformedAnswer("has no \"objects\" list");
  for (const json::value& v : objects->as_array()) {
    if (!v.is_object()) continue;
    const json::object& t = v.as_object();
    const std::string id = Text(t, "trunk_id");
    if (!IsTrunkId(id)) continue;
    if (in.desired) {
      if (Matches(in.desired->content.fields, t) &&
          std::find(o.candidates.begin(), o.candidates.end(), id) == o.candidates.end()) {
        o.candidates.push_back(id);
      }
      continue;
    }
    if (std::any_of(o.found.begin(), o.found.end(),
                    [&](const Observation& f) { return f.remote_id == id; })) {
      continue;  // listed twice as the listing moved between pages
    }
    Observation found;
    TakeTrunk(t, nullptr, found);
    found.read = found.exists = true;
    o.found.push_back(std::move(found));
  }
  const json::value* meta = body.if_contains("meta");
  const json::value* next =
      meta != nullptr && meta->is_object() ? meta->as_object().if_contains("next") : nullptr;
  const bool more = next != nullptr && !next->is_null() && !objects->as_array().empty();
  const std::string key = in.desired ? "lookup:offset" : "scan:offset";
  if (more) {
    o.progress[key] =
        std::to_string(OffsetOf(in.step.request.query) + int64_t(objects->as_array().size()));
  } else {
    o.progress.erase(key);
    (in.desired ? o.lookup_done : o.scan_done) = true;
  }
  return Done(std::move(o));
}

}  // namespace

AbsorbResult Absorb(const AbsorbInput& in) {
  try {
    Observation o = in.observation;
    const DesiredTrunk* d = in.desired ? &*in.desired : nullptr;
    if (in.step.target == "trunks") return AbsorbListing(in, std::move(o));
    if (in.step.target.starts_with(std::string(kPhoneNumbers) + "/")) {
      return AbsorbNumber(in, d, std::move(o));
    }
    return AbsorbTrunk(in, d, std::move(o));
  } catch (const MalformedAnswer& bad) {
    return AbsorbResult{std::nullopt, plugin_sdk::UnreadableAnswer("Plivo", in.step,
                                                                   in.response.status, bad.what())};
  }
}

}  // namespace trunkline::plivo
