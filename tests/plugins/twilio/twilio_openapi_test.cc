// Every request the adapter produces, checked against Twilio's OpenAPI file (read at test
// time): the path matches an operation's template (its path parameters their patterns), the
// method exists, query parameters and form parameters are ones the operation declares, with
// values of the declared type and within the declared enums, and required ones present.
#include <gtest/gtest.h>

#include <regex>

#include "testutil/openapi.h"
#include "twilio_test_util.h"

namespace trunkline::twilio::testing {
namespace {

namespace json = boost::json;
using trunkline::testing::OpenApi;

class TwilioOpenApiTest : public ::testing::Test {
 protected:
  TwilioOpenApiTest() : api_(TWILIO_OPENAPI), doc_(json::parse(ReadFile(TWILIO_OPENAPI))) {}

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  const json::object& Resolve(const json::value& schema) const {
    const json::value* s = &schema;
    while (s->as_object().contains("$ref")) {
      const std::string ref(s->at("$ref").as_string());
      s = &doc_.at("components").at("schemas").at(ref.substr(ref.rfind('/') + 1));
    }
    return s->as_object();
  }

  // The problems of `value` against a parameter's `schema`.
  void CheckValue(const std::string& where, const json::value& schema, const std::string& value,
                  std::vector<std::string>& problems) const {
    const json::object& s = Resolve(schema);
    if (const json::value* values = s.if_contains("enum")) {
      bool listed = false;
      for (const json::value& v : values->as_array()) listed = listed || v.as_string() == value;
      if (!listed) problems.push_back(where + ": \"" + value + "\" is not in its enum");
    }
    const std::string type = s.contains("type") ? std::string(s.at("type").as_string()) : "";
    if (type == "boolean" && value != "true" && value != "false") {
      problems.push_back(where + ": \"" + value + "\" is not a boolean");
    }
    if (type == "integer") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        problems.push_back(where + ": \"" + value + "\" is not an integer");
      } else {
        const int64_t n = std::stoll(value);
        if (s.contains("minimum") && n < s.at("minimum").to_number<int64_t>()) {
          problems.push_back(where + ": below its minimum");
        }
        if (s.contains("maximum") && n > s.at("maximum").to_number<int64_t>()) {
          problems.push_back(where + ": above its maximum");
        }
      }
    }
    if (const json::value* pattern = s.if_contains("pattern")) {
      if (!std::regex_search(value, std::regex(std::string(pattern->as_string())))) {
        problems.push_back(where + ": \"" + value + "\" does not match its pattern");
      }
    }
  }

  std::vector<std::string> Check(const HttpRequest& r) const {
    std::vector<std::string> problems;
    const std::string tmpl = api_.TemplateOf(r.path);
    if (tmpl.empty()) return {r.path + " matches no operation"};
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const json::value* op = doc_.at("paths").at(tmpl).as_object().if_contains(method);
    if (op == nullptr) return {r.method + " " + tmpl + " is not an operation"};
    const std::string name = r.method + " " + tmpl;
    std::map<std::string, const json::value*> path_params, query_params;
    if (const json::value* params = op->as_object().if_contains("parameters")) {
      for (const json::value& p : params->as_array()) {
        auto& into = p.at("in").as_string() == "path" ? path_params : query_params;
        into[std::string(p.at("name").as_string())] = &p.at("schema");
      }
    }
    // Path parameters.
    std::stringstream t(tmpl), c(r.path);
    for (std::string ts, cs; std::getline(t, ts, '/') && std::getline(c, cs, '/');) {
      if (!ts.starts_with("{")) continue;
      const std::string param = ts.substr(1, ts.size() - 2);
      if (!path_params.count(param)) {
        problems.push_back(name + ": path parameter " + param + " undeclared");
        continue;
      }
      CheckValue(name + " path " + param, *path_params.at(param), cs, problems);
    }
    for (const auto& [q, value] : r.query) {
      if (!query_params.count(q)) {
        problems.push_back(name + ": query parameter " + q + " undeclared");
        continue;
      }
      CheckValue(name + " query " + q, *query_params.at(q), value, problems);
    }
    const json::value* body = op->as_object().if_contains("requestBody");
    if (body == nullptr) {
      if (!r.body.empty()) problems.push_back(name + ": a body the operation does not take");
      return problems;
    }
    const json::value* form =
        body->at("content").as_object().if_contains("application/x-www-form-urlencoded");
    if (form == nullptr) return {name + ": no form body declared"};
    bool typed = false;
    for (const auto& [h, v] : r.headers) {
      typed = typed || (h == "Content-Type" && v == "application/x-www-form-urlencoded");
    }
    if (!typed) problems.push_back(name + ": no form Content-Type");
    const json::object& schema = Resolve(form->at("schema"));
    const json::object& properties = schema.at("properties").as_object();
    const std::map<std::string, std::string> fields = DecodeForm(r.body);
    for (const auto& [param, value] : fields) {
      if (r.body.empty()) break;
      const json::value* p = properties.if_contains(param);
      if (p == nullptr) {
        problems.push_back(name + ": form parameter " + param + " undeclared");
        continue;
      }
      CheckValue(name + " form " + param, *p, value, problems);
    }
    if (const json::value* required = schema.if_contains("required")) {
      for (const json::value& p : required->as_array()) {
        if (!fields.count(std::string(p.as_string()))) {
          problems.push_back(name + ": required " + std::string(p.as_string()) + " missing");
        }
      }
    }
    return problems;
  }

  OpenApi api_;
  json::value doc_;
};

// Runs the scenarios that between them make every kind of request the adapter has.
std::vector<HttpRequest> EveryKindOfRequest() {
  FakeTwilio twilio(2);
  for (unsigned i = 1; i <= 3; ++i) {
    twilio.known_sids.insert(Sid("PN", i));
    twilio.known_sids.insert(Sid("CL", i));
    twilio.known_sids.insert(Sid("AL", i));
  }
  DesiredTrunk d = FullTrunk(twilio);
  LoopResult made = RunLoop(d, Observation{}, twilio, 4);  // create and writes
  EXPECT_TRUE(made.converged);
  // Drift, then registry changes: updates, deletes, detaches, resets of removed fields.
  FakeTwilio::Trunk& t = twilio.trunks.at(made.observation.remote_id);
  t.origination_urls[twilio.NewSid("OU")] = {{"friendly_name", "stray"},
                                             {"sip_url", "sip:stray.example.com"},
                                             {"priority", 1},
                                             {"weight", 1},
                                             {"enabled", true}};
  d.content.fields.erase("disaster_recovery_url");
  d.content.fields["transfer_mode"] = std::string("enable-all");
  d.content.singletons[kRecording]["mode"] = std::string("record-from-ringing");
  d.content.items[kOriginationUrls]["pbx-1"]["weight"] = int64_t{65535};
  d.content.items[kOriginationUrls].erase("pbx-2");
  for (auto& [sub, ids] : d.content.attachments) ids.erase(ids.begin());
  Observation seed;
  seed.remote_id = made.observation.remote_id;
  seed.item_ids = made.observation.item_ids;
  EXPECT_TRUE(RunLoop(d, seed, twilio, 4).converged);
  // A lookup after a lost create, an import scan, and a delete.
  Observation pending;
  pending.create_pending = true;
  EXPECT_TRUE(RunLoop(d, pending, twilio, 4).converged);
  {
    auto& fresh = twilio.trunks[twilio.NewSid("TK")].fields;
    fresh["friendly_name"] = "x";
  }
  {
    auto& fresh = twilio.trunks[twilio.NewSid("TK")].fields;
    fresh["friendly_name"] = "y";
  }
  EXPECT_TRUE(RunLoop(std::nullopt, Observation{}, twilio, 10).converged);
  d.deleted = true;
  EXPECT_TRUE(RunLoop(d, seed, twilio, 4).converged);
  return twilio.requests;
}

TEST_F(TwilioOpenApiTest, EveryRequestIsOneTheSpecDeclares) {
  std::set<std::pair<std::string, std::string>> used;
  bool paged = false;
  for (const HttpRequest& r : EveryKindOfRequest()) {
    for (const std::string& problem : Check(r)) {
      ADD_FAILURE() << problem << "\n  request: " << r.method << " " << r.path << " body "
                    << r.body;
    }
    used.emplace(r.method, api_.TemplateOf(r.path));
    for (const auto& [q, v] : r.query) paged = paged || q == "PageToken";
  }
  EXPECT_TRUE(paged) << "no next page was followed";
  const std::set<std::pair<std::string, std::string>> expected = {
      {"POST", "/v1/Trunks"},
      {"GET", "/v1/Trunks"},
      {"GET", "/v1/Trunks/{Sid}"},
      {"POST", "/v1/Trunks/{Sid}"},
      {"DELETE", "/v1/Trunks/{Sid}"},
      {"GET", "/v1/Trunks/{TrunkSid}/Recording"},
      {"POST", "/v1/Trunks/{TrunkSid}/Recording"},
      {"GET", "/v1/Trunks/{TrunkSid}/OriginationUrls"},
      {"POST", "/v1/Trunks/{TrunkSid}/OriginationUrls"},
      {"POST", "/v1/Trunks/{TrunkSid}/OriginationUrls/{Sid}"},
      {"DELETE", "/v1/Trunks/{TrunkSid}/OriginationUrls/{Sid}"},
      {"GET", "/v1/Trunks/{TrunkSid}/CredentialLists"},
      {"POST", "/v1/Trunks/{TrunkSid}/CredentialLists"},
      {"DELETE", "/v1/Trunks/{TrunkSid}/CredentialLists/{Sid}"},
      {"GET", "/v1/Trunks/{TrunkSid}/IpAccessControlLists"},
      {"POST", "/v1/Trunks/{TrunkSid}/IpAccessControlLists"},
      {"DELETE", "/v1/Trunks/{TrunkSid}/IpAccessControlLists/{Sid}"},
      {"GET", "/v1/Trunks/{TrunkSid}/PhoneNumbers"},
      {"POST", "/v1/Trunks/{TrunkSid}/PhoneNumbers"},
      {"DELETE", "/v1/Trunks/{TrunkSid}/PhoneNumbers/{Sid}"},
  };
  EXPECT_EQ(used, expected) << "every operation the adapter uses, and only those";
}

TEST_F(TwilioOpenApiTest, TheCheckCatchesWhatTheSpecRefuses) {
  HttpRequest bad{"POST",
                  "/v1/Trunks/" + Sid("TK", 1),
                  {},
                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                  "TransferMode=sometimes&Bogus=1"};
  EXPECT_EQ(Check(bad).size(), 2u);
  HttpRequest url{"POST",
                  "/v1/Trunks/" + Sid("TK", 1) + "/OriginationUrls",
                  {},
                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                  "Weight=x"};
  EXPECT_GE(Check(url).size(), 5u) << "a bad integer and four required parameters missing";
  HttpRequest path{
      "DELETE", "/v1/Trunks/" + Sid("TK", 1) + "/PhoneNumbers/" + Sid("CL", 1), {}, {}, ""};
  EXPECT_EQ(Check(path).size(), 1u) << "a CL sid where a PN sid belongs";
  HttpRequest put{"PUT", "/v1/Trunks/" + Sid("TK", 1), {}, {}, ""};
  EXPECT_EQ(Check(put).size(), 1u);
}

}  // namespace
}  // namespace trunkline::twilio::testing
