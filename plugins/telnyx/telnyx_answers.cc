// Answer parsing: what Telnyx's answers say about the remote connection, in registry terms.
//
// Envelopes: a resource comes as {"data": {...}}, a list as {"data": [...], "meta":
// {page_number, page_size, total_pages, total_results}}; a list has more pages while the page
// held something and its page[number] is below total_pages.
//
// Content conventions (what the sync worker compares with the registry):
//   - fields are typed as Telnyx's JSON (strings, bools, ints); a JSON null or "" is an
//     absent field; ids are compared as text (an FQDN's connection_id may come as a number);
//   - with a desired trunk, a settable field the registry does not hold is left out when
//     Telnyx has it at the value the adapter would send for it (its unset value) or the
//     adapter leaves it alone: absent means "as the registry leaves it";
//   - with no desired trunk (import), every value Telnyx holds is kept;
//   - dns_record_type is lower-cased (Telnyx stores it so);
//   - empty singletons, item maps and attachment lists are left out.
// read_only holds the connection's id, record_type, created_at and updated_at as strings.
#include <algorithm>

#include "telnyx_values.h"
#include "trunkline/plugin_sdk/sync_helpers.h"

namespace trunkline::telnyx {
namespace {

namespace json = boost::json;
using plugin_sdk::AbsorbInput;
using plugin_sdk::AbsorbResult;
using plugin_sdk::DesiredTrunk;
using plugin_sdk::ImportNote;
using plugin_sdk::ImportPartsRead;
using plugin_sdk::NoteListingPage;
using plugin_sdk::Observation;
using plugin_sdk::ParseImportTarget;
using plugin_sdk::StepKind;
using plugin_sdk::SyncError;
using values::At;
using values::Fields;

// An answer that should be JSON of a known shape but is not: a retryable error.
struct BadAnswer {
  std::string what;
};

json::object ParseObject(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw BadAnswer{"is not a JSON object"};
  return std::move(v.as_object());
}

// The resource of a {"data": {...}} answer.
json::object DataOf(const std::string& body) {
  json::object answer = ParseObject(body);
  json::value* data = answer.if_contains("data");
  if (data == nullptr || !data->is_object()) throw BadAnswer{"has no \"data\" object"};
  return std::move(data->as_object());
}

// An id as text: a string, or a number (an FQDN's connection_id, live); "" for anything else.
std::string IdOf(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64() || v->is_uint64()) return json::serialize(*v);
  return "";
}

const std::string* Query(const plugin_sdk::Step& step, std::string_view name) {
  for (const auto& [key, value] : step.request.query) {
    if (key == name) return &value;
  }
  return nullptr;
}

// One page of a list: its items, and the page[number] of the next one when there is one.
struct Page {
  json::object body;
  const json::array* items = nullptr;
  std::optional<std::string> next;
};

Page PageOf(const AbsorbInput& in) {
  Page page;
  page.body = ParseObject(in.response.body);
  const json::value* data = page.body.if_contains("data");
  if (data == nullptr || !data->is_array()) throw BadAnswer{"has no \"data\" list"};
  page.items = &data->as_array();
  const std::string* asked = Query(in.step, "page[number]");
  int64_t number = 1;
  if (asked != nullptr) {
    try {
      number = std::stoll(*asked);
    } catch (const std::exception&) {
      throw BadAnswer{"answers a listing at page[number] \"" + *asked + "\""};
    }
  }
  const json::value* meta = page.body.if_contains("meta");
  const json::value* total =
      meta != nullptr && meta->is_object() ? meta->as_object().if_contains("total_pages") : nullptr;
  if (!page.items->empty() && total != nullptr && total->is_number() &&
      number < total->to_number<int64_t>()) {
    page.next = std::to_string(number + 1);
  }
  return page;
}

const Fields* DesiredPart(const DesiredTrunk* d, const char* part) {
  if (d == nullptr) return nullptr;
  return part[0] == '\0' ? &d->content.fields : &At(d->content.singletons, part);
}

void TakeConnection(const json::object& c, const DesiredTrunk* d, Observation& o) {
  if (std::string id = IdOf(c, "id"); IsTelnyxId(id)) o.remote_id = id;
  o.content.fields = values::Observed(c, kConnectionFields, "", DesiredPart(d, ""));
  for (const char* part : {kInbound, kOutbound}) {
    const json::value* nested = c.if_contains(part);
    Fields fields;
    if (nested != nullptr && nested->is_object()) {
      fields = values::Observed(nested->as_object(), kConnectionFields, part, DesiredPart(d, part));
    }
    if (fields.empty()) {
      o.content.singletons.erase(part);
    } else {
      o.content.singletons[part] = std::move(fields);
    }
  }
  o.read_only.clear();
  for (const char* key : kConnectionReadOnly) {
    if (auto v = c.if_contains(key); v != nullptr && v->is_string() && !v->as_string().empty()) {
      o.read_only[key] = std::string(v->as_string());
    }
  }
}

// An FQDN's fields as the registry compares them with `want` (null: every value, as for an
// import or an FQDN no registry item maps to).
Fields FqdnFields(const json::object& f, const Fields* want) {
  return values::Observed(f, kFqdnFields, kFqdns, want);
}

// Whether remote FQDN fields `have` are what creating registry item `want` would have made.
bool Adoptable(const Fields& want, const Fields& have) {
  for (const FieldMap& f : kFqdnFields) {
    const std::optional<std::string> w = values::Held(want, f.name);
    const std::optional<std::string> h = values::Held(have, f.name);
    if (w ? h != w : h && f.unset != nullptr && h != values::UnsetText(f)) return false;
  }
  return true;
}

void Tidy(Observation& o) {
  std::erase_if(o.content.items, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(o.content.singletons, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(o.item_ids, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(o.content.attachments, [](const auto& kv) { return kv.second.empty(); });
}

AbsorbResult Done(Observation o) {
  Tidy(o);
  return AbsorbResult{std::move(o), std::nullopt};
}

AbsorbResult Failed(const AbsorbInput& in) {
  return AbsorbResult{std::nullopt, ClassifyError(in.step, in.response)};
}

bool IsSuccess(int status) { return status / 100 == 2; }

// Forgets a connection Telnyx no longer has: read, it does not exist.
void Forget(Observation& o) { plugin_sdk::ForgetRemoteTrunk(o, {"read:", "next:"}); }

// Marks the connection to be read again, whole.
void Reread(Observation& o) {
  o.read = o.exists = false;
  std::erase_if(o.progress, [](const auto& kv) {
    return kv.first.starts_with("read:") || kv.first.starts_with("next:");
  });
}

void CheckRead(Observation& o) {
  for (const char* part : kParts) {
    if (!o.progress.count(std::string("read:") + part)) return;
  }
  o.read = o.exists = true;
}

void AddSorted(std::vector<std::string>& ids, const std::string& id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
}

// A page of the connection's FQDNs: each keyed by the registry item item_ids maps it to, by
// its own id (import), or "remote:<id>" until the listing is complete.
void TakeFqdns(const json::array& fqdns, const std::string& connection, const DesiredTrunk* d,
               Observation& o) {
  auto& items = o.content.items[kFqdns];
  auto& ids = o.item_ids[kFqdns];
  const auto* want = d ? &At(d->content.items, kFqdns) : nullptr;
  for (const json::value& v : fqdns) {
    if (!v.is_object() || IdOf(v.as_object(), "connection_id") != connection) continue;
    const std::string id = IdOf(v.as_object(), "id");
    if (!IsTelnyxId(id)) continue;
    std::string key = d ? "remote:" + id : id;
    if (d == nullptr) ids[id] = id;
    for (const auto& [item, mapped] : ids) {
      if (mapped == id) key = item;
    }
    const Fields* wanted = nullptr;
    if (want != nullptr && want->count(key)) wanted = &want->at(key);
    items[key] = FqdnFields(v.as_object(), wanted);
  }
}

// Once every page is in: mappings to FQDNs Telnyx no longer lists are dropped, and each remote
// FQDN no registry item maps to is adopted by the first registry item (in id order) that has
// none and whose create would have made it (an FQDN create whose answer was lost).
void FinishFqdns(const DesiredTrunk* d, Observation& o) {
  auto& items = o.content.items[kFqdns];
  auto& ids = o.item_ids[kFqdns];
  std::erase_if(ids, [&](const auto& kv) { return !items.count(kv.first); });
  if (d == nullptr) return;
  const auto& want = At(d->content.items, kFqdns);
  std::vector<std::string> remote;
  for (const auto& [key, fields] : items) {
    if (key.starts_with("remote:")) remote.push_back(key);
  }
  for (const std::string& key : remote) {
    for (const auto& [item, fields] : want) {
      if (items.count(item) || !Adoptable(fields, items.at(key))) continue;
      Fields adopted;
      for (const auto& [name, value] : items.at(key)) {
        if (values::Held(fields, name.c_str())) adopted[name] = value;
      }
      items[item] = std::move(adopted);
      ids[item] = key.substr(7);
      items.erase(key);
      break;
    }
  }
}

// The E.164 digits of a number resource ("+15550010001" -> "15550010001").
std::string DigitsOf(const json::object& number) {
  std::string e164 = IdOf(number, "phone_number");
  return e164.starts_with('+') ? e164.substr(1) : e164;
}

void TakeNumbers(const json::array& numbers, const std::string& connection, Observation& o) {
  auto& attached = o.content.attachments[kPhoneNumbers];
  auto& ids = o.item_ids[kPhoneNumbers];
  for (const json::value& v : numbers) {
    if (!v.is_object() || IdOf(v.as_object(), "connection_id") != connection) continue;
    const std::string id = IdOf(v.as_object(), "id");
    const std::string digits = DigitsOf(v.as_object());
    if (!IsTelnyxId(id) || !IsNumber(digits)) continue;
    AddSorted(attached, digits);
    ids[digits] = id;
  }
}

// Number ids are kept for the numbers attached here and those the registry wants.
void FinishNumbers(const DesiredTrunk* d, Observation& o) {
  const auto& attached = At(o.content.attachments, kPhoneNumbers);
  const auto& want = d ? At(d->content.attachments, kPhoneNumbers) : attached;
  std::erase_if(o.item_ids[kPhoneNumbers], [&](const auto& kv) {
    return std::find(attached.begin(), attached.end(), kv.first) == attached.end() &&
           std::find(want.begin(), want.end(), kv.first) == want.end();
  });
}

// A page of one listed part (`part`) of `connection` into `o`; the first page replaces what
// `o` held of it. Returns the page[number] of the next page, if any.
std::optional<std::string> TakeListPage(const AbsorbInput& in, const std::string& part,
                                        const std::string& connection, const DesiredTrunk* d,
                                        bool first, Observation& o) {
  const Page page = PageOf(in);
  if (part == kFqdns) {
    if (first) o.content.items.erase(kFqdns);
    TakeFqdns(*page.items, connection, d, o);
    if (!page.next) FinishFqdns(d, o);
  } else {
    if (first) o.content.attachments.erase(kPhoneNumbers);
    TakeNumbers(*page.items, connection, o);
    if (!page.next) FinishNumbers(d, o);
  }
  return page.next;
}

AbsorbResult AbsorbRead(const AbsorbInput& in, const std::string& part, Observation o) {
  const DesiredTrunk* d = in.desired ? &*in.desired : nullptr;
  if (part == "trunk" && in.response.status == 404) {
    Forget(o);
    return Done(std::move(o));
  }
  if (in.response.status != 200) return Failed(in);
  if (part == "trunk") {
    TakeConnection(DataOf(in.response.body), d, o);
  } else {
    const std::string cursor = "next:" + part;
    const bool first = !o.progress.count(cursor);
    if (auto next = TakeListPage(in, part, o.remote_id, d, first, o)) {
      o.progress[cursor] = *next;
      return Done(std::move(o));
    }
    o.progress.erase(cursor);
  }
  o.progress["read:" + part] = "1";
  CheckRead(o);
  return Done(std::move(o));
}

// A connection just made: nothing hangs under it yet, so every part reads as read.
AbsorbResult AbsorbCreate(const AbsorbInput& in, Observation o) {
  if (!IsSuccess(in.response.status)) return Failed(in);
  const json::object c = DataOf(in.response.body);
  if (!IsTelnyxId(IdOf(c, "id"))) throw BadAnswer{"names no connection id"};
  Observation made;  // create_pending cleared: the create's answer came
  made.progress = std::move(o.progress);
  std::erase_if(made.progress, [](const auto& kv) {
    return kv.first.starts_with("read:") || kv.first.starts_with("next:");
  });
  TakeConnection(c, in.desired ? &*in.desired : nullptr, made);
  for (const char* part : kParts) made.progress[std::string("read:") + part] = "1";
  made.read = made.exists = true;
  return Done(std::move(made));
}

AbsorbResult AbsorbConnectionWrite(const AbsorbInput& in, Observation o) {
  const int status = in.response.status;
  if (status == 404 || (in.step.kind == StepKind::kDelete && IsSuccess(status))) {
    Forget(o);  // deleted, or gone already
    return Done(std::move(o));
  }
  if (!IsSuccess(status)) return Failed(in);
  TakeConnection(DataOf(in.response.body), in.desired ? &*in.desired : nullptr, o);
  return Done(std::move(o));
}

// Whether Telnyx refused a write because the connection it names does not exist (any more).
bool ConnectionGone(const AbsorbInput& in) {
  if (in.response.status != 404 && in.response.status != 422) return false;
  if (in.step.kind != StepKind::kCreate) return false;
  return in.response.status == 404 || ParseError(in.response.body).pointer == "/connection_id";
}

AbsorbResult AbsorbFqdn(const AbsorbInput& in, const std::string& item, Observation o) {
  const int status = in.response.status;
  auto& items = o.content.items[kFqdns];
  auto& ids = o.item_ids[kFqdns];
  const bool gone = status == 404 && in.step.kind != StepKind::kCreate;
  if (in.step.kind == StepKind::kDelete || gone) {
    if (!IsSuccess(status) && !gone) return Failed(in);
    items.erase(item);
    ids.erase(item);
    return Done(std::move(o));
  }
  if (ConnectionGone(in)) {
    Reread(o);  // the connection went meanwhile: read it, and make it again when gone
    return Done(std::move(o));
  }
  if (!IsSuccess(status)) return Failed(in);
  const json::object f = DataOf(in.response.body);
  const std::string id = IdOf(f, "id");
  if (!IsTelnyxId(id)) throw BadAnswer{"names no FQDN id"};
  ids[item] = id;
  const auto& want = in.desired ? At(in.desired->content.items, kFqdns)
                                : std::map<std::string, Fields>{};
  items[item] = FqdnFields(f, want.count(item) ? &want.at(item) : nullptr);
  return Done(std::move(o));
}

SyncError NotAccountNumber(const AbsorbInput& in, const std::string& digits) {
  SyncError e;
  e.code = 9;  // failed precondition: the registry names a number the account does not have
  e.field = kPhoneNumbers;
  e.message = std::string(kPhoneNumbers) + ": " + digits +
              " is not a number of the Telnyx account (GET " + in.step.request.path +
              "?filter[phone_number]=" + digits + " found none)";
  return e;
}

// The lookup of a number's id by its digits (a substring filter: compared exactly here).
AbsorbResult AbsorbNumberLookup(const AbsorbInput& in, const std::string& digits, Observation o) {
  if (in.response.status != 200) return Failed(in);
  const Page page = PageOf(in);
  const std::string cursor = "next:" + in.step.target;
  for (const json::value& v : *page.items) {
    if (!v.is_object() || DigitsOf(v.as_object()) != digits) continue;
    const std::string id = IdOf(v.as_object(), "id");
    if (!IsTelnyxId(id)) throw BadAnswer{"names no id for number " + digits};
    o.item_ids[kPhoneNumbers][digits] = id;
    if (IdOf(v.as_object(), "connection_id") == o.remote_id) {
      AddSorted(o.content.attachments[kPhoneNumbers], digits);
    }
    o.progress.erase(cursor);
    return Done(std::move(o));
  }
  if (!page.next) return AbsorbResult{std::nullopt, NotAccountNumber(in, digits)};
  o.progress[cursor] = *page.next;
  return Done(std::move(o));
}

AbsorbResult AbsorbNumber(const AbsorbInput& in, const std::string& digits, Observation o) {
  if (in.step.kind == StepKind::kRead) return AbsorbNumberLookup(in, digits, std::move(o));
  const int status = in.response.status;
  auto& attached = o.content.attachments[kPhoneNumbers];
  auto& ids = o.item_ids[kPhoneNumbers];
  if (in.step.kind == StepKind::kDelete) {
    if (!IsSuccess(status) && status != 404) return Failed(in);
    std::erase(attached, digits);
    ids.erase(digits);
    return Done(std::move(o));
  }
  if (status == 404) {  // the id remembered is stale: look the number up again
    ids.erase(digits);
    return Done(std::move(o));
  }
  if (ConnectionGone(in)) {
    Reread(o);
    return Done(std::move(o));
  }
  if (!IsSuccess(status)) return Failed(in);
  if (IdOf(DataOf(in.response.body), "connection_id") != o.remote_id) {
    throw BadAnswer{"does not route number " + digits + " to connection " + o.remote_id};
  }
  AddSorted(attached, digits);
  return Done(std::move(o));
}

// Whether a step is about the connection this observation holds (a step planned before the
// connection was forgotten or replaced is not).
bool Current(const AbsorbInput& in, const Observation& o) {
  if (o.remote_id.empty()) return false;
  if (in.step.target == "trunk") {
    return in.step.request.path == std::string(kConnectionsPath) + "/" + o.remote_id;
  }
  const std::string* filter = Query(in.step, "filter[connection_id]");
  return filter == nullptr || *filter == o.remote_id;
}

// The lookup rule (README.md): the exact connection_name, and every field (and inbound and
// outbound field) the desired trunk sets equal to the remote connection's.
bool Matches(const DesiredTrunk& d, const json::object& c) {
  Observation have;
  TakeConnection(c, nullptr, have);
  for (const char* part : {"", kInbound, kOutbound}) {
    const Fields& want = *DesiredPart(&d, part);
    const Fields& got = part[0] == '\0' ? have.content.fields : At(have.content.singletons, part);
    for (const auto& [name, value] : want) {
      const std::optional<std::string> w = values::Held(want, name.c_str());
      if (w && values::Held(got, name.c_str()) != w) return false;
    }
  }
  return true;
}

// A page of the connection listing, for a lookup (the matching candidates) or an import scan.
AbsorbResult AbsorbListing(const AbsorbInput& in, Observation o) {
  if (in.response.status != 200) return Failed(in);
  const Page page = PageOf(in);
  for (const json::value& v : *page.items) {
    if (!v.is_object()) continue;
    const json::object& c = v.as_object();
    const std::string id = IdOf(c, "id");
    if (!IsTelnyxId(id)) continue;
    if (in.desired) {
      if (Matches(*in.desired, c) &&
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
    TakeConnection(c, nullptr, found);
    found.read = found.exists = true;
    o.found.push_back(std::move(found));
  }
  NoteListingPage(o, in.desired.has_value(), page.next);
  return Done(std::move(o));
}

// One part of an imported connection (an ImportTarget).
AbsorbResult AbsorbImportPart(const AbsorbInput& in, const std::string& id,
                              const std::string& part, Observation o) {
  auto found = std::find_if(o.found.begin(), o.found.end(),
                            [&](const Observation& f) { return f.remote_id == id; });
  if (found == o.found.end()) return Done(std::move(o));
  if (in.response.status != 200) return Failed(in);
  const std::string key = ImportNote(id, part);
  auto it = o.progress.find(key);
  auto next = TakeListPage(in, part, id, nullptr, it == o.progress.end(), *found);
  Tidy(*found);
  o.progress[key] = next ? *next : "1";
  o.scan_done = ImportPartsRead(o, {kFqdns, kPhoneNumbers});
  return Done(std::move(o));
}

AbsorbResult AbsorbStep(const AbsorbInput& in, Observation o) {
  const std::string& target = in.step.target;
  if (auto import = ParseImportTarget(target)) {
    return AbsorbImportPart(in, import->first, import->second, std::move(o));
  }
  if (target == "trunks") return AbsorbListing(in, std::move(o));
  if (target == "trunk" && in.step.kind == StepKind::kCreate) return AbsorbCreate(in, std::move(o));
  if (!Current(in, o)) return Done(std::move(o));  // stale: about another connection
  const size_t slash = target.find('/');
  const std::string part = target.substr(0, slash);
  const std::string item = slash == std::string::npos ? "" : target.substr(slash + 1);
  if (in.step.kind == StepKind::kRead && item.empty()) return AbsorbRead(in, part, std::move(o));
  if (part == "trunk") return AbsorbConnectionWrite(in, std::move(o));
  if (part == kFqdns) return AbsorbFqdn(in, item, std::move(o));
  if (part == kPhoneNumbers) return AbsorbNumber(in, item, std::move(o));
  return Done(std::move(o));
}

}  // namespace

AbsorbResult Absorb(const AbsorbInput& in) {
  try {
    return AbsorbStep(in, in.observation);
  } catch (const BadAnswer& bad) {
    SyncError e;
    e.code = 14;  // unavailable: something between answered for Telnyx, or it misspoke
    e.retryable = true;
    e.message = "Telnyx's answer (" + std::to_string(in.response.status) + ") to " +
                in.step.request.method + " " + in.step.request.path + " " + bad.what;
    return AbsorbResult{std::nullopt, std::move(e)};
  }
}

}  // namespace trunkline::telnyx
