// A tiny in-memory Plivo for the convergence tests: Zentrunk trunks (create 201 with the id
// only, fetch, partial POST update, DELETE 204, listing in pages of limit/offset with
// meta.next) and the Number API's routing (POST app_id, GET application), as Plivo's API
// reference describes them, with the live behaviours behind `quirks`.
#include "plivo_test_util.h"

namespace trunkline::plivo::testing {
namespace json = boost::json;

namespace {

// Plivo's settable trunk fields, kept apart from the adapter's table.
const std::set<std::string> kTrunkKeys = {
    "name",       "trunk_direction", "trunk_status",     "secure",
    "ipacl_uuid", "credential_uuid", "primary_uri_uuid", "fallback_uri_uuid"};
const std::vector<std::string> kOutboundRefs = {"ipacl_uuid", "credential_uuid"};
const std::vector<std::string> kInboundRefs = {"primary_uri_uuid", "fallback_uri_uuid"};

std::string ApiId() { return "a04ad809-3b78-4bbe-9baf-acfc7800b10f"; }

HttpResponse Error(int status, const std::string& error) {
  return Answer(status, ErrorBody(error));
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  std::string s;
  while (std::getline(in, s, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

std::string Ref(const json::object& t, const std::string& key) {
  const json::value* v = t.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

// The direction rules Plivo holds a trunk to (a trunk of one direction carries none of the
// other's references).
std::optional<HttpResponse> CheckDirection(const json::object& t) {
  const std::string direction = Ref(t, "trunk_direction");
  if (direction != "inbound" && direction != "outbound") {
    return Error(400, "trunk_direction must be inbound or outbound");
  }
  const bool outbound = direction == "outbound";
  for (const std::string& key : outbound ? kInboundRefs : kOutboundRefs) {
    if (!Ref(t, key).empty()) return Error(400, key + " is not for " + direction + " trunks");
  }
  if (outbound && Ref(t, "ipacl_uuid").empty() && Ref(t, "credential_uuid").empty()) {
    return Error(422, "an outbound trunk needs ipacl_uuid or credential_uuid");
  }
  if (!outbound && Ref(t, "primary_uri_uuid").empty()) {
    return Error(422, "an inbound trunk needs primary_uri_uuid");
  }
  return std::nullopt;
}

}  // namespace

json::object FakePlivo::TrunkJson(const Trunk& t) const {
  json::object out{{"trunk_id", t.id}, {"trunk_domain", t.id + ".zt.plivo.com"}};
  for (const char* key : {"name", "trunk_status", "trunk_direction", "secure"}) {
    out[key] = t.fields.at(key);
  }
  for (const auto& refs : {kOutboundRefs, kInboundRefs}) {
    for (const std::string& key : refs) {
      const std::string uuid = Ref(t.fields, key);
      out[key] = uuid.empty() ? json::value(nullptr) : json::value(uuid);
    }
  }
  return out;
}

const FakePlivo::Trunk* FakePlivo::Find(const std::string& id) const {
  for (const Trunk& t : trunks) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

FakePlivo::Trunk* FakePlivo::Find(const std::string& id) {
  return const_cast<Trunk*>(static_cast<const FakePlivo*>(this)->Find(id));
}

void FakePlivo::Remove(const std::string& id) {
  std::erase_if(trunks, [&](const Trunk& t) { return t.id == id; });
  for (auto& [digits, trunk] : numbers) {
    if (trunk == id) trunk.clear();
  }
}

std::string FakePlivo::Make(json::object fields) {
  Trunk t{std::to_string(next_id_++),
          {{"name", ""}, {"trunk_status", "enabled"}, {"secure", false}}};
  for (auto& [k, v] : fields) t.fields[k] = v;
  trunks.push_back(t);
  return t.id;
}

HttpResponse FakePlivo::Handle(const HttpRequest& r) {
  requests.push_back(r);
  for (const auto& [name, value] : r.headers) {
    if (name == "Authorization") throw std::logic_error("a request carries credentials");
  }
  if (r.method == "POST") {
    const bool json_type = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
      return h.first == "Content-Type" && h.second == "application/json";
    });
    if (!json_type) return Error(415, "the body must be application/json");
  }
  const std::vector<std::string> parts = Segments(r.path);
  if (r.path.empty() || r.path.back() != '/' || parts.size() < 4 || parts[0] != "v1" ||
      parts[1] != "Account") {
    return Error(404, "no such resource: " + r.path);
  }
  if (parts[2] != kAuthId) return Error(401, "authentication failed");
  if (parts[3] == "Number" && parts.size() == 5) return Number(r, parts[4]);
  if (parts[3] == "Zentrunk" && parts.size() >= 5 && parts.size() <= 6 && parts[4] == "Trunk") {
    return Trunks(r, parts.size() == 6 ? parts[5] : "");
  }
  return Error(404, "no such resource: " + r.path);
}

HttpResponse FakePlivo::Trunks(const HttpRequest& r, const std::string& id) {
  if (id.empty() && r.method == "GET") return List(r);
  if (id.empty() && r.method == "POST") return Write(r, nullptr);
  Trunk* trunk = Find(id);
  if (trunk == nullptr) return Error(404, "trunk " + id + " not found");
  if (r.method == "GET") {
    if (quirks_)
      return Answer(
          200, json::serialize(json::object{{"api_id", ApiId()}, {"object", TrunkJson(*trunk)}}));
    json::object bare{{"api_id", ApiId()}};
    for (auto& [k, v] : TrunkJson(*trunk)) bare[k] = v;
    return Answer(200, json::serialize(bare));
  }
  if (r.method == "DELETE") {
    Remove(id);
    return HttpResponse{204, {}, ""};
  }
  if (r.method == "POST") return Write(r, trunk);
  return Error(405, "method not allowed");
}

// A create (trunk null) or an update.
HttpResponse FakePlivo::Write(const HttpRequest& r, Trunk* trunk) {
  boost::system::error_code ec;
  json::value parsed = json::parse(r.body, ec);
  if (ec || !parsed.is_object()) return Error(400, "the request body must be a JSON object");
  const json::object& body = parsed.as_object();
  for (const auto& [key, value] : body) {
    if (!kTrunkKeys.count(std::string(key)))
      return Error(400, "unknown parameter " + std::string(key));
    if (key == "secure" ? !value.is_bool() : !(value.is_string() || value.is_null())) {
      return Error(400, std::string(key) + " has the wrong type");
    }
  }
  if (!body.contains("trunk_direction") && (trunk == nullptr || quirks_)) {
    return Error(400, "trunk_direction is required");
  }
  json::object next =
      trunk ? trunk->fields
            : json::object{{"name", ""}, {"trunk_status", "enabled"}, {"secure", false}};
  if (trunk != nullptr && body.contains("trunk_direction") &&
      body.at("trunk_direction") != next["trunk_direction"]) {
    // Switching direction drops what only the old direction holds.
    for (const std::string& key :
         Ref(next, "trunk_direction") == "outbound" ? kOutboundRefs : kInboundRefs) {
      next.erase(key);
    }
  }
  for (const auto& [key, value] : body) {
    if (value.is_null() || (value.is_string() && value.as_string().empty() && key != "name")) {
      next.erase(key);
    } else {
      next[key] = value;
    }
  }
  if (auto refused = CheckDirection(next)) return *refused;
  for (const auto& refs : {kOutboundRefs, kInboundRefs}) {
    for (const std::string& key : refs) {
      const std::string uuid = Ref(body, key);
      if (!uuid.empty() && !resources.count(uuid))
        return Error(404, key + " " + uuid + " does not exist");
    }
  }
  if (trunk != nullptr) {
    trunk->fields = std::move(next);
    return Answer(202, json::serialize(json::object{{"api_id", ApiId()},
                                                    {"message", "Trunk updated successfully."},
                                                    {"trunk_id", trunk->id}}));
  }
  const std::string id = Make(std::move(next));
  if (lose_create_answers > 0) {
    --lose_create_answers;
    return Error(504, "gateway timeout");
  }
  json::object answer{
      {"api_id", ApiId()}, {"message", "Trunk created successfully."}, {"trunk_id", id}};
  if (!quirks_) answer["trunk_domain"] = id + ".zt.plivo.com";
  return Answer(201, json::serialize(answer));
}

HttpResponse FakePlivo::List(const HttpRequest& r) {
  size_t limit = 20, offset = 0;
  for (const auto& [name, value] : r.query) {
    if (name == "limit") limit = std::stoul(value);
    if (name == "offset") offset = std::stoul(value);
  }
  if (limit < 1 || limit > 20) return Error(400, "limit must be an integer from 1 to 20");
  const size_t shown = std::min(limit, page_size_);
  json::array objects;
  for (size_t i = offset; i < trunks.size() && i < offset + shown; ++i) {
    objects.emplace_back(TrunkJson(trunks[i]));
  }
  const auto link = [&](size_t at) {
    return json::value("v1/Account/" + std::string(kAuthId) + "/Zentrunk/Trunk/?limit=" +
                       std::to_string(shown) + "&offset=" + std::to_string(at));
  };
  json::object meta{
      {"limit", shown},
      {"offset", offset},
      {"total_count", trunks.size()},
      {"previous", offset == 0 ? json::value(nullptr) : link(offset > shown ? offset - shown : 0)},
      {"next", offset + shown < trunks.size() ? link(offset + shown) : json::value(nullptr)}};
  return Answer(200, json::serialize(
                         json::object{{"api_id", ApiId()}, {"meta", meta}, {"objects", objects}}));
}

HttpResponse FakePlivo::Number(const HttpRequest& r, const std::string& digits) {
  auto number = numbers.find(digits);
  if (number == numbers.end()) return Error(404, "number " + digits + " not found");
  if (r.method == "GET") {
    const std::string& trunk = number->second;
    const std::string base = "/v1/Account/" + std::string(kAuthId) + "/";
    return Answer(
        200,
        json::serialize(json::object{
            {"api_id", ApiId()},
            {"number", digits},
            {"alias", nullptr},
            {"application", trunk.empty() ? json::value(nullptr)
                                          : json::value(base + "Zentrunk/Trunk/" + trunk + "/")},
            {"voice_enabled", true},
            {"resource_uri", base + "Number/" + digits + "/"}}));
  }
  if (r.method != "POST") return Error(405, "method not allowed");
  boost::system::error_code ec;
  json::value parsed = json::parse(r.body, ec);
  if (ec || !parsed.is_object()) return Error(400, "the request body must be a JSON object");
  const json::value* app = parsed.as_object().if_contains("app_id");
  // Omitting app_id gives the number to the account's default application: no trunk.
  const std::string app_id =
      app != nullptr && app->is_string() ? std::string(app->as_string()) : "";
  if (!app_id.empty() && Find(app_id) == nullptr) {
    return Error(404, "app_id " + app_id + " is not a trunk of this account");
  }
  number->second = app_id;
  return Answer(202, json::serialize(json::object{{"message", "changed"}, {"api_id", ApiId()}}));
}

}  // namespace trunkline::plivo::testing
