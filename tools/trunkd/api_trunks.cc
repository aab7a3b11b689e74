// Trunk routes: commands (create, update, delete, sub-resources) and reads (get, list,
// history, diff).
#include "api_call.h"
#include "trunkline/api/json.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"
#include "trunkline/sync/sync_ledger.h"

namespace trunkline::trunkd {
namespace {

using Call = Api::Call;

// {"name": "text" | 42 | true | null, ...} as changes: null unsets.
std::optional<domain::FieldChanges> Changes(Call& call, const boost::json::object& body,
                                            bool required) {
  domain::FieldChanges changes;
  const boost::json::value* fields = body.if_contains("fields");
  if (fields == nullptr) {
    if (required) call.BadRequest("fields", "is required: an object of field values");
    return required ? std::nullopt : std::optional(changes);
  }
  if (!fields->is_object()) {
    call.BadRequest("fields", "must be an object of field values");
    return std::nullopt;
  }
  for (const auto& [key, value] : fields->as_object()) {
    const std::string name(key);
    if (value.is_null()) {
      changes.unset.push_back(name);
    } else if (value.is_string()) {
      changes.set[name] = std::string(value.as_string());
    } else if (value.is_bool()) {
      changes.set[name] = value.as_bool() ? "true" : "false";
    } else if (value.is_int64()) {
      changes.set[name] = std::to_string(value.as_int64());
    } else if (value.is_uint64()) {
      changes.set[name] = std::to_string(value.as_uint64());
    } else {
      call.BadRequest("fields." + name, "must be a string, a whole number, true, false or null");
      return std::nullopt;
    }
  }
  return changes;
}

// A text member of the body, if given; nullopt after answering 400 when it is not text.
bool TextMember(Call& call, const boost::json::object& body, const char* name, std::string& out) {
  const boost::json::value* v = body.if_contains(name);
  if (v == nullptr) return true;
  if (!v->is_string()) {
    call.BadRequest(name, "must be a string");
    return false;
  }
  out = v->as_string();
  return true;
}

// ?as_of=TIME or ?at=POSITION; nullopt after answering 400.
std::optional<registry::AsOf> PointOf(Call& call) {
  registry::AsOf as_of;
  if (const std::string* at = call.Param("at")) {
    Result<uint64_t> position = api::ParseCount(*at);
    if (!position.ok()) {
      call.BadRequest("at", position.status().message());
      return std::nullopt;
    }
    as_of.position = *position;
  }
  if (const std::string* time = call.Param("as_of")) {
    Result<int64_t> t = api::ParseTime(*time);
    if (!t.ok()) {
      call.BadRequest("as_of", t.status().message());
      return std::nullopt;
    }
    as_of.time_us = *t;
  }
  return as_of;
}

}  // namespace

// Who, why, which command id, which version: from the token, the body and the headers.
static std::optional<registry::CommandMeta> MetaOf(Call& call, const boost::json::object& body) {
  registry::CommandMeta meta;
  meta.actor = call.caller.name;
  if (auto reason = call.Header("X-Reason")) meta.reason = *reason;
  if (!TextMember(call, body, "reason", meta.reason)) return std::nullopt;
  if (auto key = call.Header("Idempotency-Key")) {
    if (key->empty() || key->size() > 200) {
      call.BadRequest("Idempotency-Key", "must be 1 to 200 characters");
      return std::nullopt;
    }
    meta.command_id = "idem-" + call.caller.name + "-" + *key;
  } else {
    meta.command_id = "api-" + RandomToken().substr(0, 32);
  }
  if (auto match = call.Header("If-Match")) {
    std::string v = *match;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    Result<uint64_t> version = api::ParseCount(v);
    if (!version.ok()) {
      call.BadRequest("If-Match", "must be the trunk's version, e.g. \"3\"");
      return std::nullopt;
    }
    meta.expected_version = *version;
  }
  return meta;
}

void Api::Execute(const std::shared_ptr<Call>& call, const boost::json::object& body,
                  const std::string& id, const domain::Command& command, int status) {
  std::optional<registry::CommandMeta> meta = MetaOf(*call, body);
  if (!meta) return;
  Metrics* metrics = parts_.metrics;
  parts_.registry->ExecuteAsync(
      id, command, *meta, [call, status, metrics](Result<registry::CommandOutcome> outcome) {
        if (!outcome.ok()) {
          metrics->Command(std::string(StatusCodeName(outcome.status().code())), -1);
          return call->Fail(outcome.status());
        }
        metrics->Command(!outcome->changed           ? "unchanged"
                         : outcome->receipt.replayed ? "replayed"
                                                     : "ok",
                         outcome->changed ? call->Seconds() : -1);
        boost::json::object out = api::TrunkJson(outcome->state);
        out["changed"] = outcome->changed;
        out["replayed"] = outcome->receipt.replayed;
        out["position"] = outcome->receipt.last_position;
        call->Json(status, out);
      });
}

void Api::CreateTrunk(const std::shared_ptr<Call>& call) {
  std::optional<boost::json::object> body = call->Body();
  if (!body) return;
  if (!call->OnlyMembers(*body, {"provider", "account", "id", "fields", "reason"})) return;
  domain::CreateTrunk create;
  std::string id;
  create.account = "default";
  if (!TextMember(*call, *body, "provider", create.provider) ||
      !TextMember(*call, *body, "account", create.account) || !TextMember(*call, *body, "id", id)) {
    return;
  }
  if (create.provider.empty()) return call->BadRequest("provider", "is required");
  std::optional<domain::FieldChanges> changes = Changes(*call, *body, false);
  if (!changes) return;
  create.fields = std::move(*changes);
  if (id.empty()) id = "tr-" + RandomToken().substr(0, 12);
  Execute(call, *body, id, create, 201);
}

void Api::ListTrunks(const std::shared_ptr<Call>& call) {
  std::optional<registry::AsOf> as_of = PointOf(*call);
  if (!as_of) return;
  const std::optional<uint64_t> limit = call->Count("limit", 100, 1, kMaxPage);
  if (!limit) return;
  const std::string* provider = call->Param("provider");
  const std::string* account = call->Param("account");
  const std::string* cursor = call->Param("cursor");
  Result<registry::Registry::TrunkPage> trunks = parts_.registry->ListPage(
      {provider ? *provider : "", account ? *account : "", cursor ? *cursor : "", *limit}, *as_of);
  if (!trunks.ok()) return call->Fail(trunks.status());
  boost::json::array page;
  for (const domain::TrunkState& t : trunks->trunks) page.push_back(api::TrunkJson(t));
  boost::json::object out{{"trunks", std::move(page)}};
  if (trunks->more) out["next_cursor"] = trunks->trunks.back().id;
  call->Json(200, out);
}

void Api::TrunkRoutes(const std::shared_ptr<Call>& call) {
  const auto& p = call->path;
  const std::string& method = call->request.method;
  const std::string& id = p[2];
  if (p.size() == 3) {
    if (method == "GET") {
      call->route = "GET /v1/trunks/{id}";
      std::optional<registry::AsOf> as_of = PointOf(*call);
      if (!as_of) return;
      Result<domain::TrunkState> trunk = parts_.registry->Get(id, *as_of);
      if (!trunk.ok()) return call->Fail(trunk.status());
      boost::json::object out = api::TrunkJson(*trunk);
      if (!as_of->position && !as_of->time_us) {
        Result<sync::TrunkSyncStatus> synced = SyncStatusOf(id);
        if (!synced.ok()) return call->Fail(synced.status());
        out["sync"] = api::SyncStatusJson(*synced);
      }
      return call->Json(200, out);
    }
    if (method == "PATCH") {
      call->route = "PATCH /v1/trunks/{id}";
      std::optional<boost::json::object> body = call->Body();
      if (!body || !call->OnlyMembers(*body, {"fields", "reason"})) return;
      std::optional<domain::FieldChanges> changes = Changes(*call, *body, true);
      if (!changes) return;
      return Execute(call, *body, id, domain::UpdateTrunk{std::move(*changes)}, 200);
    }
    if (method == "DELETE") {
      call->route = "DELETE /v1/trunks/{id}";
      std::optional<boost::json::object> body = call->Body();
      if (!body || !call->OnlyMembers(*body, {"reason"})) return;
      return Execute(call, *body, id, domain::DeleteTrunk{}, 200);
    }
  }
  if (p.size() == 4 && p[3] == "history" && method == "GET") {
    call->route = "GET /v1/trunks/{id}/history";
    Result<std::vector<registry::HistoryEntry>> history = parts_.registry->History(id);
    if (!history.ok()) return call->Fail(history.status());
    Result<sync::TrunkSync> synced = sync::ReadTrunkSync(parts_.registry->journal(), id);
    if (!synced.ok()) return call->Fail(synced.status());
    return call->Json(200, {{"history", api::TrunkHistoryJson(*history, *synced)}});
  }
  if (p.size() == 4 && p[3] == "diff" && method == "GET") {
    call->route = "GET /v1/trunks/{id}/diff";
    registry::AsOf points[2];
    const char* names[2] = {"from", "to"};
    for (int i = 0; i < 2; ++i) {
      const std::string* text = call->Param(names[i]);
      if (text == nullptr) return call->BadRequest(names[i], "is required: a position or a time");
      Result<registry::AsOf> point = api::ParsePoint(*text);
      if (!point.ok()) return call->BadRequest(names[i], point.status().message());
      points[i] = *point;
    }
    Result<std::vector<registry::FieldChange>> changes =
        parts_.registry->Diff(id, points[0], points[1]);
    if (!changes.ok()) return call->Fail(changes.status());
    boost::json::array out;
    for (const auto& c : *changes) out.push_back(api::ChangeJson(c));
    return call->Json(200, {{"changes", std::move(out)}});
  }
  if (p.size() >= 4 && p[3] == "sync") return SyncRoutes(call, id);
  if (p.size() == 4 || p.size() == 5) return SubResourceRoutes(call, id);
  call->route = method + " (no route)";
  call->Fail(NotFoundError("no route for " + method + " " + call->request.target));
}

// /v1/trunks/{id}/{sub} and /v1/trunks/{id}/{sub}/{item}: what a method does depends on the
// sub-resource's kind in the provider's schema.
void Api::SubResourceRoutes(const std::shared_ptr<Call>& call, const std::string& id) {
  const auto& p = call->path;
  const std::string& method = call->request.method;
  const std::string& sub = p[3];
  const bool item = p.size() == 5;
  call->route = method + (item ? " /v1/trunks/{id}/{sub}/{item}" : " /v1/trunks/{id}/{sub}");
  Result<std::string> provider = parts_.registry->ProviderOf(id);
  if (!provider.ok()) return call->Fail(provider.status());
  Result<const domain::Schema*> schema = parts_.registry->SchemaOf(*provider);
  if (!schema.ok()) return call->Fail(schema.status());
  const domain::SubResourceSpec* spec = nullptr;
  for (const auto& s : (*schema)->sub_resources) {
    if (s.name == sub) spec = &s;
  }
  if (spec == nullptr) {
    std::string known;
    for (const auto& s : (*schema)->sub_resources) known += (known.empty() ? "" : ", ") + s.name;
    return call->Fail(NotFoundError("sub_resource: " + *provider + " trunks have no \"" + sub +
                                    "\"; they have " + known));
  }
  std::optional<boost::json::object> body = call->Body();
  if (!body) return;
  using Kind = domain::SubResourceKind;
  const auto wrong_method = [&] {
    call->Answer(
        http::Response{405,
                       {{"Content-Type", "application/json"}},
                       api::SerializeJson(ErrorJson(InvalidArgumentError(
                           "method: " + method + " does not apply to " + sub + " (a " +
                           api::SubResourceKindName(spec->kind) + "); see the API description"))) +
                           "\n"});
  };
  if (!item && method == "POST" && spec->kind != Kind::kSingleton) {
    const bool attach = spec->kind == Kind::kAttachments;
    if (attach ? !call->OnlyMembers(*body, {"id", "reason"})
               : !call->OnlyMembers(*body, {"id", "fields", "reason"})) {
      return;
    }
    std::string new_id;
    if (!TextMember(*call, *body, "id", new_id)) return;
    if (new_id.empty()) return call->BadRequest("id", "is required");
    if (attach) return Execute(call, *body, id, domain::Attach{sub, new_id}, 200);
    std::optional<domain::FieldChanges> changes = Changes(*call, *body, false);
    if (!changes) return;
    return Execute(call, *body, id, domain::AddItem{sub, new_id, std::move(*changes)}, 200);
  }
  const bool set_singleton = !item && method == "PATCH" && spec->kind == Kind::kSingleton;
  const bool update_item = item && method == "PATCH" && spec->kind == Kind::kCollection;
  if (set_singleton || update_item) {
    if (!call->OnlyMembers(*body, {"fields", "reason"})) return;
    std::optional<domain::FieldChanges> changes = Changes(*call, *body, true);
    if (!changes) return;
    if (set_singleton) {
      return Execute(call, *body, id, domain::UpdateSingleton{sub, std::move(*changes)}, 200);
    }
    return Execute(call, *body, id, domain::UpdateItem{sub, p[4], std::move(*changes)}, 200);
  }
  if (item && method == "DELETE" && spec->kind != Kind::kSingleton) {
    if (!call->OnlyMembers(*body, {"reason"})) return;
    if (spec->kind == Kind::kCollection) {
      return Execute(call, *body, id, domain::RemoveItem{sub, p[4]}, 200);
    }
    return Execute(call, *body, id, domain::Detach{sub, p[4]}, 200);
  }
  wrong_method();
}

}  // namespace trunkline::trunkd
