// A small in-memory Telnyx for the convergence tests: /v2/fqdn_connections (create 201, get,
// PATCH merging nested objects, DELETE 200 refused while in use, paged listing with the name
// filter), /v2/fqdns and /v2/phone_numbers (filters by connection and by number), answering
// in Telnyx's envelopes with the live behaviours.
#include <gtest/gtest.h>

#include "telnyx_test_util.h"

namespace trunkline::telnyx::testing {
namespace json = boost::json;

namespace {

HttpResponse Error(int status, const std::string& code, const std::string& detail,
                   const std::string& pointer = "") {
  json::object e{{"code", code}, {"title", "Error"}, {"detail", detail}};
  if (!pointer.empty()) e["source"] = json::object{{"pointer", pointer}};
  return Answer(status, json::serialize(json::object{{"errors", json::array{e}}}));
}

HttpResponse Data(int status, const json::value& data) {
  return Answer(status, json::serialize(json::object{{"data", data}}));
}

const std::string* Param(const HttpRequest& r, const std::string& name) {
  for (const auto& [key, value] : r.query) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string Text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// A new connection: Telnyx's defaults, the auth method still unset (null), as live.
json::object Defaults() {
  return json::parse(R"({"record_type":"fqdn_connection","active":true,
    "transport_protocol":"UDP","anchorsite_override":"Latency","dtmf_type":"RFC 2833",
    "encrypted_media":null,"default_on_hold_comfort_noise_enabled":true,
    "encode_contact_header_enabled":false,"onnet_t38_passthrough_enabled":false,
    "webhook_event_url":null,"webhook_event_failover_url":"","webhook_api_version":"1",
    "webhook_timeout_secs":null,
    "inbound":{"ani_number_format":"E.164-national","dnis_number_format":"e164",
      "default_routing_method":"sequential","channel_limit":null,"sip_region":"US",
      "timeout_1xx_secs":3,"timeout_2xx_secs":90,"shaken_stir_enabled":false},
    "outbound":{"outbound_voice_profile_id":null,"fqdn_authentication_method":null,
      "tech_prefix":null,"channel_limit":null,"ani_override":null,"ani_override_type":"always",
      "localization":"US","t38_reinvite_source":"customer"},
    "created_at":"2026-03-02T10:15:27.521Z","updated_at":"2026-03-02T10:15:27.521Z"})")
      .as_object();
}

// Merges `body` into `c` key by key (nested objects too); refuses a null auth method and an
// outbound profile before outbound auth, as live does.
std::optional<HttpResponse> Merge(const json::object& body, json::object& c) {
  for (const auto& [key, value] : body) {
    if (value.is_object() && c.contains(key) && c.at(key).is_object()) {
      for (const auto& [k, v] : value.as_object()) {
        if (k == "fqdn_authentication_method" && v.is_null()) {
          return Error(422, "10015", "must not be null", "/outbound/" + std::string(k));
        }
        c.at(key).as_object()[k] = v;
      }
    } else {
      c[key] = value;
    }
  }
  const json::object& out = c.at("outbound").as_object();
  if (!out.at("outbound_voice_profile_id").is_null() &&
      out.at("fqdn_authentication_method").is_null()) {
    return Error(422, "10015",
                 "Outbound authentication must be fully configured before assigning an "
                 "outbound profile",
                 "/outbound/outbound_voice_profile_id");
  }
  return std::nullopt;
}

}  // namespace

std::string FakeTelnyx::NewId() { return std::to_string(++next_id_); }

std::string FakeTelnyx::MakeConnection(json::object fields) {
  json::object c = Defaults();
  EXPECT_FALSE(Merge(fields, c).has_value());
  c["id"] = NewId();
  connections.push_back(c);
  return std::string(c.at("id").as_string());
}

json::object* FakeTelnyx::Connection(const std::string& id) {
  for (json::object& c : connections) {
    if (c.at("id").as_string() == id) return &c;
  }
  return nullptr;
}

void FakeTelnyx::AddNumber(const std::string& e164) {
  numbers.push_back(json::object{{"id", NewId()},
                                 {"record_type", "phone_number"},
                                 {"phone_number", e164},
                                 {"connection_id", nullptr}});
}

HttpResponse FakeTelnyx::List(const HttpRequest& r, std::vector<json::object> items) {
  const std::string* number = Param(r, "page[number]");
  const std::string* size = Param(r, "page[size]");
  const size_t n = number ? std::stoul(*number) : 1;
  const size_t per = std::min<size_t>(size ? std::stoul(*size) : 250, page_size_cap);
  json::array data;
  for (size_t i = (n - 1) * per; i < items.size() && i < n * per; ++i) data.push_back(items[i]);
  const size_t total = items.size();
  json::object meta{{"page_number", n},
                    {"page_size", per},
                    {"total_pages", (total + per - 1) / per},
                    {"total_results", total}};
  return Answer(200, json::serialize(json::object{{"data", data}, {"meta", meta}}));
}

HttpResponse FakeTelnyx::Connections(const HttpRequest& r, const std::string* id) {
  if (id == nullptr && r.method == "GET") {
    std::vector<json::object> items;
    const std::string* name = Param(r, "filter[connection_name][contains]");
    for (const json::object& c : connections) {
      if (name == nullptr || Text(c, "connection_name").find(*name) != std::string::npos) {
        items.push_back(c);
      }
    }
    return List(r, std::move(items));
  }
  if (id == nullptr) {  // POST
    json::object c = Defaults();
    if (auto e = Merge(json::parse(r.body).as_object(), c)) return *e;
    if (!c.contains("connection_name")) {
      return Error(422, "10015", "connection_name is required", "/connection_name");
    }
    c["id"] = NewId();
    connections.push_back(c);
    if (lose_create_answers > 0) {
      --lose_create_answers;
      return Answer(504, "upstream timed out");
    }
    return Data(201, c);
  }
  json::object* c = Connection(*id);
  if (c == nullptr) return Error(404, "10005", "Resource not found");
  if (r.method == "GET") return Data(200, *c);
  if (r.method == "PATCH") {
    json::object next = *c;
    if (auto e = Merge(json::parse(r.body).as_object(), next)) return *e;
    *c = next;
    return Data(200, *c);
  }
  for (const json::object& f : fqdns) {
    if (Text(f, "connection_id") == *id) return Error(422, "10015", "connection in use");
  }
  for (const json::object& n : numbers) {
    if (Text(n, "connection_id") == *id) return Error(422, "10015", "connection in use");
  }
  json::object gone = *c;
  std::erase_if(connections, [&](const json::object& x) { return x.at("id") == gone.at("id"); });
  return Data(200, gone);
}

HttpResponse FakeTelnyx::Fqdns(const HttpRequest& r, const std::string* id) {
  if (id == nullptr && r.method == "GET") {
    const std::string* cid = Param(r, "filter[connection_id]");
    std::vector<json::object> items;
    for (const json::object& f : fqdns) {
      if (cid == nullptr || Text(f, "connection_id") == *cid) items.push_back(f);
    }
    return List(r, std::move(items));
  }
  if (id == nullptr) {
    json::object body = json::parse(r.body).as_object();
    const std::string cid = Text(body, "connection_id");
    if (Connection(cid) == nullptr) {
      return Error(422, "10015", "no such connection", "/connection_id");
    }
    json::object f{{"id", NewId()},
                   {"record_type", "fqdn"},
                   {"connection_id", std::stoll(cid)},  // a number, as live answers it
                   {"fqdn", body.at("fqdn")},
                   {"port", body.contains("port") ? body.at("port") : json::value(nullptr)},
                   {"dns_record_type", body.at("dns_record_type")}};
    fqdns.push_back(f);
    return Data(201, f);
  }
  auto it = std::find_if(fqdns.begin(), fqdns.end(),
                         [&](const json::object& f) { return Text(f, "id") == *id; });
  if (it == fqdns.end()) return Error(404, "10005", "Resource not found");
  if (r.method == "DELETE") {
    json::object gone = *it;
    fqdns.erase(it);
    return Data(200, gone);
  }
  const json::value body = json::parse(r.body);
  for (const auto& [key, value] : body.as_object()) (*it)[key] = value;
  return Data(200, *it);
}

HttpResponse FakeTelnyx::Numbers(const HttpRequest& r, const std::string* id) {
  if (id == nullptr) {
    const std::string* cid = Param(r, "filter[connection_id]");
    const std::string* digits = Param(r, "filter[phone_number]");
    std::vector<json::object> items;
    for (const json::object& n : numbers) {
      if (cid != nullptr && Text(n, "connection_id") != *cid) continue;
      if (digits != nullptr && Text(n, "phone_number").find(*digits) == std::string::npos) continue;
      items.push_back(n);
    }
    return List(r, std::move(items));
  }
  auto it = std::find_if(numbers.begin(), numbers.end(),
                         [&](const json::object& n) { return Text(n, "id") == *id; });
  if (it == numbers.end()) return Error(404, "10005", "Resource not found");
  const json::value cid = json::parse(r.body).as_object().at("connection_id");
  if (!cid.is_null() && Connection(std::string(cid.as_string())) == nullptr) {
    return Error(422, "10015", "no such connection", "/connection_id");
  }
  (*it)["connection_id"] = cid;
  return Data(200, *it);
}

HttpResponse FakeTelnyx::Handle(const HttpRequest& r) {
  requests.push_back(r);
  for (const auto& [name, value] : r.headers) {
    EXPECT_NE(name, "Authorization") << "the host adds credentials";
  }
  if (r.method == "POST" || r.method == "PATCH") {
    EXPECT_EQ(r.headers.back(), (std::pair<std::string, std::string>{"Content-Type",
                                                                      "application/json"}));
  }
  std::vector<std::string> parts;
  std::stringstream in(r.path);
  for (std::string s; std::getline(in, s, '/');) {
    if (!s.empty()) parts.push_back(s);
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0] != "v2") {
    return Error(404, "10005", "no such path " + r.path);
  }
  const std::string* id = parts.size() == 3 ? &parts[2] : nullptr;
  if (parts[1] == "fqdn_connections") return Connections(r, id);
  if (parts[1] == "fqdns") return Fqdns(r, id);
  if (parts[1] == "phone_numbers") return Numbers(r, id);
  return Error(404, "10005", "no such path " + r.path);
}

}  // namespace trunkline::telnyx::testing
