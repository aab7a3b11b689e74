// The Telnyx emulator driven over real HTTP on 127.0.0.1, inside the whole Emulator (faults,
// request log, admin API), checked against the facts in data/telnyx_v2_facts.json (copied
// from Telnyx's API reference) and the fact sheet tools/provider-emulator/docs/telnyx.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "accounts.h"
#include "emulator_test_util.h"

namespace trunkline::emulator::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "KEY0123456789ABCDEF_telnyx-one";
constexpr char kOtherKey[] = "KEY0123456789ABCDEF_telnyx-two";

const json::object& Facts() {
  static const json::object facts = [] {
    std::ifstream in(TRUNKLINE_TELNYX_FACTS);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str()).as_object();
  }();
  return facts;
}
// The fact at a JSON pointer such as "/paging/page_size_max" (array indexes as numbers).
const json::value& Fact(std::string_view pointer) {
  const json::value* at = nullptr;
  const json::object* object = &Facts();
  std::string_view rest = pointer.substr(1);
  while (true) {
    const std::string_view step = rest.substr(0, rest.find('/'));
    at = object != nullptr ? &object->at(step) : &at->as_array().at(std::stoul(std::string(step)));
    if (step.size() == rest.size()) return *at;
    rest.remove_prefix(step.size() + 1);
    object = at->is_object() ? &at->as_object() : nullptr;
  }
}

std::string Bearer(const std::string& key) { return "Bearer " + key; }

class TelnyxTest : public ::testing::Test {
 protected:
  void Start(FaultSpec faults = {}, int numbers = 5, uint64_t seed = 1) {
    EmulatorOptions options = TestOptions(faults, seed);
    options.telnyx.accounts = {{kKey, {}}, {kOtherKey, {"+15557770001"}}};
    options.telnyx.numbers_per_account = numbers;
    auto started = Emulator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    emulator_ = std::move(*started);
  }
  void SetUp() override { Start(); }

  // One request on a new connection (faults may break a kept-alive one).
  Answer Call(const std::string& method, const std::string& target, const json::value& body = {},
              const std::string& key = kKey) {
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    return Send(client, method, target, body.is_null() ? "" : json::serialize(body),
                key.empty() ? "" : Bearer(key), "application/json");
  }
  Answer Admin(const std::string& method, const std::string& path, const std::string& body = "") {
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    return Send(client, method, "/__emulator/" + path, body, "", "text/plain");
  }
  // Creates a connection and returns its id, failing the test when refused.
  std::string Connection(const std::string& name, json::object extra = {}) {
    extra["connection_name"] = name;
    const Answer a = Call("POST", "/v2/fqdn_connections", extra);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.status == 201 ? std::string(a.body.at("data").at("id").as_string()) : "";
  }
  std::string Fqdn(const std::string& connection, const std::string& host) {
    const Answer a =
        Call("POST", "/v2/fqdns",
             json::object{{"connection_id", connection}, {"fqdn", host}, {"dns_record_type", "a"}});
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.status == 201 ? std::string(a.body.at("data").at("id").as_string()) : "";
  }
  std::string NumberId(const std::string& e164) {
    const Answer a = Call("GET", "/v2/phone_numbers?filter[phone_number]=" + e164.substr(1));
    EXPECT_EQ(a.body.at("data").as_array().size(), 1u) << e164;
    return std::string(a.body.at("data").at(0).at("id").as_string());
  }

  std::unique_ptr<Emulator> emulator_;
};

// The one error of a Telnyx error envelope.
const json::object& Error(const Answer& a) {
  return a.body.at("errors").as_array().at(0).as_object();
}
std::string Pointer(const Answer& a) {
  const json::value* p = a.body.at("errors").at(0).as_object().if_contains("source");
  return p ? std::string(p->at("pointer").as_string()) : "";
}
std::string Parameter(const Answer& a) {
  return std::string(a.body.at("errors").at(0).at("source").at("parameter").as_string());
}

void ExpectError(const Answer& a, std::string_view fact) {
  const json::object& want = Fact(std::string("/errors/") + std::string(fact)).as_object();
  EXPECT_EQ(a.status, want.at("status").as_int64()) << json::serialize(a.body);
  ASSERT_TRUE(a.body.is_object() && a.body.as_object().contains("errors"))
      << json::serialize(a.body);
  EXPECT_EQ(Error(a).at("code"), want.at("code"));
  EXPECT_EQ(Error(a).at("meta").at("url").as_string(),
            std::string(Fact("/errors/url_prefix").as_string()) +
                std::string(want.at("code").as_string()));
}

bool Matches(const json::value& v, std::string_view pattern_fact) {
  return v.is_string() && std::regex_match(std::string(v.as_string()),
                                           std::regex(std::string(Fact(pattern_fact).as_string())));
}

TEST_F(TelnyxTest, RequestsWithoutAValidBearerKeyAreRefused) {
  for (const std::string& auth :
       {std::string(""), std::string("Bearer nope"), std::string("Bearer "), Basic(kKey, ""),
        std::string("Token ") + kKey}) {
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    const Answer a = Send(client, "GET", "/v2/fqdn_connections", "", auth);
    ExpectError(a, "unauthenticated");
    EXPECT_EQ(Error(a).at("title"), Fact("/errors/unauthenticated/title")) << auth;
    EXPECT_FALSE(Error(a).contains("source")) << auth;
  }
  // Refused before routing: an unknown path tells a stranger nothing.
  ExpectError(Call("GET", "/v2/nowhere", {}, "bad"), "unauthenticated");
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections").status, 200);
  // The scheme is case-insensitive.
  http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
  EXPECT_EQ(Send(client, "GET", "/v2/fqdns", "", std::string("bearer ") + kKey).status, 200);
}

TEST_F(TelnyxTest, AConnectionIsCreatedReadUpdatedAndDeleted) {
  Answer created = Call("POST", "/v2/fqdn_connections",
                        json::object{{"connection_name", "office-trunk"},
                                     {"transport_protocol", "TCP"},
                                     {"tags", json::array{"trunkline"}}});
  ASSERT_EQ(created.status, Fact("/status/create").as_int64()) << json::serialize(created.body);
  const json::object& c = created.body.at("data").as_object();
  const std::string id(c.at("id").as_string());
  EXPECT_TRUE(Matches(c.at("id"), "/id_pattern")) << id;
  EXPECT_EQ(c.at("record_type"), Fact("/fqdn_connection/record_type"));
  EXPECT_EQ(c.at("connection_name"), "office-trunk");
  EXPECT_EQ(c.at("transport_protocol"), "TCP");
  EXPECT_TRUE(Matches(c.at("created_at"), "/timestamp_pattern")) << c.at("created_at");
  EXPECT_EQ(c.at("created_at"), c.at("updated_at"));
  // Every default the reference gives, at any depth.
  for (const auto& [key, value] : Fact("/fqdn_connection/defaults").as_object()) {
    if (key == "transport_protocol") continue;  // set above
    if (!value.is_object()) {
      EXPECT_EQ(c.at(key), value) << key;
      continue;
    }
    for (const auto& [inner, v] : value.as_object()) {
      EXPECT_EQ(c.at(key).at(inner), v) << key << "." << inner;
    }
  }

  const Answer got = Call("GET", "/v2/fqdn_connections/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.at("data"), c);

  // PATCH merges nested objects key by key (docs/telnyx.md §3.5).
  EXPECT_EQ(Call("PATCH", "/v2/fqdn_connections/" + id,
                 json::object{{"outbound", {{"tech_prefix", "1234"}}}})
                .status,
            200);
  const Answer patched = Call("PATCH", "/v2/fqdn_connections/" + id,
                              json::object{{"outbound", {{"channel_limit", 10}}},
                                           {"inbound", {{"dnis_number_format", "+e164"}}},
                                           {"active", false}});
  ASSERT_EQ(patched.status, Fact("/status/update").as_int64()) << json::serialize(patched.body);
  const json::object& p = patched.body.at("data").as_object();
  EXPECT_EQ(p.at("outbound").at("tech_prefix"), "1234");
  EXPECT_EQ(p.at("outbound").at("channel_limit"), 10);
  EXPECT_EQ(p.at("inbound").at("dnis_number_format"), "+e164");
  EXPECT_EQ(p.at("inbound").at("ani_number_format"), "E.164-national");
  EXPECT_EQ(p.at("active"), false);
  EXPECT_EQ(p.at("connection_name"), "office-trunk");
  EXPECT_EQ(p.at("created_at"), c.at("created_at"));

  const Answer deleted = Call("DELETE", "/v2/fqdn_connections/" + id);
  EXPECT_EQ(deleted.status, Fact("/status/delete").as_int64());
  EXPECT_EQ(deleted.body.at("data").at("id"), json::value(id));  // the deleted record comes back
  ExpectError(Call("GET", "/v2/fqdn_connections/" + id), "not_found");
  ExpectError(Call("PATCH", "/v2/fqdn_connections/" + id, json::object{}), "not_found");
  ExpectError(Call("DELETE", "/v2/fqdn_connections/" + id), "not_found");
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections").body.at("meta").at("total_results"), 0);
}

TEST_F(TelnyxTest, BadInputIsRefusedNamingTheField) {
  const std::string fqdn_target = Connection("has-an-fqdn");
  struct Case {
    json::object body;
    std::string pointer;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {{{"transport_protocol", "UDP"}}, "/connection_name", "connection_name is required"},
      {{{"connection_name", ""}}, "/connection_name", "must not be empty"},
      {{{"connection_name", 7}}, "/connection_name", "must be a string"},
      {{{"connection_name", "x"}, {"transport_protocol", "SCTP"}},
       "/transport_protocol",
       "must be one of UDP, TCP, TLS"},
      {{{"connection_name", "x"}, {"active", "yes"}}, "/active", "must be true or false"},
      {{{"connection_name", "x"}, {"inbound", {{"dnis_number_format", "+E.164"}}}},
       "/inbound/dnis_number_format",
       "+e164, e164, national, sip_username"},
      {{{"connection_name", "x"}, {"inbound", {{"timeout_1xx_secs", 121}}}},
       "/inbound/timeout_1xx_secs",
       "from 1 to 120"},
      {{{"connection_name", "x"}, {"outbound", {{"tech_prefix", "12a4"}}}},
       "/outbound/tech_prefix",
       "exactly 4 digits"},
      {{{"connection_name", "x"}, {"outbound", {{"fqdn_authentication_method", "token"}}}},
       "/outbound/fqdn_authentication_method",
       "credential-authentication, ip-authentication"},
      {{{"connection_name", "x"}, {"webhook_timeout_secs", 31}},
       "/webhook_timeout_secs",
       "from 0 to 30"},
      {{{"connection_name", "x"}, {"webhook_event_url", "ftp://example.com"}},
       "/webhook_event_url",
       "http(s) URL"},
      {{{"connection_name", "x"}, {"jitter_buffer", {{"jitterbuffer_msec_min", 10}}}},
       "/jitter_buffer/jitterbuffer_msec_min",
       "from 40 to 400"},
      {{{"connection_name", "x"}, {"tags", json::array{1}}}, "/tags", "array of strings"},
      {{{"connection_name", "x"}, {"active", nullptr}}, "/active", "must not be null"},
      {{{"connection_name", "x"}, {"user_name", "has space"}},
       "/user_name",
       std::string(Fact("/live/user_name_details/0").as_string())},
      {{{"connection_name", "x"}, {"user_name", std::string(33, 'a')}},
       "/user_name",
       std::string(Fact("/live/user_name_details/1").as_string())},
      {{{"connection_name", "x"}, {"transport_protocol", "TLS"}, {"encrypted_media", "SRTP"}},
       "/encrypted_media",
       "cannot be set when transport_protocol is TLS"},
      {{{"connection_name", "x"}, {"inbound", {{"default_primary_fqdn_id", "1234"}}}},
       "/inbound/default_primary_fqdn_id",
       "not the id of an FQDN on this connection"},
  };
  for (const Case& c : cases) {
    const Answer a = Call("POST", "/v2/fqdn_connections", c.body);
    ExpectError(a, "invalid");
    EXPECT_EQ(Pointer(a), c.pointer) << json::serialize(c.body);
    EXPECT_THAT(std::string(Error(a).at("detail").as_string()), HasSubstr(c.detail))
        << json::serialize(c.body);
  }
  const Answer not_json = Call("POST", "/v2/fqdn_connections", json::array{1});
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Pointer(not_json), "/");
  // Nothing was created by any of them.
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections").body.at("meta").at("total_results"), 1);
  // Ids: malformed ones are refused as such, well-formed unknown ones are not found.
  const Answer bad_id = Call("GET", "/v2/fqdn_connections/abc");
  EXPECT_EQ(bad_id.status, 422);
  EXPECT_EQ(Error(bad_id).at("code"), "10006");
  ExpectError(Call("GET", "/v2/fqdn_connections/1234567890123456789"), "not_found");
  ExpectError(Call("GET", "/v2/nothing_here"), "not_found");
  const Answer method = Call("PUT", "/v2/fqdn_connections/" + fqdn_target, json::object{});
  EXPECT_EQ(method.status, 405);
}

TEST_F(TelnyxTest, LiveQuirksAreOnByDefaultAndSwitchOff) {
  // Live (docs/telnyx.md §10): the auth method under its live name, null until set, and an
  // outbound voice profile refused until outbound auth is configured.
  const std::string id = Connection("quirky");
  Answer a = Call("GET", "/v2/fqdn_connections/" + id);
  const json::object& outbound = a.body.at("data").at("outbound").as_object();
  EXPECT_TRUE(outbound.at(Fact("/live/auth_method_key").as_string()).is_null());
  EXPECT_FALSE(outbound.contains("ip_authentication_method"));
  const std::string target = "/v2/fqdn_connections/" + id;
  a = Call("PATCH", target, json::object{{"outbound", {{"outbound_voice_profile_id", "42"}}}});
  ExpectError(a, "invalid");
  EXPECT_EQ(Pointer(a), "/outbound/outbound_voice_profile_id");
  EXPECT_THAT(std::string(Error(a).at("detail").as_string()),
              HasSubstr(std::string(Fact("/live/ovp_before_auth_detail").as_string())));
  // Credential auth needs user_name and password too: sent with the method first, the
  // profile is taken after (the reconciler's two PATCHes).
  a = Call("PATCH", target,
           json::object{{"outbound",
                         {{"fqdn_authentication_method", "credential-authentication"},
                          {"outbound_voice_profile_id", "42"}}}});
  EXPECT_EQ(a.status, 422);
  a = Call(
      "PATCH", target,
      json::object{{"user_name", "trunkuser1"},
                   {"password", "s3cret-pw"},
                   {"outbound", {{"fqdn_authentication_method", "credential-authentication"}}}});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  a = Call("PATCH", target, json::object{{"outbound", {{"outbound_voice_profile_id", "42"}}}});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("data").at("outbound").at("fqdn_authentication_method"),
            "credential-authentication");
  EXPECT_EQ(a.body.at("data").at("outbound").at("outbound_voice_profile_id"), "42");
  EXPECT_EQ(a.body.at("data").at("user_name"), "trunkuser1");
  // Fields the API does not take are ignored: a top-level profile, read-only fields.
  a = Call("PATCH", target,
           json::object{{"outbound_voice_profile_id", "99"},
                        {"id", "1"},
                        {"record_type", "x"},
                        {"microsoft_teams_sbc", true},
                        {"privacy_zone_enabled", true}});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("data").at("id"), json::value(id));
  EXPECT_EQ(a.body.at("data").at("record_type"), "fqdn_connection");
  EXPECT_EQ(a.body.at("data").at("microsoft_teams_sbc"), false);
  EXPECT_EQ(a.body.at("data").at("outbound").at("outbound_voice_profile_id"), "42");
  EXPECT_FALSE(a.body.at("data").as_object().contains("privacy_zone_enabled"));
  // FQDNs: connection_id answered as a number, dns_record_type lower-cased.
  a = Call("POST", "/v2/fqdns",
           json::object{{"connection_id", std::stoll(id)},
                        {"fqdn", "pbx.example.com"},
                        {"dns_record_type", "A"}});
  ASSERT_EQ(a.status, 201) << json::serialize(a.body);
  EXPECT_TRUE(a.body.at("data").at("connection_id").is_int64());
  EXPECT_EQ(std::to_string(a.body.at("data").at("connection_id").as_int64()), id);
  EXPECT_EQ(a.body.at("data").at("dns_record_type"), "a");

  // Off: the OpenAPI file's names and defaults, and what it does not take is refused.
  EXPECT_EQ(Admin("POST", "telnyx-quirks", "off").status, 200);
  a = Call("GET", target);
  EXPECT_EQ(a.body.at("data").at("outbound").at("ip_authentication_method"),
            "credential-authentication");
  const std::string plain = Connection("documented");
  a = Call("GET", "/v2/fqdn_connections/" + plain);
  EXPECT_EQ(a.body.at("data").at("outbound").at("ip_authentication_method"), "ip-authentication");
  EXPECT_EQ(Call("PATCH", "/v2/fqdn_connections/" + plain,
                 json::object{{"outbound", {{"outbound_voice_profile_id", "7"}}}})
                .status,
            200);
  for (const auto& [body, pointer] : std::vector<std::pair<json::object, std::string>>{
           {{{"outbound_voice_profile_id", "7"}}, "/outbound_voice_profile_id"},
           {{{"id", "1"}}, "/id"},
           {{{"user_name", "abc1"}}, "/user_name"},
           {{{"microsoft_teams_sbc", true}}, "/microsoft_teams_sbc"},
           {{{"outbound", {{"fqdn_authentication_method", "ip-authentication"}}}},
            "/outbound/fqdn_authentication_method"}}) {
    a = Call("PATCH", "/v2/fqdn_connections/" + plain, body);
    ExpectError(a, "invalid");
    EXPECT_EQ(Pointer(a), pointer);
  }
  a = Call(
      "POST", "/v2/fqdns",
      json::object{{"connection_id", plain}, {"fqdn", "b.example.com"}, {"dns_record_type", "A"}});
  ASSERT_EQ(a.status, 201);
  EXPECT_EQ(a.body.at("data").at("connection_id"), json::value(plain));
  EXPECT_EQ(a.body.at("data").at("dns_record_type"), "A");
  EXPECT_EQ(Call("POST", "/v2/fqdns",
                 json::object{{"connection_id", std::stoll(plain)},
                              {"fqdn", "c.example.com"},
                              {"dns_record_type", "a"}})
                .status,
            422);
}

TEST_F(TelnyxTest, FqdnsAreCreatedFilteredMovedAndDeleted) {
  const std::string one = Connection("first"), two = Connection("second");
  Answer a = Call(
      "POST", "/v2/fqdns",
      json::object{{"connection_id", one}, {"fqdn", "sip.example.com"}, {"dns_record_type", "a"}});
  ASSERT_EQ(a.status, 201) << json::serialize(a.body);
  const json::object f = a.body.at("data").as_object();
  const std::string id(f.at("id").as_string());
  EXPECT_EQ(f.at("record_type"), Fact("/fqdn/record_type"));
  EXPECT_EQ(f.at("port"), Fact("/fqdn/default_port"));
  EXPECT_TRUE(Matches(f.at("id"), "/id_pattern"));
  EXPECT_TRUE(Matches(f.at("updated_at"), "/timestamp_pattern"));
  Fqdn(one, "backup.example.com");
  Fqdn(two, "sip.example.com");

  for (const json::value& field : Fact("/fqdn/required_on_create").as_array()) {
    json::object body{{"connection_id", one}, {"fqdn", "x.example.com"}, {"dns_record_type", "a"}};
    body.erase(field.as_string());
    a = Call("POST", "/v2/fqdns", body);
    ExpectError(a, "invalid");
    EXPECT_EQ(Pointer(a), "/" + std::string(field.as_string()));
  }
  for (const auto& [body, pointer] : std::vector<std::pair<json::object, std::string>>{
           {{{"fqdn", "sip:pbx.example.com"}}, "/fqdn"},
           {{{"fqdn", "user@pbx.example.com"}}, "/fqdn"},
           {{{"port", 70000}}, "/port"},
           {{{"dns_record_type", "mx"}}, "/dns_record_type"},
           {{{"connection_id", "1234567890123456789"}}, "/connection_id"}}) {
    a = Call("PATCH", "/v2/fqdns/" + id, body);
    ExpectError(a, "invalid");
    EXPECT_EQ(Pointer(a), pointer);
  }

  auto count = [&](const std::string& query) {
    const Answer list = Call("GET", "/v2/fqdns" + query);
    EXPECT_EQ(list.status, 200) << query << json::serialize(list.body);
    return list.body.at("meta").at("total_results").as_int64();
  };
  EXPECT_EQ(count(""), 3);
  EXPECT_EQ(count("?filter[connection_id]=" + one), 2);
  EXPECT_EQ(count("?filter[fqdn]=sip.example.com"), 2);
  EXPECT_EQ(count("?filter[connection_id]=" + two + "&filter[fqdn]=sip.example.com"), 1);
  EXPECT_EQ(count("?filter[port]=5060"), 3);
  EXPECT_EQ(count("?filter[dns_record_type]=srv"), 0);
  a = Call("GET", "/v2/fqdns?filter[port]=high");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(Parameter(a), "filter[port]");
  a = Call("GET", "/v2/fqdns?filter[hostname]=x");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(Parameter(a), "filter[hostname]");

  // PATCH moves it to another connection and clears the port.
  a = Call("PATCH", "/v2/fqdns/" + id, json::object{{"connection_id", two}, {"port", nullptr}});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_TRUE(a.body.at("data").at("port").is_null());
  EXPECT_EQ(count("?filter[connection_id]=" + two), 2);
  EXPECT_EQ(Call("GET", "/v2/fqdns/" + id).body.at("data").at("fqdn"), "sip.example.com");
  a = Call("DELETE", "/v2/fqdns/" + id);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body.at("data").at("id"), json::value(id));
  ExpectError(Call("GET", "/v2/fqdns/" + id), "not_found");
  EXPECT_EQ(count(""), 2);
}

TEST_F(TelnyxTest, ConnectionsAreFilteredAndSorted) {
  const std::string b = Connection("Bravo-Trunk"), a = Connection("alpha-trunk"),
                    c = Connection("charlie");
  Fqdn(c, "charlie.example.com");
  auto names = [&](const std::string& query) {
    const Answer list = Call("GET", "/v2/fqdn_connections" + query);
    EXPECT_EQ(list.status, 200) << query << json::serialize(list.body);
    std::vector<std::string> out;
    for (const json::value& v : list.body.at("data").as_array()) {
      out.emplace_back(v.at("connection_name").as_string());
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names(""), (V{"Bravo-Trunk", "alpha-trunk", "charlie"}));  // created_at ascending
  EXPECT_EQ(names("?sort=-created_at"), (V{"charlie", "alpha-trunk", "Bravo-Trunk"}));
  EXPECT_EQ(names("?sort=connection_name"), (V{"Bravo-Trunk", "alpha-trunk", "charlie"}));
  EXPECT_EQ(names("?filter[connection_name][contains]=TRUNK"), (V{"Bravo-Trunk", "alpha-trunk"}));
  EXPECT_EQ(names("?filter[fqdn]=charlie.example.com"), (V{"charlie"}));
  EXPECT_EQ(names("?filter[fqdn]=CHARLIE.example.com"), V{});  // exact, case-sensitive
  for (const std::string& bad :
       {std::string("filter[connection_name][contains]=ab"), std::string("sort=name"),
        std::string("filter[name]=x"), std::string("sort=active&sort=active")}) {
    const Answer refused = Call("GET", "/v2/fqdn_connections?" + bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(Parameter(refused), bad.substr(0, bad.find('='))) << bad;
  }
}

TEST_F(TelnyxTest, ListsArePagedWithinTheLimits) {
  for (int i = 0; i < 7; ++i) Connection("trunk-" + std::to_string(i));
  const json::object& paging = Fact("/paging").as_object();
  std::vector<std::string> seen;
  for (int page = 1; page <= 4; ++page) {
    // Brackets raw, as typed, and percent-encoded, as SDKs send them.
    const std::string query = page % 2
                                  ? "?page[size]=3&page[number]=" + std::to_string(page)
                                  : "?page%5Bsize%5D=3&page%5Bnumber%5D=" + std::to_string(page);
    const Answer a = Call("GET", "/v2/fqdn_connections" + query);
    ASSERT_EQ(a.status, 200) << query << json::serialize(a.body);
    const json::object& meta = a.body.at("meta").as_object();
    for (const json::value& key : paging.at("meta").as_array()) {
      EXPECT_TRUE(meta.contains(key.as_string())) << key;
    }
    EXPECT_EQ(meta.at("page_number"), page);
    EXPECT_EQ(meta.at("page_size"), 3);
    EXPECT_EQ(meta.at("total_pages"), 3);
    EXPECT_EQ(meta.at("total_results"), 7);
    const size_t want = page < 3 ? 3 : page == 3 ? 1 : 0;
    EXPECT_EQ(a.body.at("data").as_array().size(), want) << page;
    for (const json::value& c : a.body.at("data").as_array()) {
      seen.emplace_back(c.at("connection_name").as_string());
    }
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "trunk-0");
  EXPECT_EQ(seen.back(), "trunk-6");
  const int64_t max = paging.at("page_size_max").as_int64();
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections?page[size]=" + std::to_string(max)).status, 200);
  for (const std::string& bad :
       {"page[size]=" + std::to_string(max + 1),
        "page[size]=" + std::to_string(paging.at("page_size_min").as_int64() - 1),
        std::string("page[size]=ten"),
        "page[number]=" + std::to_string(paging.at("page_number_min").as_int64() - 1)}) {
    const Answer a = Call("GET", "/v2/fqdns?" + bad);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(Parameter(a), bad.substr(0, bad.find('='))) << bad;
    EXPECT_THAT(std::string(Error(a).at("detail").as_string()), HasSubstr("must be an integer"));
  }
  const Answer far = Call("GET", "/v2/fqdn_connections?page[number]=9223372036854775807");
  ASSERT_EQ(far.status, 200);
  EXPECT_TRUE(far.body.at("data").as_array().empty());
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections").body.at("meta").at("page_size"),
            paging.at("default_page_size").at("fqdn_connections"));
  EXPECT_EQ(Call("GET", "/v2/fqdns").body.at("meta").at("page_size"),
            paging.at("default_page_size").at("fqdns"));
}

TEST_F(TelnyxTest, PhoneNumbersAreProvisionedAndAttachedToConnections) {
  Start({}, 25);
  Answer a = Call("GET", "/v2/phone_numbers");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body.at("meta").at("page_size"), Fact("/paging/default_page_size/phone_numbers"));
  EXPECT_EQ(a.body.at("meta").at("total_results"), 25);
  EXPECT_EQ(a.body.at("meta").at("total_pages"), 2);
  const json::object& first = a.body.at("data").at(0).as_object();
  EXPECT_EQ(first.at("phone_number"), "+15550010001");
  EXPECT_EQ(first.at("record_type"), Fact("/phone_number/record_type"));
  EXPECT_TRUE(Matches(first.at("id"), "/id_pattern"));
  EXPECT_TRUE(first.at("connection_id").is_null());
  // The other account has its own, given, number only.
  a = Call("GET", "/v2/phone_numbers", {}, kOtherKey);
  EXPECT_EQ(a.body.at("meta").at("total_results"), 1);
  EXPECT_EQ(a.body.at("data").at(0).at("phone_number"), "+15557770001");

  EXPECT_EQ(Call("GET", "/v2/phone_numbers?filter[phone_number]=0010002")
                .body.at("meta")
                .at("total_results"),
            1);
  EXPECT_EQ(Call("GET", "/v2/phone_numbers?filter[phone_number]=%2B15550010002")
                .body.at("meta")
                .at("total_results"),
            0);  // non-digits match nothing
  a = Call("GET", "/v2/phone_numbers?filter[phone_number]=55");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(Parameter(a), "filter[phone_number]");

  const std::string trunk = Connection("numbers-trunk");
  const std::string number = NumberId("+15550010003");
  const std::string target = "/v2/phone_numbers/" + number;
  a = Call("PATCH", target, json::object{{"connection_id", trunk}, {"tags", json::array{"t"}}});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("data").at("connection_id"), json::value(trunk));
  EXPECT_EQ(a.body.at("data").at("connection_name"), "numbers-trunk");
  EXPECT_EQ(Call("GET", target).body.at("data").at("connection_id"), json::value(trunk));
  a = Call("GET", "/v2/phone_numbers?filter[connection_id]=" + trunk);
  ASSERT_EQ(a.body.at("meta").at("total_results"), 1);
  EXPECT_EQ(a.body.at("data").at(0).at("id"), json::value(number));
  EXPECT_EQ(Call("GET", "/v2/phone_numbers?filter[voice.connection_name][contains]=BERS-TR")
                .body.at("meta")
                .at("total_results"),
            1);
  // A connection with a number on it is not deleted.
  a = Call("DELETE", "/v2/fqdn_connections/" + trunk);
  EXPECT_EQ(a.status, 422);
  EXPECT_THAT(std::string(Error(a).at("detail").as_string()), HasSubstr("1 phone number"));

  for (const auto& [body, pointer] : std::vector<std::pair<json::object, std::string>>{
           {{{"connection_id", "1234567890123456789"}}, "/connection_id"},
           {{{"connection_id", 5}}, "/connection_id"},
           {{{"hd_voice_enabled", "yes"}}, "/hd_voice_enabled"},
           {{{"tags", "t"}}, "/tags"}}) {
    a = Call("PATCH", target, body);
    ExpectError(a, "invalid");
    EXPECT_EQ(Pointer(a), pointer);
  }
  // Another account's number is not found; another account's connection is not one of ours.
  const std::string theirs(
      Call("GET", "/v2/phone_numbers", {}, kOtherKey).body.at("data").at(0).at("id").as_string());
  ExpectError(Call("PATCH", "/v2/phone_numbers/" + theirs, json::object{{"connection_id", trunk}}),
              "not_found");
  a = Call("PATCH", "/v2/phone_numbers/" + theirs, json::object{{"connection_id", trunk}},
           kOtherKey);
  ExpectError(a, "invalid");
  EXPECT_EQ(Pointer(a), "/connection_id");
  EXPECT_EQ(Call("PATCH", "/v2/phone_numbers/" + NumberId("+15550010004"),
                 json::object{{"connection_id", trunk}})
                .status,
            200);

  a = Call("PATCH", target, json::object{{"connection_id", nullptr}});
  ASSERT_EQ(a.status, 200);
  EXPECT_TRUE(a.body.at("data").at("connection_id").is_null());
  EXPECT_TRUE(a.body.at("data").at("connection_name").is_null());
  EXPECT_EQ(a.body.at("data").at("tags"), json::value(json::array{"t"}));  // the rest is kept
  EXPECT_EQ(Call("PATCH", "/v2/phone_numbers/" + NumberId("+15550010004"),
                 json::object{{"connection_id", ""}})
                .status,
            200);
  EXPECT_EQ(Call("DELETE", "/v2/fqdn_connections/" + trunk).status, 200);
  ExpectError(Call("GET", "/v2/phone_numbers/1234567890123456789"), "not_found");
  EXPECT_EQ(Call("DELETE", target).status, 405);
}

TEST_F(TelnyxTest, AccountsSeeOnlyTheirOwnResources) {
  const std::string mine = Connection("mine");
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections", {}, kOtherKey).body.at("meta").at("total_results"),
            0);
  ExpectError(Call("GET", "/v2/fqdn_connections/" + mine, {}, kOtherKey), "not_found");
  ExpectError(Call("DELETE", "/v2/fqdn_connections/" + mine, {}, kOtherKey), "not_found");
  const Answer a = Call(
      "POST", "/v2/fqdns",
      json::object{{"connection_id", mine}, {"fqdn", "a.example.com"}, {"dns_record_type", "a"}},
      kOtherKey);
  EXPECT_EQ(Pointer(a), "/connection_id");
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections/" + mine).status, 200);
}

TEST_F(TelnyxTest, StateIsKeptAcrossRequestsAndForgottenOnReset) {
  const std::string id = Connection("kept");
  Fqdn(id, "kept.example.com");
  const std::string number = NumberId("+15550010001");
  EXPECT_EQ(
      Call("PATCH", "/v2/phone_numbers/" + number, json::object{{"connection_id", id}}).status,
      200);
  // Each Call is a new connection: the state lives in the emulator, not the connection.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("GET", "/v2/fqdn_connections/" + id).status, 200);
    EXPECT_EQ(
        Call("GET", "/v2/fqdns?filter[connection_id]=" + id).body.at("meta").at("total_results"),
        1);
  }
  const json::value state = Admin("GET", "state").body.at("telnyx");
  const json::value& mine = state.at("accounts").at("account-1");
  EXPECT_EQ(mine.at("fqdn_connections").at(0).at("id"), json::value(id));
  EXPECT_EQ(mine.at("phone_numbers").at(0).at("connection_id"), json::value(id));

  EXPECT_EQ(Admin("POST", "reset").status, 200);
  ExpectError(Call("GET", "/v2/fqdn_connections/" + id), "not_found");
  EXPECT_EQ(Call("GET", "/v2/fqdns").body.at("meta").at("total_results"), 0);
  const Answer n = Call("GET", "/v2/phone_numbers/" + number);  // numbers keep their ids
  ASSERT_EQ(n.status, 200);
  EXPECT_TRUE(n.body.at("data").at("connection_id").is_null());
  // Ids come from the seed: after a reset, and in another emulator with the same seed.
  EXPECT_EQ(Connection("again"), id);
  Start();
  EXPECT_EQ(Connection("elsewhere"), id);
  Start({}, 5, 2);
  EXPECT_NE(Connection("other-seed"), id);
}

TEST_F(TelnyxTest, FaultsApplyToTelnyxRequests) {
  // 429 in Telnyx's envelope, with Retry-After and the rate-limit headers; not applied.
  EXPECT_EQ(Admin("POST", "faults", "rate=1,burst=1").status, 200);
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections").status, 200);
  Answer a = Call("POST", "/v2/fqdn_connections", json::object{{"connection_name", "limited"}});
  ExpectError(a, "rate_limited");
  EXPECT_TRUE(http::FindHeader(a.headers, "Retry-After").has_value());
  for (const json::value& h : Fact("/errors/rate_limit_headers").as_array()) {
    EXPECT_TRUE(http::FindHeader(a.headers, std::string(h.as_string())).has_value()) << h;
  }
  // 500 and 503, not applied.
  EXPECT_EQ(Admin("POST", "faults", "errors=1").status, 200);
  a = Call("POST", "/v2/fqdn_connections", json::object{{"connection_name", "failed"}});
  EXPECT_TRUE(a.status == 500 || a.status == 503) << a.status;
  EXPECT_EQ(Error(a).at("code"), "10007");
  // A lost answer: the PATCH is applied, the connection closed unanswered.
  EXPECT_EQ(Admin("POST", "faults", "").status, 200);
  const std::string id = Connection("lossy");
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections").body.at("meta").at("total_results"), 1);
  EXPECT_EQ(Admin("POST", "faults", "lost=1").status, 200);
  {
    http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    auto r = client.Send(http::Request{"PATCH",
                                       "/v2/fqdn_connections/" + id,
                                       {{"Authorization", Bearer(kKey)}},
                                       R"({"connection_name":"renamed"})"});
    EXPECT_FALSE(r.ok());
    // A reset: no answer and nothing applied.
    EXPECT_EQ(Admin("POST", "faults", "reset=1").status, 200);
    http::Client other(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
    r = other.Send(http::Request{"PATCH",
                                 "/v2/fqdn_connections/" + id,
                                 {{"Authorization", Bearer(kKey)}},
                                 R"({"connection_name":"reset"})"});
    EXPECT_FALSE(r.ok());
  }
  EXPECT_EQ(Admin("POST", "faults", "latency=150").status, 200);
  const auto start = std::chrono::steady_clock::now();
  a = Call("GET", "/v2/fqdn_connections/" + id);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(a.body.at("data").at("connection_name"), "renamed");
  // Each fault is in the request log under the telnyx provider.
  std::vector<std::string> faults;
  const Answer log = Admin("GET", "requests");
  for (const json::value& e : log.body.at("requests").as_array()) {
    if (e.at("provider") == "telnyx") faults.emplace_back(e.at("fault").as_string());
  }
  for (const char* fault : {"rate-limited", "lost", "reset"}) {
    EXPECT_NE(std::find(faults.begin(), faults.end(), fault), faults.end()) << fault;
  }
}

TEST_F(TelnyxTest, SecretsStayOutOfTheRequestLogAndTheState) {
  const std::string id =
      Connection("secretive", {{"user_name", "trunkuser1"},
                               {"password", "pw-in-json-1"},
                               {"outbound", {{"ip_authentication_token", "tok-in-json-2"}}}});
  // The answer carries the password back, as Telnyx's does (docs/telnyx.md §3.2).
  EXPECT_EQ(Call("GET", "/v2/fqdn_connections/" + id).body.at("data").at("password"),
            "pw-in-json-1");
  http::Client client(http::ClientOptions{"127.0.0.1", emulator_->telnyx_port()});
  Send(client, "PATCH", "/v2/fqdn_connections/" + id, R"({"password": "pw-not-json-3", oops})",
       Bearer(kKey), "application/json");
  const std::string log = json::serialize(Admin("GET", "requests").body);
  const std::string state = json::serialize(Admin("GET", "state").body);
  for (const std::string& secret : {std::string(kKey), std::string("pw-in-json-1"),
                                    std::string("tok-in-json-2"), std::string("pw-not-json-3")}) {
    EXPECT_THAT(log, Not(HasSubstr(secret)));
    EXPECT_THAT(state, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(log, HasSubstr("Bearer ***"));
  EXPECT_THAT(log, HasSubstr("\\\"password\\\":\\\"***\\\""));
  EXPECT_THAT(state, HasSubstr("trunkuser1"));
}

TEST(TelnyxAccountsTest, ApiKeysAreReadLikeTheOtherAccounts) {
  auto accounts = ParseAccounts("# keys\ntelnyx-api-key  KEY01_abc:def \n", "file");
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  ASSERT_EQ(accounts->telnyx.size(), 1u);
  EXPECT_EQ(accounts->telnyx[0].api_key, "KEY01_abc:def");
  for (const std::string& text :
       {std::string("telnyx-api-key\n"), std::string("telnyx-api-key KEY one\n"),
        std::string("telnyx-api-key KEYsecret1\ntelnyx-api-key KEYsecret1\n")}) {
    auto bad = ParseAccounts(text, "file");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr("telnyx-api-key")) << text;
    EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("secret1"))) << text;
  }
}

}  // namespace
}  // namespace trunkline::emulator::testing
