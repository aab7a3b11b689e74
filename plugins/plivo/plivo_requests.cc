// Request building: what the adapter asks the host to send next.
//
// The observation's `progress` notes are the adapter's own (the host carries them between
// steps and reads none of them):
//   "read:trunk"            = "1"      the trunk is read in this pass
//   "read:number:<digits>"  = "1"      the number's routing is read in this pass
//   "lookup:offset"         = offset   the lookup's trunk listing continues at offset
//   "scan:offset"           = offset   the import scan's trunk listing continues at offset
//
// Bodies are JSON objects whose keys follow kTrunkFields' order; a reference is cleared with
// JSON null, a name with "". Every request has `Accept: application/json`; POSTs have
// `Content-Type: application/json`.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <stdexcept>

#include "plivo_sync.h"
#include "trunkline/plugin_sdk/sync_helpers.h"

namespace trunkline::plivo {
namespace {

namespace json = boost::json;
using plugin_sdk::DesiredTrunk;
using plugin_sdk::Fields;
using plugin_sdk::Observation;
using plugin_sdk::ProgressNote;
using plugin_sdk::Step;
using plugin_sdk::StepKind;
using plugin_sdk::ValueOrEmpty;

// The value a field stands at when the registry does not hold it; nullopt: JSON null.
std::optional<std::string> UnsetText(Unset unset) {
  switch (unset) {
    case Unset::kEmpty:
      return "";
    case Unset::kEnabled:
      return "enabled";
    case Unset::kFalse:
      return "false";
    case Unset::kNever:
    case Unset::kNull:
      break;
  }
  return std::nullopt;
}

// `fields`' value of `f` as text ("true"/"false" for booleans); an empty reference or name
// is no value.
std::optional<std::string> TextOf(const Fields& fields, const TrunkField& f) {
  std::optional<std::string> text = plugin_sdk::FieldText(fields, f.name);
  if (text && text->empty() && f.unset != Unset::kEnabled && f.unset != Unset::kFalse) {
    return std::nullopt;
  }
  return text;
}

json::value JsonOf(const TrunkField& f, const std::optional<std::string>& text) {
  if (!text) return nullptr;
  if (f.is_bool) return *text == "true";
  return json::value(*text);
}

Step MakeStep(StepKind kind, std::string target, std::string method, std::string path,
              std::string body = "") {
  Step s;
  s.kind = kind;
  s.target = std::move(target);
  s.request.method = std::move(method);
  s.request.path = std::move(path);
  s.request.headers.emplace_back("Accept", "application/json");
  if (s.request.method == "POST")
    s.request.headers.emplace_back("Content-Type", "application/json");
  s.request.body = std::move(body);
  return s;
}

// A page of the account's trunks, at the offset `offset_key` holds (0 when none).
Step Listing(StepKind kind, const Observation& o, const std::string& offset_key) {
  const std::string* offset = ProgressNote(o, offset_key);
  Step s = MakeStep(kind, "trunks", "GET", kTrunksPath);
  s.request.query = {{"limit", std::to_string(kPageSize)}, {"offset", offset ? *offset : "0"}};
  return s;
}

// Every field the registry holds, for a create.
std::string CreateBody(const DesiredTrunk& d) {
  json::object body;
  for (const TrunkField& f : kTrunkFields) {
    if (std::optional<std::string> want = TextOf(d.content.fields, f)) {
      body[f.name] = JsonOf(f, want);
    }
  }
  return json::serialize(body);
}

// The fields that make `have` equal `want`, with trunk_direction always restated (Plivo
// refuses a trunk update without it); "" when nothing but the direction would be sent. An
// absent `have` stands at the field's unset value (Absorb leaves those out).
std::string UpdateBody(const Fields& want, const Fields& have) {
  json::object body;
  bool changed = false;
  for (const TrunkField& f : kTrunkFields) {
    std::optional<std::string> w = TextOf(want, f);
    std::optional<std::string> h = TextOf(have, f);
    if (f.unset == Unset::kNever) {
      if (!w) w = h;
      if (!w) continue;
      changed = changed || w != h;
      body[f.name] = JsonOf(f, w);
      continue;
    }
    if (!w) w = UnsetText(f.unset);
    if (!h) h = UnsetText(f.unset);
    if (w == h) continue;
    changed = true;
    body[f.name] = JsonOf(f, w);
  }
  return changed ? json::serialize(body) : "";
}

std::string NumberTarget(const std::string& digits) {
  return std::string(kPhoneNumbers) + "/" + digits;
}

Step Route(const std::string& digits, const std::string& trunk_id) {
  json::object body;
  body["app_id"] = trunk_id;
  return MakeStep(StepKind::kCreate, NumberTarget(digits), "POST", NumberPath(digits),
                  json::serialize(body));
}

// Omitting app_id gives the number back to the account's default application: the Number
// API's documented way of taking it off a trunk.
Step Unroute(const std::string& digits) {
  return MakeStep(StepKind::kDelete, NumberTarget(digits), "POST", NumberPath(digits), "{}");
}

void CheckNumber(const std::string& digits) {
  if (!IsNumber(digits)) {
    throw std::invalid_argument("phone number \"" + digits + "\" is not E.164 digits");
  }
}

// Reads of every part not read yet (independent of each other): the trunk, then each
// number's routing.
std::vector<Step> Reads(const DesiredTrunk& d, const Observation& o) {
  std::vector<Step> steps;
  if (!ProgressNote(o, "read:trunk")) {
    steps.push_back(MakeStep(StepKind::kRead, "trunk", "GET", TrunkPath(o.remote_id)));
  }
  for (const std::string& digits : NumbersToRead(&d, o)) {
    if (ProgressNote(o, "read:number:" + digits)) continue;
    CheckNumber(digits);
    steps.push_back(MakeStep(StepKind::kRead, NumberTarget(digits), "GET", NumberPath(digits)));
  }
  return steps;
}

// The numbers routed here that `want` lacks, and those it has that are not routed here.
void NumberWrites(const std::vector<std::string>& want, const Observation& o,
                  std::vector<Step>& steps) {
  const auto& have = ValueOrEmpty(o.content.attachments, kPhoneNumbers);
  std::vector<std::string> unroute, route;
  for (const std::string& digits : have) {
    if (std::find(want.begin(), want.end(), digits) == want.end()) unroute.push_back(digits);
  }
  for (const std::string& digits : want) {
    if (std::find(have.begin(), have.end(), digits) == have.end()) route.push_back(digits);
  }
  std::sort(unroute.begin(), unroute.end());
  std::sort(route.begin(), route.end());
  for (const std::string& digits : unroute) {
    CheckNumber(digits);
    steps.push_back(Unroute(digits));
  }
  for (const std::string& digits : route) {
    CheckNumber(digits);
    steps.push_back(Route(digits, o.remote_id));
  }
}

// A deleted trunk: its numbers are un-routed first, then the trunk goes.
std::vector<Step> Removal(const Observation& o) {
  std::vector<Step> steps;
  NumberWrites({}, o, steps);
  if (steps.empty())
    steps.push_back(MakeStep(StepKind::kDelete, "trunk", "DELETE", TrunkPath(o.remote_id)));
  return steps;
}

// The writes that make the remote trunk equal `d`: the trunk's fields, then the numbers
// (un-routes, routes).
std::vector<Step> Writes(const DesiredTrunk& d, const Observation& o) {
  std::vector<Step> steps;
  if (std::string body = UpdateBody(d.content.fields, o.content.fields); !body.empty()) {
    steps.push_back(
        MakeStep(StepKind::kUpdate, "trunk", "POST", TrunkPath(o.remote_id), std::move(body)));
  }
  NumberWrites(ValueOrEmpty(d.content.attachments, kPhoneNumbers), o, steps);
  return steps;
}

}  // namespace

std::string TrunkPath(const std::string& trunk_id) { return kTrunksPath + trunk_id + "/"; }

std::string NumberPath(const std::string& digits) { return kNumbersPath + digits + "/"; }

bool IsTrunkId(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}

bool IsNumber(std::string_view digits) {
  return digits.size() >= 7 && digits.size() <= 15 && digits.front() != '0' &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> NumbersToRead(const DesiredTrunk* desired, const Observation& o) {
  std::vector<std::string> out;
  if (desired != nullptr) out = ValueOrEmpty(desired->content.attachments, kPhoneNumbers);
  for (const auto& [digits, mapped] : ValueOrEmpty(o.item_ids, kPhoneNumbers))
    out.push_back(digits);
  for (const std::string& digits : ValueOrEmpty(o.content.attachments, kPhoneNumbers))
    out.push_back(digits);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Step> Plan(const std::optional<DesiredTrunk>& desired, const Observation& o) {
  if (!desired) {
    if (o.scan_done) return {};
    return {Listing(StepKind::kRead, o, "scan:offset")};
  }
  if (o.remote_id.empty()) {
    if (o.create_pending && !o.lookup_done) {  // the trunk a lost create made may exist
      return {Listing(StepKind::kLookup, o, "lookup:offset")};
    }
    if (desired->deleted) return {};
    return {MakeStep(StepKind::kCreate, "trunk", "POST", kTrunksPath, CreateBody(*desired))};
  }
  if (!IsTrunkId(o.remote_id)) {
    throw std::invalid_argument("remote id \"" + o.remote_id + "\" is not a Plivo trunk id");
  }
  if (!o.read) return Reads(*desired, o);
  if (!o.exists) return {};  // unreachable: a trunk read as gone has no remote id
  if (desired->deleted) return Removal(o);
  return Writes(*desired, o);
}

}  // namespace trunkline::plivo
