// The adapter's requests against the project's Plivo emulator (tools/provider-emulator), in
// process (no sockets), with its quirks on and off: a trunk with every field and routed
// numbers converges and then plans nothing, is turned around, loses a number, is imported and
// is deleted, and a missing IP ACL stops the sync naming the field and the uuid.
#include <gtest/gtest.h>

#include "plivo_api.h"
#include "plivo_test_util.h"
#include "trunkline/base/base64.h"

namespace trunkline::plivo::testing {
namespace {

namespace json = boost::json;

constexpr char kToken[] = "plivo-token-adapter-test";

class PlivoEmulatorTest : public ::testing::TestWithParam<bool> {
 protected:
  PlivoEmulatorTest() : api_(emulator::PlivoOptions{{{kAuthId, kToken}}, GetParam(), 7}) {
    for (int i = 0; i < 2; ++i) {
      uris_.push_back(Made("URI", R"({"name":"pbx","uri":"sip.example.com:5060"})", "uri_uuid"));
    }
    acl_ = Made("IPAccessControlList", R"({"name":"office","ip_addresses":["198.51.100.0/24"]})",
                "ipacl_uuid");
    credential_ = Made("Credential", R"({"name":"c","username":"sipuser1","password":"s3cret!x"})",
                       "credential_uuid");
  }

  // Sends `r` as the host would: {account_id} filled in, the query encoded, credentials added.
  HttpResponse Send(const HttpRequest& r) {
    http::Request request;
    request.method = r.method;
    request.target = WithAuthId(r).path;
    for (size_t i = 0; i < r.query.size(); ++i) {
      request.target += (i == 0 ? "?" : "&") + r.query[i].first + "=" + r.query[i].second;
    }
    for (const auto& [name, value] : r.headers) request.headers.push_back({name, value});
    request.headers.push_back({"Authorization", BasicAuthorization(kAuthId, kToken)});
    request.body = r.body;
    http::Response response = api_.Handle(request, "http://127.0.0.1");
    HttpResponse out{response.status, {}, response.body};
    for (const http::Header& h : response.headers) out.headers.emplace_back(h.name, h.value);
    return out;
  }

  std::string Made(const std::string& kind, const std::string& body, const char* id_field) {
    HttpRequest r{"POST",
                  "/v1/Account/{account_id}/Zentrunk/" + kind + "/",
                  {},
                  {{"Content-Type", "application/json"}},
                  body};
    HttpResponse answer = Send(r);
    if (answer.status != 201)
      throw std::runtime_error("emulator refused " + kind + ": " + answer.body);
    return std::string(json::parse(answer.body).at(id_field).as_string());
  }

  // The host's loop, as RunLoop's, against the emulator.
  LoopResult Loop(const std::optional<DesiredTrunk>& desired, Observation observation,
                  int max_rounds) {
    LoopResult result;
    for (; result.rounds <= max_rounds; ++result.rounds) {
      const std::vector<Step> steps = Plan(desired, observation);
      if (steps.empty()) {
        result.converged = true;
        break;
      }
      for (const Step& step : steps) {
        const HttpResponse response = Send(step.request);
        ++result.requests;
        plugin_sdk::AbsorbResult absorbed =
            Absorb(plugin_sdk::AbsorbInput{desired, observation, step, response});
        if (absorbed.error) {
          result.error = absorbed.error;
          break;
        }
        observation = std::move(*absorbed.observation);
      }
      if (result.error) break;
    }
    result.observation = std::move(observation);
    return result;
  }

  LoopResult Converge(const DesiredTrunk& d, const Observation& seed) {
    LoopResult first = Loop(d, seed, 8);
    EXPECT_TRUE(first.converged) << (first.error ? first.error->message : "not converged");
    EXPECT_EQ(first.observation.content, d.content);
    LoopResult again = Loop(d, Seed(first.observation), 2);
    EXPECT_TRUE(again.converged);
    EXPECT_EQ(again.rounds, 1);  // reads only
    EXPECT_EQ(again.observation.content, d.content);
    return first;
  }

  DesiredTrunk Inbound() const {
    DesiredTrunk d;
    d.id = "t1";
    d.content.fields = {{"name", std::string("front desk")},
                        {"trunk_direction", std::string("inbound")},
                        {"trunk_status", std::string("disabled")},
                        {"secure", true},
                        {"primary_uri_uuid", uris_[0]},
                        {"fallback_uri_uuid", uris_[1]}};
    d.content.attachments[kPhoneNumbers] = {"14155550100", "14155550101"};
    return d;
  }

  DesiredTrunk Outbound() const {
    DesiredTrunk d;
    d.id = "t1";
    d.content.fields = {{"name", std::string("front desk")},
                        {"trunk_direction", std::string("outbound")},
                        {"trunk_status", std::string("enabled")},
                        {"secure", false},
                        {"ipacl_uuid", acl_},
                        {"credential_uuid", credential_}};
    return d;
  }

  json::object Account() const { return api_.Dump().at("accounts").at(kAuthId).as_object(); }

  // The app_id of each number the emulator knows.
  std::map<std::string, std::string> Routes() const {
    std::map<std::string, std::string> out;
    const json::object account = Account();  // the loop below reads into it
    for (const json::value& n : account.at("numbers").as_array()) {
      const json::value& app = n.at("app_id");
      out[std::string(n.at("number").as_string())] =
          app.is_null() ? "" : std::string(app.as_string());
    }
    return out;
  }

  emulator::PlivoApi api_;
  std::vector<std::string> uris_;
  std::string acl_, credential_;
};

TEST_P(PlivoEmulatorTest, ATrunkLivesItsWholeLifeAgainstTheEmulator) {
  LoopResult made = Converge(Inbound(), Observation{});
  const std::string id = made.observation.remote_id;
  json::array trunks = Account().at("trunks").as_array();
  ASSERT_EQ(trunks.size(), 1u);
  const json::object& t = trunks[0].as_object();
  EXPECT_EQ(t.at("trunk_id"), json::value(id));
  EXPECT_EQ(t.at("name"), json::value("front desk"));
  EXPECT_EQ(t.at("trunk_status"), json::value("disabled"));
  EXPECT_EQ(t.at("secure"), json::value(true));
  EXPECT_EQ(t.at("fallback_uri_uuid"), json::value(uris_[1]));
  EXPECT_EQ(made.observation.read_only.at("trunk_domain"),
            plugin_sdk::FieldValue(id + ".zt.plivo.com"));
  EXPECT_EQ(Routes(),
            (std::map<std::string, std::string>{{"14155550100", id}, {"14155550101", id}}));

  DesiredTrunk fewer = Inbound();  // a number detached in the registry
  fewer.content.attachments[kPhoneNumbers] = {"14155550101"};
  LoopResult r = Converge(fewer, Seed(made.observation));
  EXPECT_EQ(Routes(),
            (std::map<std::string, std::string>{{"14155550100", ""}, {"14155550101", id}}));

  LoopResult turned = Converge(Outbound(), Seed(r.observation));  // restates the direction
  EXPECT_EQ(turned.observation.remote_id, id);
  EXPECT_EQ(Routes().at("14155550101"), "");
  const json::object now = Account().at("trunks").as_array()[0].as_object();
  EXPECT_EQ(now.at("ipacl_uuid"), json::value(acl_));
  EXPECT_TRUE(now.at("primary_uri_uuid").is_null());

  LoopResult scan = Loop(std::nullopt, Observation{}, 3);
  ASSERT_TRUE(scan.converged);
  ASSERT_EQ(scan.observation.found.size(), 1u);
  EXPECT_EQ(scan.observation.found[0].content.fields, Outbound().content.fields);

  DesiredTrunk gone = Inbound();
  gone.deleted = true;
  LoopResult back = Converge(Inbound(), Seed(turned.observation));
  LoopResult removed = Loop(gone, Seed(back.observation), 5);
  ASSERT_TRUE(removed.converged) << (removed.error ? removed.error->message : "");
  EXPECT_TRUE(Account().at("trunks").as_array().empty());
  EXPECT_EQ(Routes(),
            (std::map<std::string, std::string>{{"14155550100", ""}, {"14155550101", ""}}));
}

TEST_P(PlivoEmulatorTest, AMissingIpAclIsNamedWithItsUuid) {
  DesiredTrunk d = Outbound();
  const std::string missing = "0a0a0a0a-0000-4000-8000-000000000000";
  d.content.fields["ipacl_uuid"] = missing;
  LoopResult r = Loop(d, Observation{}, 3);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 9);
  EXPECT_FALSE(r.error->retryable);
  EXPECT_EQ(r.error->field, "ipacl_uuid");
  EXPECT_NE(r.error->message.find(missing), std::string::npos) << r.error->message;
}

INSTANTIATE_TEST_SUITE_P(Quirks, PlivoEmulatorTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? std::string("Live") : std::string("Documented");
                         });

}  // namespace
}  // namespace trunkline::plivo::testing
