// The Plivo Zentrunk emulator driven over real HTTP on 127.0.0.1, checked against the fact
// sheet tools/provider-emulator/docs/plivo.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "basic_auth.h"
#include "plivo_api.h"
#include "trunkline/http/http.h"

namespace trunkline::emulator {
namespace {

namespace json = boost::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kAuthId[] = "MAAAAAAAAAAAAAAAAAAA";
constexpr char kToken[] = "token-a";
constexpr char kOtherId[] = "MABBBBBBBBBBBBBBBBBB";
constexpr char kOtherToken[] = "token-b";
constexpr char kUuidRegex[] = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// A JSON string's text, for comparing with std::string (json::value has no such ==).
std::string S(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : "<not a string: " + json::serialize(v) + ">";
}

struct Answer {
  int status = 0;
  std::string raw;
  json::value body;  // null when the body is empty or not JSON

  const json::object& obj() const { return body.as_object(); }
  std::string str(std::string_view key) const {
    const json::value* v = body.is_object() ? body.as_object().if_contains(key) : nullptr;
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
  }
  std::string error() const { return str("error"); }
};

// One emulator behind one server, and a client of it.
class Emulator {
 public:
  explicit Emulator(PlivoOptions options) : api(std::move(options)) {
    auto server =
        http::Server::Start(http::ServerOptions{"127.0.0.1", 0, 2},
                            [this](const http::Request& r) { return api.Handle(r, base); });
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return;
    server_ = std::move(*server);
    base = "http://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", server_->port()});
  }

  uint16_t port() const { return server_->port(); }

  // Sends with the given Authorization header value ("" for none); `path` is absolute.
  Answer Raw(const std::string& method, const std::string& path, const std::string& body,
             const std::string& authorization) {
    http::Request request{method, path, {{"Accept", "application/json"}}, body};
    if (!authorization.empty()) request.headers.push_back({"Authorization", authorization});
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    auto res = client_->Send(request);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    Answer a;
    if (!res.ok()) return a;
    a.status = res->status;
    a.raw = res->body;
    boost::system::error_code ec;
    if (!a.raw.empty()) a.body = json::parse(a.raw, ec);
    if (ec) a.body = nullptr;
    seen_bodies.push_back(a.raw);
    return a;
  }

  // A request as kAuthId to /v1/Account/kAuthId/<rest>.
  Answer Send(const std::string& method, const std::string& rest, const json::value& body = {}) {
    return Raw(method, std::string("/v1/Account/") + kAuthId + "/" + rest,
               body.is_null() ? "" : json::serialize(body), testing::Basic(kAuthId, kToken));
  }
  Answer Zt(const std::string& method, const std::string& rest, const json::value& body = {}) {
    return Send(method, "Zentrunk/" + rest, body);
  }

  // Creates and returns the new id, failing the test when the create is refused.
  std::string Create(const std::string& collection, const json::object& body,
                     const std::string& id_field) {
    Answer a = Zt("POST", collection + "/", body);
    EXPECT_EQ(a.status, 201) << a.raw;
    return a.str(id_field);
  }
  std::string Acl(const std::string& ip = "198.51.100.0/24") {
    return Create("IPAccessControlList", {{"name", "office"}, {"ip_addresses", json::array{ip}}},
                  "ipacl_uuid");
  }
  std::string Cred(const std::string& username = "sipuser1") {
    return Create("Credential",
                  {{"name", "pbx"}, {"username", username}, {"password", "Secr3t!pw"}},
                  "credential_uuid");
  }
  std::string UriRes(const std::string& uri = "sip.example.com:5060") {
    return Create("URI", {{"name", "pbx"}, {"uri", uri}}, "uri_uuid");
  }
  std::string Trunk(const json::object& body) { return Create("Trunk", body, "trunk_id"); }
  std::string Outbound(const std::string& name = "out") {
    return Trunk({{"name", name}, {"trunk_direction", "outbound"}, {"ipacl_uuid", Acl()}});
  }
  std::string Inbound(const std::string& name = "in") {
    return Trunk({{"name", name}, {"trunk_direction", "inbound"}, {"primary_uri_uuid", UriRes()}});
  }

  // A create that must be refused: its body, the status, and the field the error names.
  struct Refusal {
    json::object body;
    int status;
    std::string field;
  };
  // Posts each body to Zentrunk/<collection>/ and checks the refusal; nothing is created.
  void ExpectRefused(const std::string& collection, const std::vector<Refusal>& cases) {
    for (const Refusal& c : cases) {
      const Answer a = Zt("POST", collection + "/", c.body);
      EXPECT_EQ(a.status, c.status) << json::serialize(c.body);
      EXPECT_THAT(a.error(), HasSubstr(c.field)) << json::serialize(c.body);
    }
    EXPECT_EQ(Zt("GET", collection + "/").obj().at("meta").at("total_count").as_int64(), 0);
  }

  // Reads a trunk whatever the GET shape (wrapped under "object" or flat).
  json::object GetTrunk(const std::string& id) {
    Answer a = Zt("GET", "Trunk/" + id + "/");
    EXPECT_EQ(a.status, 200) << a.raw;
    if (!a.body.is_object()) return {};
    const json::value* wrapped = a.obj().if_contains("object");
    return wrapped != nullptr ? wrapped->as_object() : a.obj();
  }

  PlivoApi api;
  std::string base;
  std::vector<std::string> seen_bodies;

 private:
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Client> client_;
};

PlivoOptions Options(bool quirks, uint64_t seed = 1) {
  return PlivoOptions{{{kAuthId, kToken}, {kOtherId, kOtherToken}}, quirks, seed};
}

class PlivoTest : public ::testing::Test {
 protected:
  Emulator e{Options(/*quirks=*/true)};
};

class PlivoDocumentedTest : public ::testing::Test {
 protected:
  Emulator e{Options(/*quirks=*/false)};
};

// ---- Authentication and routing ----

TEST_F(PlivoTest, RequestsWithoutValidCredentialsAre401WithAnApiIdAndError) {
  const std::string path = std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/";
  const Answer none = e.Raw("GET", path, "", "");
  const Answer wrong_token = e.Raw("GET", path, "", testing::Basic(kAuthId, "nope"));
  const Answer unknown_account = e.Raw("GET", path, "", testing::Basic("MAZZZ", kToken));
  const Answer garbage = e.Raw("GET", path, "", "Bearer abc");
  for (const Answer* a : {&none, &wrong_token, &unknown_account, &garbage}) {
    EXPECT_EQ(a->status, 401) << a->raw;
    EXPECT_THAT(a->str("api_id"), MatchesRegex(kUuidRegex));
    EXPECT_FALSE(a->error().empty()) << a->raw;
    EXPECT_FALSE(a->obj().contains("objects"));
  }
}

TEST_F(PlivoTest, AnotherAccountsAuthIdInThePathIs401) {
  const std::string trunk = e.Outbound();
  const std::string other_auth = testing::Basic(kOtherId, kOtherToken);
  const std::string a_paths[] = {
      std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/",
      std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/" + trunk + "/"};
  for (const std::string& path : a_paths) {
    const Answer a = e.Raw("GET", path, "", other_auth);
    EXPECT_EQ(a.status, 401) << path;
    EXPECT_THAT(a.error(), HasSubstr("auth_id"));
  }
  // Under its own auth_id the other account sees none of the first account's trunks.
  const std::string own = std::string("/v1/Account/") + kOtherId + "/Zentrunk/Trunk/";
  const Answer list = e.Raw("GET", own, "", other_auth);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.obj().at("meta").at("total_count").as_int64(), 0);
  EXPECT_EQ(e.Raw("GET", own + trunk + "/", "", other_auth).status, 404);
}

TEST_F(PlivoTest, PathsWithoutTrailingSlashOrWithWrongSpellingAre404) {
  e.Outbound();
  EXPECT_EQ(e.Zt("GET", "Trunk").status, 404);
  EXPECT_EQ(e.Zt("POST", "Trunk", json::object{{"trunk_direction", "inbound"}}).status, 404);
  EXPECT_EQ(e.Zt("GET", "IpAccessControlList/").status, 404);
  EXPECT_EQ(e.Zt("GET", "CredentialsList/").status, 404);
  EXPECT_EQ(e.Zt("GET", "trunk/").status, 404);
  EXPECT_EQ(e.Send("GET", "Trunk/").status, 404);
  const Answer a = e.Zt("GET", "Trunk/1/2/");
  EXPECT_EQ(a.status, 404);
  EXPECT_FALSE(a.error().empty());
  EXPECT_EQ(e.Zt("GET", "Trunk/").status, 200);
}

TEST_F(PlivoTest, WrongVerbsAre405) {
  const std::string trunk = e.Outbound();
  EXPECT_EQ(e.Zt("DELETE", "Trunk/").status, 405);
  EXPECT_EQ(e.Zt("PUT", "Trunk/" + trunk + "/", json::object{}).status, 405);
  EXPECT_EQ(e.Zt("PATCH", "Credential/" + e.Cred() + "/", json::object{}).status, 405);
  EXPECT_EQ(e.Send("DELETE", "Number/15105550100/").status, 405);
  // The refused verbs changed nothing.
  EXPECT_EQ(e.GetTrunk(trunk).at("trunk_id").as_string(), trunk);
}

TEST_F(PlivoTest, UnknownIdsAre404ForEveryResource) {
  for (const char* collection : {"Trunk", "Credential", "IPAccessControlList", "URI"}) {
    for (const char* method : {"GET", "POST", "DELETE"}) {
      const Answer a = e.Zt(method, std::string(collection) + "/123456789012345/",
                            json::object{{"trunk_direction", "outbound"}});
      EXPECT_EQ(a.status, 404) << collection << " " << method;
      EXPECT_THAT(a.error(), HasSubstr("123456789012345"));
    }
  }
}

TEST_F(PlivoTest, ABodyThatIsNotAJsonObjectIs400) {
  const std::string auth = testing::Basic(kAuthId, kToken);
  const std::string path = std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/";
  const Answer form = e.Raw("POST", path, "trunk_direction=outbound", auth);
  EXPECT_EQ(form.status, 400);
  EXPECT_THAT(form.error(), HasSubstr("JSON"));
  EXPECT_EQ(e.Raw("POST", path, "[1,2]", auth).status, 400);
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 0);
}

// ---- Credential ----

TEST_F(PlivoTest, CredentialCreateGetListUpdateDelete) {
  const Answer created =
      e.Zt("POST", "Credential/",
           json::object{{"name", "pbx"}, {"username", "sip_user_1"}, {"password", "Secr3t!pw"}});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.str("message"), "credential created successfully.");
  EXPECT_THAT(created.str("api_id"), MatchesRegex(kUuidRegex));
  const std::string id = created.str("credential_uuid");
  EXPECT_THAT(id, MatchesRegex(kUuidRegex));

  const Answer got = e.Zt("GET", "Credential/" + id + "/");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(S(got.obj().at("credential_uuid")), id);
  EXPECT_EQ(S(got.obj().at("name")), "pbx");
  EXPECT_EQ(S(got.obj().at("username")), "sip_user_1");
  EXPECT_FALSE(got.obj().contains("password"));

  const Answer list = e.Zt("GET", "Credential/");
  EXPECT_EQ(list.status, 200);
  ASSERT_EQ(list.obj().at("objects").as_array().size(), 1u);
  EXPECT_EQ(S(list.obj().at("objects").as_array()[0].at("username")), "sip_user_1");

  const Answer updated =
      e.Zt("POST", "Credential/" + id + "/",
           json::object{{"name", "pbx2"}, {"username", "sipuser2"}, {"password", "N3w!pass"}});
  EXPECT_EQ(updated.status, 202);
  EXPECT_EQ(updated.str("message"), "Credential updated successfully.");
  EXPECT_EQ(updated.str("credential_uuid"), id);
  const Answer reread = e.Zt("GET", "Credential/" + id + "/");
  EXPECT_EQ(S(reread.obj().at("name")), "pbx2");
  EXPECT_EQ(S(reread.obj().at("username")), "sipuser2");

  const Answer deleted = e.Zt("DELETE", "Credential/" + id + "/");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.raw, "");
  EXPECT_EQ(e.Zt("GET", "Credential/" + id + "/").status, 404);
  EXPECT_EQ(e.Zt("DELETE", "Credential/" + id + "/").status, 404);
}

TEST_F(PlivoTest, CredentialCreateValidation) {
  e.ExpectRefused(
      "Credential",
      {
          {{{"password", "Secr3t!pw"}}, 422, "username"},
          {{{"username", "sipuser1"}}, 422, "password"},
          {{{"username", "abc"}, {"password", "Secr3t!pw"}}, 400, "username"},
          {{{"username", "sip user 1"}, {"password", "Secr3t!pw"}}, 400, "username"},
          {{{"username", "sipuser1"}, {"password", "NoSpecial1"}}, 400, "password"},
          {{{"username", "sipuser1"}, {"password", "a!b"}}, 400, "password"},
          {{{"username", "sipuser1"}, {"password", "Waytoolongpassword!!!"}}, 400, "password"},
          {{{"username", 12345}, {"password", "Secr3t!pw"}}, 400, "username"},
      });
}

TEST_F(PlivoTest, CredentialUpdateMustRestateUsernameAndPasswordLive) {
  const std::string id = e.Cred();
  const Answer name_only = e.Zt("POST", "Credential/" + id + "/", json::object{{"name", "x"}});
  EXPECT_EQ(name_only.status, 400);
  EXPECT_THAT(name_only.error(), HasSubstr("username"));
  const Answer no_password =
      e.Zt("POST", "Credential/" + id + "/", json::object{{"username", "sipuser1"}, {"name", "x"}});
  EXPECT_EQ(no_password.status, 400);
  EXPECT_THAT(no_password.error(), HasSubstr("password"));
  EXPECT_EQ(S(e.Zt("GET", "Credential/" + id + "/").obj().at("name")), "pbx");
}

TEST_F(PlivoDocumentedTest, CredentialUpdateIsPartial) {
  const std::string id = e.Cred();
  const Answer a = e.Zt("POST", "Credential/" + id + "/", json::object{{"name", "renamed"}});
  EXPECT_EQ(a.status, 202) << a.raw;
  const Answer got = e.Zt("GET", "Credential/" + id + "/");
  EXPECT_EQ(S(got.obj().at("name")), "renamed");
  EXPECT_EQ(S(got.obj().at("username")), "sipuser1");
  // Values are still checked when present.
  const Answer bad = e.Zt("POST", "Credential/" + id + "/", json::object{{"password", "weak"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.error(), HasSubstr("password"));
}

// ---- IP access control list ----

TEST_F(PlivoTest, IpAclCreateGetListUpdateDelete) {
  const Answer created =
      e.Zt("POST", "IPAccessControlList/",
           json::object{
               {"name", "office"},
               {"ip_addresses", json::array{"192.168.0.1", "198.51.100.0/24", "2001:db8::/32"}}});
  EXPECT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.str("message"), "IP access control list created successfully.");
  const std::string id = created.str("ipacl_uuid");
  EXPECT_THAT(id, MatchesRegex(kUuidRegex));

  const Answer got = e.Zt("GET", "IPAccessControlList/" + id + "/");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(S(got.obj().at("ipacl_uuid")), id);
  EXPECT_EQ(S(got.obj().at("name")), "office");
  EXPECT_EQ(got.obj().at("ip_addresses"),
            (json::array{"192.168.0.1", "198.51.100.0/24", "2001:db8::/32"}));
  EXPECT_EQ(e.Zt("GET", "IPAccessControlList/").obj().at("objects").as_array().size(), 1u);

  // ip_addresses replaces the whole list; a name-only update leaves it alone.
  const Answer updated = e.Zt("POST", "IPAccessControlList/" + id + "/",
                              json::object{{"ip_addresses", json::array{"203.0.113.7"}}});
  EXPECT_EQ(updated.status, 202);
  EXPECT_EQ(updated.str("message"), "IP access control list updated successfully.");
  EXPECT_EQ(updated.str("ipacl_uuid"), id);
  EXPECT_EQ(e.Zt("POST", "IPAccessControlList/" + id + "/", json::object{{"name", "home"}}).status,
            202);
  const Answer reread = e.Zt("GET", "IPAccessControlList/" + id + "/");
  EXPECT_EQ(reread.obj().at("ip_addresses"), (json::array{"203.0.113.7"}));
  EXPECT_EQ(S(reread.obj().at("name")), "home");

  EXPECT_EQ(e.Zt("DELETE", "IPAccessControlList/" + id + "/").status, 204);
  EXPECT_EQ(e.Zt("GET", "IPAccessControlList/" + id + "/").status, 404);
}

TEST_F(PlivoTest, IpAclValidation) {
  struct Case {
    json::object body;
    int status;
  };
  const Case cases[] = {
      {{{"name", "x"}}, 422},
      {{{"ip_addresses", json::array{}}}, 422},
      {{{"ip_addresses", "192.168.0.1"}}, 400},
      {{{"ip_addresses", json::array{"192.168.0.1,10.0.0.1"}}}, 400},
      {{{"ip_addresses", json::array{"300.1.1.1"}}}, 400},
      {{{"ip_addresses", json::array{"10.0.0.0/33"}}}, 400},
      {{{"ip_addresses", json::array{7}}}, 400},
  };
  for (const Case& c : cases) {
    const Answer a = e.Zt("POST", "IPAccessControlList/", c.body);
    EXPECT_EQ(a.status, c.status) << json::serialize(c.body);
    EXPECT_THAT(a.error(), HasSubstr("ip_addresses")) << json::serialize(c.body);
  }
  const std::string id = e.Acl();
  const Answer emptied = e.Zt("POST", "IPAccessControlList/" + id + "/",
                              json::object{{"ip_addresses", json::array{}}});
  EXPECT_EQ(emptied.status, 400);
  EXPECT_THAT(emptied.error(), HasSubstr("ip_addresses"));
  EXPECT_EQ(e.Zt("GET", "IPAccessControlList/").obj().at("meta").at("total_count").as_int64(), 1);
}

// ---- Origination URI ----

TEST_F(PlivoTest, UriCreateGetListUpdateDelete) {
  const Answer created =
      e.Zt("POST", "URI/", json::object{{"name", "pbx"}, {"uri", "sip.example.com:5060"}});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.str("message"), "Origination URI created successfully.");
  const std::string id = created.str("uri_uuid");
  EXPECT_THAT(id, MatchesRegex(kUuidRegex));

  const Answer got = e.Zt("GET", "URI/" + id + "/");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(S(got.obj().at("uri_uuid")), id);
  EXPECT_EQ(S(got.obj().at("uri")), "sip.example.com:5060");
  EXPECT_EQ(got.obj().at("authentication_needed"), false);
  EXPECT_TRUE(got.obj().at("username").is_null());
  EXPECT_EQ(e.Zt("GET", "URI/").obj().at("objects").as_array().size(), 1u);

  const Answer updated = e.Zt("POST", "URI/" + id + "/",
                              json::object{{"uri", "sip.rtc.example.io:5061;transport=tls"},
                                           {"authentication_needed", true},
                                           {"username", "pbxuser"},
                                           {"password", "Pbx!pass1"}});
  EXPECT_EQ(updated.status, 202) << updated.raw;
  EXPECT_EQ(updated.str("message"), "origination uri updated successfully.");
  EXPECT_EQ(updated.str("uri_uuid"), id);
  const Answer reread = e.Zt("GET", "URI/" + id + "/");
  EXPECT_EQ(S(reread.obj().at("uri")), "sip.rtc.example.io:5061;transport=tls");
  EXPECT_EQ(reread.obj().at("authentication_needed"), true);
  EXPECT_EQ(S(reread.obj().at("username")), "pbxuser");
  EXPECT_FALSE(reread.obj().contains("password"));

  EXPECT_EQ(e.Zt("DELETE", "URI/" + id + "/").status, 204);
  EXPECT_EQ(e.Zt("GET", "URI/" + id + "/").status, 404);
}

TEST_F(PlivoTest, UriValidation) {
  e.ExpectRefused(
      "URI",
      {
          {{{"name", "x"}}, 422, "uri"},
          {{{"uri", "   "}}, 400, "uri"},
          {{{"uri", "sip example.com"}}, 400, "uri"},
          {{{"uri", "sip.example.com"}, {"authentication_needed", true}, {"password", "P!ass1"}},
           422,
           "username"},
          {{{"uri", "sip.example.com"}, {"authentication_needed", true}, {"username", "u1234"}},
           422,
           "password"},
          {{{"uri", "sip.example.com"}, {"authentication_needed", "yes"}},
           400,
           "authentication_needed"},
      });
}

TEST_F(PlivoTest, UriPasswordChangeMustRestateAuthenticationAndUsernameLive) {
  const std::string id = e.Create("URI",
                                  {{"uri", "sip.example.com"},
                                   {"authentication_needed", true},
                                   {"username", "pbxuser"},
                                   {"password", "Pbx!pass1"}},
                                  "uri_uuid");
  const Answer bare = e.Zt("POST", "URI/" + id + "/", json::object{{"password", "Pbx!pass2"}});
  EXPECT_EQ(bare.status, 400);
  EXPECT_THAT(bare.error(), HasSubstr("authentication_needed"));
  const Answer no_user =
      e.Zt("POST", "URI/" + id + "/",
           json::object{{"password", "Pbx!pass2"}, {"authentication_needed", true}});
  EXPECT_EQ(no_user.status, 400);
  EXPECT_THAT(no_user.error(), HasSubstr("username"));
  const Answer full = e.Zt(
      "POST", "URI/" + id + "/",
      json::object{
          {"password", "Pbx!pass2"}, {"authentication_needed", true}, {"username", "pbxuser"}});
  EXPECT_EQ(full.status, 202);
}

TEST_F(PlivoDocumentedTest, UriUpdateIsPartialAndTurningAuthOffDropsTheUsername) {
  const std::string id = e.Create("URI",
                                  {{"uri", "sip.example.com"},
                                   {"authentication_needed", true},
                                   {"username", "pbxuser"},
                                   {"password", "Pbx!pass1"}},
                                  "uri_uuid");
  EXPECT_EQ(e.Zt("POST", "URI/" + id + "/", json::object{{"password", "Pbx!pass2"}}).status, 202);
  EXPECT_EQ(S(e.Zt("GET", "URI/" + id + "/").obj().at("username")), "pbxuser");
  EXPECT_EQ(e.Zt("POST", "URI/" + id + "/", json::object{{"authentication_needed", false}}).status,
            202);
  const Answer got = e.Zt("GET", "URI/" + id + "/");
  EXPECT_EQ(got.obj().at("authentication_needed"), false);
  EXPECT_TRUE(got.obj().at("username").is_null());
  // Turning it back on needs the login again.
  const Answer again =
      e.Zt("POST", "URI/" + id + "/", json::object{{"authentication_needed", true}});
  EXPECT_EQ(again.status, 422);
  EXPECT_THAT(again.error(), HasSubstr("username"));
}

// ---- Trunk ----

TEST_F(PlivoTest, TrunkLifecycleWithLiveQuirks) {
  const std::string acl = e.Acl();
  const Answer created = e.Zt(
      "POST", "Trunk/",
      json::object{
          {"name", "sbc"}, {"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {"secure", true}});
  EXPECT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.str("message"), "Trunk created successfully.");
  const std::string id = created.str("trunk_id");
  EXPECT_THAT(id, MatchesRegex("[1-9][0-9]{13,17}"));
  EXPECT_FALSE(created.obj().contains("trunk_domain"));  // live: read it back

  const Answer got = e.Zt("GET", "Trunk/" + id + "/");
  EXPECT_EQ(got.status, 200);
  EXPECT_THAT(got.str("api_id"), MatchesRegex(kUuidRegex));
  ASSERT_TRUE(got.obj().contains("object")) << got.raw;
  EXPECT_FALSE(got.obj().contains("trunk_id"));
  const json::object& t = got.obj().at("object").as_object();
  EXPECT_EQ(S(t.at("trunk_id")), id);
  EXPECT_EQ(S(t.at("trunk_domain")), id + ".zt.plivo.com");
  EXPECT_EQ(S(t.at("name")), "sbc");
  EXPECT_EQ(S(t.at("trunk_status")), "enabled");
  EXPECT_EQ(S(t.at("trunk_direction")), "outbound");
  EXPECT_EQ(t.at("secure"), true);
  EXPECT_EQ(S(t.at("ipacl_uuid")), acl);
  EXPECT_TRUE(t.at("credential_uuid").is_null());
  EXPECT_TRUE(t.at("primary_uri_uuid").is_null());
  EXPECT_TRUE(t.at("fallback_uri_uuid").is_null());

  const Answer list = e.Zt("GET", "Trunk/");
  ASSERT_EQ(list.obj().at("objects").as_array().size(), 1u);
  EXPECT_EQ(S(list.obj().at("objects").as_array()[0].at("trunk_domain")), id + ".zt.plivo.com");

  const Answer no_direction = e.Zt("POST", "Trunk/" + id + "/", json::object{{"name", "renamed"}});
  EXPECT_EQ(no_direction.status, 400);
  EXPECT_THAT(no_direction.error(), HasSubstr("trunk_direction"));
  EXPECT_EQ(S(e.GetTrunk(id).at("name")), "sbc");

  const Answer updated =
      e.Zt("POST", "Trunk/" + id + "/",
           json::object{
               {"name", "renamed"}, {"trunk_direction", "outbound"}, {"trunk_status", "disabled"}});
  EXPECT_EQ(updated.status, 202);
  EXPECT_EQ(updated.str("message"), "Trunk updated successfully.");
  EXPECT_EQ(updated.str("trunk_id"), id);
  const json::object after = e.GetTrunk(id);
  EXPECT_EQ(S(after.at("name")), "renamed");
  EXPECT_EQ(S(after.at("trunk_status")), "disabled");
  EXPECT_EQ(after.at("secure"), true);  // omitted, so untouched
  EXPECT_EQ(S(after.at("ipacl_uuid")), acl);

  const Answer deleted = e.Zt("DELETE", "Trunk/" + id + "/");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.raw, "");
  EXPECT_EQ(e.Zt("GET", "Trunk/" + id + "/").status, 404);
}

TEST_F(PlivoDocumentedTest, TrunkShapesAsDocumented) {
  const std::string cred = e.Cred();
  const Answer created = e.Zt(
      "POST", "Trunk/", json::object{{"trunk_direction", "outbound"}, {"credential_uuid", cred}});
  EXPECT_EQ(created.status, 201);
  const std::string id = created.str("trunk_id");
  EXPECT_EQ(created.str("trunk_domain"), id + ".zt.plivo.com");

  const Answer got = e.Zt("GET", "Trunk/" + id + "/");
  EXPECT_EQ(got.status, 200);
  EXPECT_FALSE(got.obj().contains("object"));
  EXPECT_EQ(S(got.obj().at("trunk_id")), id);
  EXPECT_EQ(S(got.obj().at("trunk_domain")), id + ".zt.plivo.com");
  EXPECT_EQ(got.obj().at("secure"), false);
  EXPECT_EQ(S(got.obj().at("credential_uuid")), cred);

  // Partial update without trunk_direction; secure:false is a real change, not "absent".
  EXPECT_EQ(e.Zt("POST", "Trunk/" + id + "/", json::object{{"secure", true}}).status, 202);
  EXPECT_EQ(e.GetTrunk(id).at("secure"), true);
  EXPECT_EQ(e.Zt("POST", "Trunk/" + id + "/", json::object{{"name", "n"}}).status, 202);
  EXPECT_EQ(e.GetTrunk(id).at("secure"), true);
  EXPECT_EQ(e.Zt("POST", "Trunk/" + id + "/", json::object{{"secure", false}}).status, 202);
  const json::object after = e.GetTrunk(id);
  EXPECT_EQ(after.at("secure"), false);
  EXPECT_EQ(S(after.at("name")), "n");
  EXPECT_EQ(S(after.at("trunk_direction")), "outbound");
}

TEST_F(PlivoTest, QuirksCanBeSwitchedAtRunTime) {
  EXPECT_TRUE(e.api.quirks());
  const std::string id = e.Outbound();
  EXPECT_TRUE(e.Zt("GET", "Trunk/" + id + "/").obj().contains("object"));
  e.api.set_quirks(false);
  EXPECT_FALSE(e.api.quirks());
  EXPECT_FALSE(e.Zt("GET", "Trunk/" + id + "/").obj().contains("object"));
  EXPECT_EQ(e.Zt("POST", "Trunk/" + id + "/", json::object{{"name", "x"}}).status, 202);
  EXPECT_EQ(e.api.Dump().at("quirks"), false);
}

TEST_F(PlivoTest, TrunkCreateFieldValidation) {
  const std::string acl = e.Acl();
  e.ExpectRefused(
      "Trunk",
      {
          {{{"name", "x"}, {"ipacl_uuid", acl}}, 422, "trunk_direction"},
          {{{"trunk_direction", "both"}, {"ipacl_uuid", acl}}, 400, "trunk_direction"},
          {{{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {"trunk_status", "on"}},
           400,
           "trunk_status"},
          {{{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {"secure", "true"}},
           400,
           "secure"},
          {{{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {"name", 5}}, 400, "name"},
          {{{"trunk_direction", "outbound"}, {"ipacl_uuid", 5}}, 400, "ipacl_uuid"},
      });
}

// ---- Direction and cross-resource rules (docs/plivo.md §4.3, §4.8, §9) ----

TEST_F(PlivoTest, OutboundTrunksNeedAnIpAclOrACredentialOrBoth) {
  const std::string acl = e.Acl();
  const std::string cred = e.Cred();
  EXPECT_FALSE(e.Trunk({{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}}).empty());
  EXPECT_FALSE(e.Trunk({{"trunk_direction", "outbound"}, {"credential_uuid", cred}}).empty());
  EXPECT_FALSE(
      e.Trunk({{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {"credential_uuid", cred}})
          .empty());
  const Answer neither =
      e.Zt("POST", "Trunk/", json::object{{"name", "x"}, {"trunk_direction", "outbound"}});
  EXPECT_EQ(neither.status, 422);
  EXPECT_THAT(neither.error(), AllOf(HasSubstr("ipacl_uuid"), HasSubstr("credential_uuid")));
  const Answer nulls =
      e.Zt("POST", "Trunk/",
           json::object{
               {"trunk_direction", "outbound"}, {"ipacl_uuid", nullptr}, {"credential_uuid", ""}});
  EXPECT_EQ(nulls.status, 422);
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 3);
}

TEST_F(PlivoTest, OutboundTrunksTakeNoOriginationUris) {
  const std::string acl = e.Acl();
  const std::string uri = e.UriRes();
  for (const char* field : {"primary_uri_uuid", "fallback_uri_uuid"}) {
    const Answer a =
        e.Zt("POST", "Trunk/",
             json::object{{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {field, uri}});
    EXPECT_EQ(a.status, 400) << field;
    EXPECT_THAT(a.error(), HasSubstr(field));
  }
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 0);
}

TEST_F(PlivoTest, InboundTrunksNeedAPrimaryUriAndMayHaveAFallback) {
  const std::string primary = e.UriRes("pbx1.example.com");
  const std::string fallback = e.UriRes("pbx2.example.com");
  const std::string plain =
      e.Trunk({{"trunk_direction", "inbound"}, {"primary_uri_uuid", primary}});
  const std::string with_fallback = e.Trunk({{"trunk_direction", "inbound"},
                                             {"primary_uri_uuid", primary},
                                             {"fallback_uri_uuid", fallback}});
  EXPECT_EQ(S(e.GetTrunk(with_fallback).at("fallback_uri_uuid")), fallback);
  EXPECT_TRUE(e.GetTrunk(plain).at("fallback_uri_uuid").is_null());
  EXPECT_TRUE(e.GetTrunk(plain).at("ipacl_uuid").is_null());

  const Answer no_primary =
      e.Zt("POST", "Trunk/",
           json::object{{"trunk_direction", "inbound"}, {"fallback_uri_uuid", fallback}});
  EXPECT_EQ(no_primary.status, 422);
  EXPECT_THAT(no_primary.error(), HasSubstr("primary_uri_uuid"));
}

TEST_F(PlivoTest, InboundTrunksTakeNoOutboundAuthentication) {
  const std::string uri = e.UriRes();
  const std::pair<const char*, std::string> refs[] = {{"ipacl_uuid", e.Acl()},
                                                      {"credential_uuid", e.Cred()}};
  for (const auto& [field, uuid] : refs) {
    const Answer a = e.Zt(
        "POST", "Trunk/",
        json::object{{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}, {field, uuid}});
    EXPECT_EQ(a.status, 400) << field;
    EXPECT_THAT(a.error(), HasSubstr(field));
  }
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 0);
}

TEST_F(PlivoTest, ReferencedUuidsMustExist) {
  const std::string acl = e.Acl();
  const std::string uri = e.UriRes();
  const std::string ghost = "00000000-0000-4000-8000-000000000000";
  struct Case {
    json::object body;
    std::string field;
  };
  const Case cases[] = {
      {{{"trunk_direction", "outbound"}, {"ipacl_uuid", ghost}}, "ipacl_uuid"},
      {{{"trunk_direction", "outbound"}, {"credential_uuid", ghost}}, "credential_uuid"},
      {{{"trunk_direction", "inbound"}, {"primary_uri_uuid", ghost}}, "primary_uri_uuid"},
      {{{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}, {"fallback_uri_uuid", ghost}},
       "fallback_uri_uuid"},
      // A uuid of the wrong kind of resource does not count.
      {{{"trunk_direction", "outbound"}, {"ipacl_uuid", uri}}, "ipacl_uuid"},
  };
  for (const Case& c : cases) {
    const Answer a = e.Zt("POST", "Trunk/", c.body);
    EXPECT_EQ(a.status, 404) << json::serialize(c.body);
    EXPECT_THAT(a.error(), HasSubstr(c.field)) << json::serialize(c.body);
  }
  // Another account's resources do not count either.
  const std::string other_auth = testing::Basic(kOtherId, kOtherToken);
  const Answer cross =
      e.Raw("POST", std::string("/v1/Account/") + kOtherId + "/Zentrunk/Trunk/",
            json::serialize(json::object{{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}}),
            other_auth);
  EXPECT_EQ(cross.status, 404);
  EXPECT_THAT(cross.error(), HasSubstr("ipacl_uuid"));
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 0);
}

TEST_F(PlivoTest, TrunkUpdatesAreHeldToTheSameRules) {
  const std::string uri = e.UriRes();
  const std::string fallback = e.UriRes("pbx2.example.com");
  const std::string acl = e.Acl();
  const std::string id = e.Trunk(
      {{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}, {"fallback_uri_uuid", fallback}});
  auto update = [&](json::object body) { return e.Zt("POST", "Trunk/" + id + "/", body); };

  Answer a = update({{"trunk_direction", "inbound"}, {"trunk_status", "off"}});
  EXPECT_EQ(a.status, 400);
  EXPECT_THAT(a.error(), HasSubstr("trunk_status"));
  a = update({{"trunk_direction", "inbound"}, {"ipacl_uuid", acl}});
  EXPECT_EQ(a.status, 400);
  EXPECT_THAT(a.error(), HasSubstr("ipacl_uuid"));
  a = update({{"trunk_direction", "inbound"}, {"primary_uri_uuid", nullptr}});
  EXPECT_EQ(a.status, 422);
  EXPECT_THAT(a.error(), HasSubstr("primary_uri_uuid"));
  a = update({{"trunk_direction", "inbound"}, {"fallback_uri_uuid", "nope"}});
  EXPECT_EQ(a.status, 404);
  EXPECT_THAT(a.error(), HasSubstr("fallback_uri_uuid"));
  // Switching to outbound drops the URIs but needs outbound authentication.
  a = update({{"trunk_direction", "outbound"}});
  EXPECT_EQ(a.status, 422);
  EXPECT_THAT(a.error(), HasSubstr("ipacl_uuid"));
  a = update({{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}, {"primary_uri_uuid", uri}});
  EXPECT_EQ(a.status, 400);
  EXPECT_THAT(a.error(), HasSubstr("primary_uri_uuid"));
  EXPECT_EQ(S(e.GetTrunk(id).at("trunk_direction")), "inbound");  // every refusal changed nothing

  EXPECT_EQ(update({{"trunk_direction", "inbound"}, {"fallback_uri_uuid", nullptr}}).status, 202);
  EXPECT_TRUE(e.GetTrunk(id).at("fallback_uri_uuid").is_null());
  EXPECT_EQ(update({{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}}).status, 202);
  const json::object t = e.GetTrunk(id);
  EXPECT_EQ(S(t.at("trunk_direction")), "outbound");
  EXPECT_EQ(S(t.at("ipacl_uuid")), acl);
  EXPECT_TRUE(t.at("primary_uri_uuid").is_null());
}

TEST_F(PlivoTest, DeletingAUriInUseDeletesItsTrunksLive) {
  const std::string uri = e.UriRes();
  const std::string other_uri = e.UriRes("pbx2.example.com");
  const std::string as_primary =
      e.Trunk({{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}});
  const std::string as_fallback = e.Trunk({{"trunk_direction", "inbound"},
                                           {"primary_uri_uuid", other_uri},
                                           {"fallback_uri_uuid", uri}});
  const std::string unrelated =
      e.Trunk({{"trunk_direction", "inbound"}, {"primary_uri_uuid", other_uri}});
  EXPECT_EQ(e.Zt("DELETE", "URI/" + uri + "/").status, 204);
  EXPECT_EQ(e.Zt("GET", "Trunk/" + as_primary + "/").status, 404);
  EXPECT_EQ(e.Zt("GET", "Trunk/" + as_fallback + "/").status, 404);
  EXPECT_EQ(e.Zt("GET", "Trunk/" + unrelated + "/").status, 200);
}

TEST_F(PlivoDocumentedTest, DeletingResourcesInUseLeavesTheTrunkPointingAtNothing) {
  const std::string uri = e.UriRes();
  const std::string acl = e.Acl();
  const std::string inbound = e.Trunk({{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}});
  const std::string outbound = e.Trunk({{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}});
  EXPECT_EQ(e.Zt("DELETE", "URI/" + uri + "/").status, 204);
  EXPECT_EQ(e.Zt("DELETE", "IPAccessControlList/" + acl + "/").status, 204);
  EXPECT_EQ(S(e.GetTrunk(inbound).at("primary_uri_uuid")), uri);
  EXPECT_EQ(S(e.GetTrunk(outbound).at("ipacl_uuid")), acl);
  // Naming the deleted one again is refused.
  const Answer a = e.Zt("POST", "Trunk/" + outbound + "/", json::object{{"ipacl_uuid", acl}});
  EXPECT_EQ(a.status, 404);
  EXPECT_THAT(a.error(), HasSubstr("ipacl_uuid"));
}

// ---- Number routing (docs/plivo.md §8) ----

TEST_F(PlivoTest, NumbersRouteToTrunksAndAnOutboundOneIsAcceptedAsLiveDoes) {
  const std::string inbound = e.Inbound();
  const std::string outbound = e.Outbound();

  const Answer routed = e.Send("POST", "Number/15105550100/", json::object{{"app_id", inbound}});
  EXPECT_EQ(routed.status, 202) << routed.raw;
  EXPECT_EQ(routed.str("message"), "changed");
  EXPECT_THAT(routed.str("api_id"), MatchesRegex(kUuidRegex));
  const Answer number = e.Send("GET", "Number/15105550100/");
  EXPECT_EQ(number.status, 200);
  EXPECT_EQ(S(number.obj().at("number")), "15105550100");
  EXPECT_EQ(S(number.obj().at("application")),
            std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/" + inbound + "/");

  const Answer to_outbound =
      e.Send("POST", "Number/15105550101/", json::object{{"app_id", outbound}});
  EXPECT_EQ(to_outbound.status, 202) << to_outbound.raw;
  EXPECT_EQ(S(e.Send("GET", "Number/15105550101/").obj().at("application")),
            std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/" + outbound + "/");
  const Answer to_nothing =
      e.Send("POST", "Number/15105550100/", json::object{{"app_id", "99999999999999"}});
  EXPECT_EQ(to_nothing.status, 404);
  EXPECT_THAT(to_nothing.error(), HasSubstr("app_id"));
  EXPECT_EQ(S(e.Send("GET", "Number/15105550100/").obj().at("application")),
            S(number.obj().at("application")));  // the refusal changed nothing
  EXPECT_EQ(e.Send("POST", "Number/+15105550100/", json::object{{"app_id", inbound}}).status, 404);
}

TEST_F(PlivoTest, DeletingATrunkUnroutesItsNumbers) {
  const std::string keep = e.Inbound("keep");
  const std::string doomed = e.Inbound("doomed");
  EXPECT_EQ(e.Send("POST", "Number/15105550100/", json::object{{"app_id", doomed}}).status, 202);
  EXPECT_EQ(e.Send("POST", "Number/15105550102/", json::object{{"app_id", keep}}).status, 202);
  EXPECT_EQ(e.Zt("DELETE", "Trunk/" + doomed + "/").status, 204);
  EXPECT_TRUE(e.Send("GET", "Number/15105550100/").obj().at("application").is_null());
  EXPECT_THAT(e.Send("GET", "Number/15105550102/").obj().at("application").as_string().c_str(),
              HasSubstr(keep));
}

// ---- Lists ----

TEST_F(PlivoTest, PagingVisitsEachOf45TrunksExactlyOnce) {
  const std::string acl = e.Acl();
  std::set<std::string> created;
  for (int i = 0; i < 45; ++i) {
    created.insert(e.Trunk(
        {{"name", "t" + std::to_string(i)}, {"trunk_direction", "outbound"}, {"ipacl_uuid", acl}}));
  }
  ASSERT_EQ(created.size(), 45u);
  const std::string prefix = std::string("v1/Account/") + kAuthId + "/Zentrunk/Trunk/";

  std::multiset<std::string> seen;
  const size_t expected_sizes[] = {20, 20, 5};
  for (int page = 0; page < 3; ++page) {
    const int offset = page * 20;
    const Answer a = e.Zt("GET", "Trunk/?limit=20&offset=" + std::to_string(offset));
    ASSERT_EQ(a.status, 200) << a.raw;
    const json::object& meta = a.obj().at("meta").as_object();
    EXPECT_EQ(meta.at("limit").as_int64(), 20);
    EXPECT_EQ(meta.at("offset").as_int64(), offset);
    EXPECT_EQ(meta.at("total_count").as_int64(), 45);
    if (offset == 0) {
      EXPECT_TRUE(meta.at("previous").is_null());
    } else {
      EXPECT_EQ(S(meta.at("previous")), prefix + "?limit=20&offset=" + std::to_string(offset - 20));
    }
    if (offset == 40) {
      EXPECT_TRUE(meta.at("next").is_null());
    } else {
      EXPECT_EQ(S(meta.at("next")), prefix + "?limit=20&offset=" + std::to_string(offset + 20));
    }
    const json::array& objects = a.obj().at("objects").as_array();
    EXPECT_EQ(objects.size(), expected_sizes[page]);
    for (const json::value& t : objects) seen.insert(std::string(t.at("trunk_id").as_string()));
  }
  EXPECT_EQ(seen.size(), 45u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), created);

  // Defaults: limit 20, offset 0; past the end is an empty page.
  const Answer first = e.Zt("GET", "Trunk/");
  EXPECT_EQ(first.obj().at("meta").at("limit").as_int64(), 20);
  EXPECT_EQ(first.obj().at("objects").as_array().size(), 20u);
  const Answer past = e.Zt("GET", "Trunk/?offset=100");
  EXPECT_EQ(past.status, 200);
  EXPECT_TRUE(past.obj().at("objects").as_array().empty());
  EXPECT_TRUE(past.obj().at("meta").at("next").is_null());
}

TEST_F(PlivoTest, OutOfRangePagingIsRefused) {
  for (const char* query : {"limit=0", "limit=21", "limit=abc", "limit=-1", "limit="}) {
    const Answer a = e.Zt("GET", std::string("Trunk/?") + query);
    EXPECT_EQ(a.status, 400) << query;
    EXPECT_THAT(a.error(), HasSubstr("limit")) << query;
  }
  for (const char* query : {"offset=-1", "offset=x"}) {
    const Answer a = e.Zt("GET", std::string("URI/?") + query);
    EXPECT_EQ(a.status, 400) << query;
    EXPECT_THAT(a.error(), HasSubstr("offset")) << query;
  }
  const Answer huge = e.Zt("GET", "Trunk/?offset=18446744073709551615");
  EXPECT_EQ(huge.status, 200);
  EXPECT_TRUE(huge.obj().at("meta").at("next").is_null());
  EXPECT_EQ(e.Zt("GET", "Credential/?limit=1").status, 200);
  EXPECT_EQ(e.Zt("GET", "IPAccessControlList/?limit=20").status, 200);
}

TEST_F(PlivoTest, OtherListsPageToo) {
  for (int i = 0; i < 3; ++i) e.Cred("sipuser" + std::to_string(i));
  const Answer a = e.Zt("GET", "Credential/?limit=2&offset=1");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.obj().at("meta").at("total_count").as_int64(), 3);
  ASSERT_EQ(a.obj().at("objects").as_array().size(), 2u);
  EXPECT_EQ(S(a.obj().at("objects").as_array()[0].at("username")), "sipuser1");
  EXPECT_EQ(S(a.obj().at("meta").at("previous")),
            std::string("v1/Account/") + kAuthId + "/Zentrunk/Credential/?limit=2&offset=0");
  EXPECT_TRUE(a.obj().at("meta").at("next").is_null());
}

TEST_F(PlivoTest, TrunkListFilters) {
  const std::string acl = e.Acl();
  const std::string cred = e.Cred();
  const std::string uri = e.UriRes();
  const std::string fallback = e.UriRes("pbx2.example.com");
  const std::string out_acl = e.Trunk({{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}});
  const std::string out_cred = e.Trunk({{"trunk_direction", "outbound"},
                                        {"credential_uuid", cred},
                                        {"secure", true},
                                        {"trunk_status", "disabled"}});
  const std::string in_plain = e.Trunk({{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}});
  const std::string in_fallback = e.Trunk(
      {{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}, {"fallback_uri_uuid", fallback}});

  auto ids = [&](const std::string& query) {
    const Answer a = e.Zt("GET", "Trunk/?" + query);
    EXPECT_EQ(a.status, 200) << query << ": " << a.raw;
    std::set<std::string> out;
    if (a.status != 200) return out;
    for (const json::value& t : a.obj().at("objects").as_array()) {
      out.insert(std::string(t.at("trunk_id").as_string()));
    }
    EXPECT_EQ(a.obj().at("meta").at("total_count").as_int64(), static_cast<int64_t>(out.size()));
    return out;
  };
  using Set = std::set<std::string>;
  EXPECT_EQ(ids("trunk_direction=outbound"), (Set{out_acl, out_cred}));
  EXPECT_EQ(ids("trunk_direction=inbound"), (Set{in_plain, in_fallback}));
  EXPECT_EQ(ids("trunk_status=disabled"), (Set{out_cred}));
  EXPECT_EQ(ids("trunk_status=enabled"), (Set{out_acl, in_plain, in_fallback}));
  EXPECT_EQ(ids("secure=true"), (Set{out_cred}));
  EXPECT_EQ(ids("secure=false").size(), 3u);
  EXPECT_EQ(ids("ipacl_uuid=" + acl), (Set{out_acl}));
  EXPECT_EQ(ids("credential_uuid=" + cred), (Set{out_cred}));
  EXPECT_EQ(ids("primary_uri_uuid=" + uri), (Set{in_plain, in_fallback}));
  EXPECT_EQ(ids("fallback_uri_uuid=" + fallback), (Set{in_fallback}));
  EXPECT_EQ(ids("trunk_direction=inbound&fallback_uri_uuid=" + fallback), (Set{in_fallback}));
  EXPECT_EQ(ids("trunk_direction=outbound&secure=true&trunk_status=enabled"), Set{});

  // Filters ride along in the paging links.
  const Answer paged = e.Zt("GET", "Trunk/?trunk_direction=inbound&limit=1");
  EXPECT_EQ(S(paged.obj().at("meta").at("next")),
            std::string("v1/Account/") + kAuthId +
                "/Zentrunk/Trunk/?limit=1&offset=1&trunk_direction=inbound");

  for (const char* bad : {"trunk_direction=both", "trunk_status=on", "secure=yes"}) {
    const Answer a = e.Zt("GET", std::string("Trunk/?") + bad);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_THAT(a.error(), HasSubstr(std::string(bad).substr(0, std::string(bad).find('='))));
  }
}

// ---- Secrets, Dump, Reset, seeds ----

TEST_F(PlivoTest, PasswordsAreNeverAnsweredNorDumped) {
  const std::string cred = e.Create(
      "Credential", {{"username", "sipuser1"}, {"password", "Cr3d!Secret"}}, "credential_uuid");
  const std::string uri = e.Create("URI",
                                   {{"uri", "sip.example.com"},
                                    {"authentication_needed", true},
                                    {"username", "pbxuser"},
                                    {"password", "Ur1!Secret"}},
                                   "uri_uuid");
  e.Zt("POST", "Credential/" + cred + "/",
       json::object{{"username", "sipuser1"}, {"password", "Cr3d!Rotated"}});
  e.Zt("POST", "URI/" + uri + "/",
       json::object{
           {"authentication_needed", true}, {"username", "pbxuser"}, {"password", "Ur1!Rotated"}});
  e.Zt("GET", "Credential/" + cred + "/");
  e.Zt("GET", "Credential/");
  e.Zt("GET", "URI/" + uri + "/");
  e.Zt("GET", "URI/");
  ASSERT_GE(e.seen_bodies.size(), 8u);
  const std::string dump = json::serialize(e.api.Dump());
  for (const std::string& body : e.seen_bodies) {
    for (const char* secret : {"Cr3d!Secret", "Ur1!Secret", "Cr3d!Rotated", "Ur1!Rotated"}) {
      EXPECT_THAT(body, Not(HasSubstr(secret)));
      EXPECT_THAT(dump, Not(HasSubstr(secret)));
    }
    EXPECT_THAT(body, Not(HasSubstr("\"password\"")));
  }
  EXPECT_THAT(dump, Not(HasSubstr("\"password\"")));
  EXPECT_THAT(dump, HasSubstr("pbxuser"));  // the dump did include the resources
}

TEST_F(PlivoTest, DumpShowsEveryResourceAndResetForgetsThem) {
  const std::string acl = e.Acl();
  const std::string inbound = e.Inbound();
  const std::string outbound =
      e.Trunk({{"trunk_direction", "outbound"}, {"credential_uuid", e.Cred()}});
  EXPECT_EQ(e.Send("POST", "Number/15105550100/", json::object{{"app_id", inbound}}).status, 202);

  json::value dump = e.api.Dump();
  EXPECT_EQ(dump.at("quirks"), true);
  const json::object& mine = dump.at("accounts").at(kAuthId).as_object();
  ASSERT_EQ(mine.at("trunks").as_array().size(), 2u);
  EXPECT_EQ(S(mine.at("trunks").as_array()[0].at("trunk_id")), inbound);
  EXPECT_EQ(S(mine.at("trunks").as_array()[0].at("trunk_domain")), inbound + ".zt.plivo.com");
  EXPECT_EQ(S(mine.at("trunks").as_array()[1].at("trunk_id")), outbound);
  EXPECT_EQ(mine.at("credentials").as_array().size(), 1u);
  ASSERT_EQ(mine.at("ip_access_control_lists").as_array().size(), 1u);
  EXPECT_EQ(S(mine.at("ip_access_control_lists").as_array()[0].at("ipacl_uuid")), acl);
  EXPECT_EQ(mine.at("uris").as_array().size(), 1u);
  ASSERT_EQ(mine.at("numbers").as_array().size(), 1u);
  EXPECT_EQ(S(mine.at("numbers").as_array()[0].at("app_id")), inbound);
  const json::object& other = dump.at("accounts").at(kOtherId).as_object();
  EXPECT_TRUE(other.at("trunks").as_array().empty());

  e.api.Reset();
  dump = e.api.Dump();
  for (const char* account : {kAuthId, kOtherId}) {
    for (const char* kind :
         {"trunks", "credentials", "ip_access_control_lists", "uris", "numbers"}) {
      EXPECT_TRUE(dump.at("accounts").at(account).at(kind).as_array().empty()) << kind;
    }
  }
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 0);
  EXPECT_EQ(e.Zt("GET", "Trunk/" + inbound + "/").status, 404);
  // Accounts survive a reset.
  EXPECT_EQ(e.Zt("GET", "URI/").status, 200);
}

// The ids a fixed script of creates yields.
std::vector<std::string> ScriptIds(Emulator& e) {
  const std::string uri = e.UriRes();
  e.Zt("GET", "URI/");  // reads in between must not shift the ids
  const std::string cred = e.Cred();
  const std::string acl = e.Acl();
  const std::string trunk = e.Trunk({{"trunk_direction", "inbound"}, {"primary_uri_uuid", uri}});
  return {uri, cred, acl, trunk};
}

TEST(PlivoSeedTest, SameSeedSameIdsAndResetStartsOver) {
  Emulator a(Options(true, 42));
  Emulator b(Options(true, 42));
  Emulator c(Options(true, 43));
  const std::vector<std::string> ids = ScriptIds(a);
  for (const std::string& id : ids) EXPECT_FALSE(id.empty());
  b.Zt("GET", "Trunk/");
  EXPECT_EQ(ScriptIds(b), ids);
  EXPECT_NE(ScriptIds(c), ids);
  a.api.Reset();
  EXPECT_EQ(ScriptIds(a), ids);
}

TEST(PlivoSeedTest, ApiIdsAreFreshPerResponse) {
  Emulator e(Options(true));
  std::set<std::string> api_ids;
  for (int i = 0; i < 10; ++i) api_ids.insert(e.Zt("GET", "Trunk/").str("api_id"));
  api_ids.insert(e.Zt("GET", "Trunk/1/").str("api_id"));
  EXPECT_EQ(api_ids.size(), 11u);
  for (const std::string& id : api_ids) EXPECT_THAT(id, MatchesRegex(kUuidRegex));
}

TEST(PlivoConcurrencyTest, ConcurrentCreatesAreAllKept) {
  Emulator e(Options(true));
  const std::string acl = e.Acl();
  const std::string auth = testing::Basic(kAuthId, kToken);
  const std::string body =
      json::serialize(json::object{{"trunk_direction", "outbound"}, {"ipacl_uuid", acl}});
  std::vector<std::thread> threads;
  std::vector<int> created(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      http::Client client(http::ClientOptions{"127.0.0.1", e.port()});
      for (int i = 0; i < 10; ++i) {
        auto res = client.Send(
            http::Request{"POST",
                          std::string("/v1/Account/") + kAuthId + "/Zentrunk/Trunk/",
                          {{"Authorization", auth}, {"Content-Type", "application/json"}},
                          body});
        if (res.ok() && res->status == 201) ++created[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created, (std::vector<int>{10, 10, 10, 10}));
  EXPECT_EQ(e.Zt("GET", "Trunk/").obj().at("meta").at("total_count").as_int64(), 40);
}

}  // namespace
}  // namespace trunkline::emulator
