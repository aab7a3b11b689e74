// The Twilio emulator over real HTTP on 127.0.0.1, its answers checked against the response
// schemas of Twilio's official OpenAPI file (data/twilio_trunking_v1.json).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "emulator_test_util.h"
#include "testutil/openapi.h"

namespace trunkline::emulator::testing {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using trunkline::testing::OpenApi;

const OpenApi& Spec() {
  static const OpenApi* spec = new OpenApi(TRUNKLINE_TWILIO_OPENAPI);
  return *spec;
}

class TwilioEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = Emulator::Start(TestOptions());
    ASSERT_TRUE(started.ok()) << started.status();
    emulator_ = std::move(*started);
    client_ =
        std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", emulator_->twilio_port()});
  }

  Answer Call(const std::string& method, const std::string& target, const std::string& form = "",
              const std::string& auth = Basic(kAccount, kToken)) {
    return Send(*client_, method, target, form, auth);
  }

  // Calls, and checks the answer against the operation's response schema.
  Answer Checked(const std::string& method, const std::string& target,
                 const std::string& form = "") {
    Answer a = Call(method, target, form);
    const std::string path = target.substr(0, target.find('?'));
    const std::string tmpl = Spec().TemplateOf(path);
    EXPECT_FALSE(tmpl.empty()) << path;
    covered_.emplace(method, tmpl);
    EXPECT_THAT(Spec().Check(method, tmpl, a.status, a.body.is_null() ? nullptr : &a.body),
                IsEmpty())
        << method << " " << target << " -> " << a.status << " " << json::serialize(a.body);
    return a;
  }

  std::string CreateTrunk(const std::string& domain) {
    Answer a = Call("POST", "/v1/Trunks", "DomainName=" + domain);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.status == 201 ? std::string(a.body.at("sid").as_string()) : "";
  }

  static void ExpectError(const Answer& a, int status, int code, const std::string& message) {
    EXPECT_EQ(a.status, status) << json::serialize(a.body);
    ASSERT_TRUE(a.body.is_object()) << "no JSON error body";
    EXPECT_EQ(a.body.at("code").as_int64(), code) << json::serialize(a.body);
    EXPECT_EQ(a.body.at("status").as_int64(), status);
    EXPECT_EQ(a.body.at("more_info").as_string(),
              "https://www.twilio.com/docs/errors/" + std::to_string(code));
    EXPECT_THAT(std::string(a.body.at("message").as_string()), HasSubstr(message));
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<http::Client> client_;
  std::set<std::pair<std::string, std::string>> covered_;
};

TEST_F(TwilioEmulatorTest, AllTwentyFourOperationsAnswerWhatTheSpecDescribes) {
  Answer created = Checked("POST", "/v1/Trunks",
                           "FriendlyName=My%20trunk&DomainName=my-trunk.pstn.twilio.com&"
                           "TransferMode=sip-only&Secure=true&CnamLookupEnabled=false");
  ASSERT_EQ(created.status, 201);
  const std::string tk(created.body.at("sid").as_string());
  const std::string trunk = "/v1/Trunks/" + tk;
  EXPECT_EQ(created.body.at("friendly_name"), "My trunk");
  EXPECT_EQ(created.body.at("transfer_mode"), "sip-only");
  EXPECT_EQ(created.body.at("secure"), true);
  EXPECT_EQ(created.body.at("account_sid"), kAccount);
  EXPECT_EQ(created.body.at("auth_type"), "");
  EXPECT_EQ(TargetOf(std::string(created.body.at("url").as_string())), trunk);

  EXPECT_EQ(Checked("GET", "/v1/Trunks").status, 200);
  EXPECT_EQ(Checked("GET", trunk).body.at("domain_name"), "my-trunk.pstn.twilio.com");
  Answer updated = Checked("POST", trunk, "FriendlyName=renamed+trunk");
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(updated.body.at("friendly_name"), "renamed trunk");
  EXPECT_EQ(updated.body.at("secure"), true);  // left out, kept

  Answer ou = Checked("POST", trunk + "/OriginationUrls",
                      "Weight=10&Priority=10&Enabled=true&FriendlyName=pbx&"
                      "SipUrl=sip%3Apbx.example.com%3A5060");
  ASSERT_EQ(ou.status, 201);
  const std::string ou_path =
      trunk + "/OriginationUrls/" + std::string(ou.body.at("sid").as_string());
  EXPECT_EQ(ou.body.at("sip_url"), "sip:pbx.example.com:5060");
  EXPECT_EQ(
      Checked("GET", trunk + "/OriginationUrls").body.at("origination_urls").as_array().size(), 1u);
  EXPECT_EQ(Checked("GET", ou_path).body.at("priority"), 10);
  EXPECT_EQ(Checked("POST", ou_path, "Priority=0&Enabled=false").body.at("enabled"), false);
  EXPECT_EQ(Checked("DELETE", ou_path).status, 204);
  EXPECT_EQ(Call("GET", ou_path).status, 404);

  const std::string cl = "CL0123456789abcdef0123456789abcdef";
  const std::string al = "AL0123456789abcdef0123456789abcdef";
  const std::string pn = "PN0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Checked("POST", trunk + "/CredentialLists", "CredentialListSid=" + cl).status, 201);
  EXPECT_EQ(Checked("POST", trunk + "/IpAccessControlLists", "IpAccessControlListSid=" + al).status,
            201);
  EXPECT_EQ(Checked("POST", trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);
  // auth_type follows the associations.
  EXPECT_EQ(Checked("GET", trunk).body.at("auth_type"), "CREDENTIAL_LIST,IP_ACL");
  for (const auto& [segment, sid, key] :
       {std::tuple{"CredentialLists", cl, "credential_lists"},
        std::tuple{"IpAccessControlLists", al, "ip_access_control_lists"},
        std::tuple{"PhoneNumbers", pn, "phone_numbers"}}) {
    const std::string list = trunk + "/" + segment;
    Answer page = Checked("GET", list);
    ASSERT_EQ(page.body.at(key).as_array().size(), 1u) << segment;
    EXPECT_EQ(page.body.at("meta").at("key"), key);
    EXPECT_EQ(Checked("GET", list + "/" + sid).body.at("sid"), json::value(sid));
    EXPECT_EQ(Checked("DELETE", list + "/" + sid).status, 204);
    EXPECT_EQ(Call("GET", list + "/" + sid).status, 404);
  }
  EXPECT_EQ(Checked("GET", trunk).body.at("auth_type"), "");

  EXPECT_EQ(Checked("GET", trunk + "/Recording").body.at("mode"), "do-not-record");
  Answer recording =
      Checked("POST", trunk + "/Recording", "Mode=record-from-answer&Trim=trim-silence");
  EXPECT_EQ(recording.body,
            (json::value{{"mode", "record-from-answer"}, {"trim", "trim-silence"}}));
  // The trunk mirrors its recording.
  EXPECT_EQ(Checked("GET", trunk).body.at("recording"), recording.body);

  EXPECT_EQ(Checked("DELETE", trunk).status, 204);
  ExpectError(Call("GET", trunk), 404, 20404, "/Trunks/" + tk + " was not found");

  EXPECT_EQ(covered_, Spec().Operations());
  EXPECT_EQ(covered_.size(), 24u);
}

TEST_F(TwilioEmulatorTest, TheSchemaCheckRefusesAnswersThatStrayFromTheSpec) {
  Answer created = Call("POST", "/v1/Trunks", "DomainName=check.pstn.twilio.com");
  ASSERT_EQ(created.status, 201);
  const std::string op = "/v1/Trunks";
  ASSERT_THAT(Spec().Check("POST", op, 201, &created.body), IsEmpty());
  auto problems = [&](auto mutate) {
    json::value body = created.body;
    mutate(body.as_object());
    return Spec().Check("POST", op, 201, &body);
  };
  EXPECT_THAT(problems([](json::object& t) { t["extra"] = 1; }),
              ElementsAre(HasSubstr("extra is not in the schema")));
  EXPECT_THAT(problems([](json::object& t) { t.erase("links"); }),
              ElementsAre(HasSubstr("links is missing")));
  EXPECT_THAT(problems([](json::object& t) { t["secure"] = "true"; }),
              ElementsAre(HasSubstr("not a boolean")));
  EXPECT_THAT(problems([](json::object& t) { t["sid"] = "TK123"; }), Not(IsEmpty()));
  EXPECT_THAT(
      problems([](json::object& t) { t["date_created"] = "Tue, 01 Dec 2026 05:07:33 +0000"; }),
      ElementsAre(HasSubstr("not an ISO 8601")));
  EXPECT_THAT(problems([](json::object& t) { t["transfer_mode"] = "sometimes"; }),
              ElementsAre(HasSubstr("enum")));
  EXPECT_THAT(problems([](json::object& t) { t["transfer_mode"] = nullptr; }),
              ElementsAre(HasSubstr("not nullable")));
  EXPECT_THAT(Spec().Check("POST", op, 200, &created.body),
              ElementsAre(HasSubstr("status 200 is not documented")));
}

TEST_F(TwilioEmulatorTest, PagingOver2500TrunksVisitsEachExactlyOnce) {
  std::set<std::string> created;
  for (int i = 0; i < 2500; ++i) {
    created.insert(CreateTrunk("t" + std::to_string(i) + ".pstn.twilio.com"));
  }
  ASSERT_EQ(created.size(), 2500u);
  for (int size : {50, 1000, 7}) {
    std::multiset<std::string> seen;
    std::string target = "/v1/Trunks?PageSize=" + std::to_string(size);
    int pages = 0;
    while (!target.empty() && pages < 1000) {
      Answer page = Checked("GET", target);
      ASSERT_EQ(page.status, 200) << target;
      const json::object& meta = page.body.at("meta").as_object();
      EXPECT_EQ(meta.at("page").as_int64(), pages);
      EXPECT_EQ(meta.at("page_size").as_int64(), size);
      EXPECT_EQ(TargetOf(std::string(meta.at("url").as_string())),
                pages == 0 ? target + "&Page=0" : target);  // the first request names no Page
      for (const json::value& t : page.body.at("trunks").as_array()) {
        seen.insert(std::string(t.at("sid").as_string()));
      }
      ++pages;
      target = meta.at("next_page_url").is_null()
                   ? ""
                   : TargetOf(std::string(meta.at("next_page_url").as_string()));
    }
    EXPECT_EQ(pages, (2500 + size - 1) / size);
    EXPECT_EQ(seen.size(), 2500u) << "page size " << size;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), created) << "page size " << size;
  }
  // previous_page_url leads back to the same records.
  Answer first = Call("GET", "/v1/Trunks?PageSize=100");
  Answer second =
      Call("GET", TargetOf(std::string(first.body.at("meta").at("next_page_url").as_string())));
  Answer back = Call(
      "GET", TargetOf(std::string(second.body.at("meta").at("previous_page_url").as_string())));
  EXPECT_EQ(back.body.at("trunks"), first.body.at("trunks"));
  EXPECT_TRUE(first.body.at("meta").at("previous_page_url").is_null());
  // Page without a token skips Page × PageSize records.
  Answer third = Call("GET", "/v1/Trunks?PageSize=100&Page=2");
  EXPECT_EQ(
      third.body.at("trunks").at(0).at("sid"),
      Call("GET", TargetOf(std::string(second.body.at("meta").at("next_page_url").as_string())))
          .body.at("trunks")
          .at(0)
          .at("sid"));
}

TEST_F(TwilioEmulatorTest, EachValidationRuleAnswersItsStatusAndCode) {
  const std::string tk = CreateTrunk("rules.pstn.twilio.com");
  const std::string trunk = "/v1/Trunks/" + tk;
  struct Case {
    std::string method, target, form;
    int status, code;
    std::string message;
  };
  const std::string ou = trunk + "/OriginationUrls";
  const std::string ok_ou =
      "Weight=1&Priority=0&Enabled=true&FriendlyName=x&SipUrl=sip:a.example.com";
  const std::vector<Case> cases = {
      {"POST", "/v1/Trunks", "FriendlyName=" + std::string(65, 'x'), 400, 20002, "64 characters"},
      {"POST", "/v1/Trunks", "DomainName=example.com", 400, 21245, "pstn.twilio.com"},
      {"POST", "/v1/Trunks", "DomainName=under_score.pstn.twilio.com", 400, 21245, "DomainName"},
      {"POST", "/v1/Trunks", "DomainName=.pstn.twilio.com", 400, 21245, "DomainName"},
      {"POST", "/v1/Trunks", "DomainName=rules.pstn.twilio.com", 400, 21248, "already taken"},
      {"POST", "/v1/Trunks", "DomainName=RULES.pstn.twilio.com", 400, 21248, "already taken"},
      {"POST", "/v1/Trunks", "TransferMode=bogus", 400, 21245, "TransferMode must be one of"},
      {"POST", "/v1/Trunks", "TransferCallerId=me", 400, 21245, "TransferCallerId"},
      {"POST", "/v1/Trunks", "DisasterRecoveryMethod=PUT", 400, 21245, "DisasterRecoveryMethod"},
      {"POST", "/v1/Trunks", "DisasterRecoveryUrl=not%20a%20url", 400, 21205,
       "DisasterRecoveryUrl"},
      {"POST", "/v1/Trunks", "Secure=maybe", 400, 21245, "Secure must be true or false"},
      {"POST", "/v1/Trunks", "CnamLookupEnabled=1", 400, 21245, "CnamLookupEnabled"},
      {"POST", "/v1/Trunks", "Bogus=1", 400, 20001, "Unknown parameter: Bogus"},
      {"POST", trunk, "SymmetricRtpEnabled=true", 400, 20001, "SymmetricRtpEnabled"},
      {"POST", trunk, "Recording=record-from-answer", 400, 20001, "Recording"},
      {"POST", ou, "Weight=1&Priority=0&Enabled=true&FriendlyName=x", 400, 21245,
       "SipUrl is required"},
      {"POST", ou, "Weight=0&Priority=0&Enabled=true&FriendlyName=x&SipUrl=sip:a", 400, 21245,
       "Weight must be an integer from 1 to 65535"},
      {"POST", ou, "Weight=65536&Priority=0&Enabled=true&FriendlyName=x&SipUrl=sip:a", 400, 21245,
       "Weight"},
      {"POST", ou, "Weight=abc&Priority=0&Enabled=true&FriendlyName=x&SipUrl=sip:a", 400, 21245,
       "Weight"},
      {"POST", ou, "Weight=1&Priority=-1&Enabled=true&FriendlyName=x&SipUrl=sip:a", 400, 21245,
       "Priority must be an integer from 0 to 65535"},
      {"POST", ou, "Weight=1&Priority=65536&Enabled=true&FriendlyName=x&SipUrl=sip:a", 400, 21245,
       "Priority"},
      {"POST", ou, "Weight=1&Priority=0&Enabled=true&FriendlyName=x&SipUrl=sips:a.example.com", 400,
       21205, "sip:"},
      {"POST", ou, "Weight=1&Priority=0&Enabled=true&FriendlyName=x&SipUrl=http://a.example.com",
       400, 21205, "SipUrl"},
      {"POST", ou,
       "Weight=1&Priority=0&Enabled=true&SipUrl=sip:a.example.com&FriendlyName=" +
           std::string(65, 'y'),
       400, 20002, "64"},
      {"POST", ou, ok_ou + "&Weight=2", 400, 20001, "Weight is given more than once"},
      {"POST", trunk + "/Recording", "Mode=always", 400, 21245, "Mode must be one of"},
      {"POST", trunk + "/Recording", "Trim=some", 400, 21245, "Trim"},
      {"POST", trunk + "/CredentialLists", "CredentialListSid=AL0123456789abcdef0123456789abcdef",
       400, 21245, "CredentialListSid must be CL"},
      {"POST", trunk + "/CredentialLists", "", 400, 21245, "CredentialListSid is required"},
      {"POST", trunk + "/IpAccessControlLists", "IpAccessControlListSid=AL123", 400, 21245,
       "IpAccessControlListSid"},
      {"POST", trunk + "/PhoneNumbers", "PhoneNumberSid=PNzz", 400, 21245, "PhoneNumberSid"},
      {"GET", "/v1/Trunks?PageSize=0", "", 400, 20001, "PageSize"},
      {"GET", "/v1/Trunks?PageSize=1001", "", 400, 20001, "PageSize"},
      {"GET", "/v1/Trunks?PageToken=XX", "", 400, 21481, "Invalid PageToken"},
      {"GET", "/v1/Trunks/TK123", "", 404, 20404, "not found"},
      {"GET", "/v1/Trunks/TK0123456789abcdef0123456789abcdef", "", 404, 20404, "not found"},
      {"GET", trunk + "/OriginationUrls/OU0123456789abcdef0123456789abcdef", "", 404, 20404,
       "not found"},
      {"GET", "/v1/Nothing", "", 404, 20404, "not found"},
      {"PUT", trunk, "FriendlyName=x", 405, 20004, "Method not allowed"},
      {"POST", trunk + "/CredentialLists/CL0123456789abcdef0123456789abcdef", "", 405, 20004,
       "Method not allowed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + c.form);
    ExpectError(Call(c.method, c.target, c.form), c.status, c.code, c.message);
  }
  // Nothing refused was stored.
  Answer all = Call("GET", "/v1/Trunks");
  ASSERT_EQ(all.body.at("trunks").as_array().size(), 1u);
  EXPECT_TRUE(Call("GET", ou).body.at("origination_urls").as_array().empty());
  EXPECT_EQ(Call("GET", trunk).body.at("friendly_name"), nullptr);

  // Associating the same list twice is refused; so is one number on two trunks.
  const std::string cl = "CredentialListSid=CL0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Call("POST", trunk + "/CredentialLists", cl).status, 201);
  ExpectError(Call("POST", trunk + "/CredentialLists", cl), 400, 21245, "already associated");
  const std::string pn = "PhoneNumberSid=PN0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Call("POST", trunk + "/PhoneNumbers", pn).status, 201);
  const std::string other = CreateTrunk("other.pstn.twilio.com");
  ExpectError(Call("POST", "/v1/Trunks/" + other + "/PhoneNumbers", pn), 400, 21245,
              "already associated with trunk " + tk);
}

TEST_F(TwilioEmulatorTest, FormBodiesAcceptPlusAndPercentTwentyAsSpaces) {
  Answer plus = Call("POST", "/v1/Trunks", "FriendlyName=a+b+c");
  Answer pct = Call("POST", "/v1/Trunks", "FriendlyName=a%20b%20c");
  EXPECT_EQ(plus.body.at("friendly_name"), "a b c");
  EXPECT_EQ(pct.body.at("friendly_name"), "a b c");
  // An empty create is valid: the spec requires no parameter.
  Answer empty = Call("POST", "/v1/Trunks", "");
  EXPECT_EQ(empty.status, 201);
  EXPECT_EQ(empty.body.at("domain_name"), nullptr);
  // A JSON body is not what Twilio takes.
  Answer as_json = Send(*client_, "POST", "/v1/Trunks", R"({"FriendlyName":"x"})",
                        Basic(kAccount, kToken), "application/json");
  EXPECT_EQ(as_json.status, 415);
}

TEST_F(TwilioEmulatorTest, CredentialsDecideTheAccountAndBadOnesAre401With20003) {
  const std::string tk = CreateTrunk("mine.pstn.twilio.com");
  for (const std::string& auth :
       {std::string(), Basic(kAccount, "wrong"),
        Basic("AC00000000000000000000000000000009", kToken), Basic(kApiKey, "wrong"),
        std::string("Bearer x"), std::string("Basic !!!")}) {
    SCOPED_TRACE(auth);
    Answer a = Call("GET", "/v1/Trunks/" + tk, "", auth);
    ExpectError(a, 401, 20003, "Authenticate");
    EXPECT_EQ(http::FindHeader(a.headers, "WWW-Authenticate"), "Basic realm=\"Twilio API\"");
  }
  // An API key acts for its account.
  EXPECT_EQ(Call("GET", "/v1/Trunks/" + tk, "", Basic(kApiKey, kApiSecret)).status, 200);
  // Another account sees neither the trunk nor it in lists, and cannot change it.
  const std::string other = Basic(kOtherAccount, kOtherToken);
  EXPECT_EQ(Call("GET", "/v1/Trunks/" + tk, "", other).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/Trunks/" + tk, "", other).status, 404);
  EXPECT_TRUE(Call("GET", "/v1/Trunks", "", other).body.at("trunks").as_array().empty());
  // Domain names are unique across accounts, as on Twilio.
  ExpectError(Call("POST", "/v1/Trunks", "DomainName=mine.pstn.twilio.com", other), 400, 21248,
              "already taken");
}

TEST_F(TwilioEmulatorTest, DomainNameUniquenessHoldsOnUpdateToo) {
  const std::string a = CreateTrunk("a.pstn.twilio.com");
  const std::string b = CreateTrunk("b.pstn.twilio.com");
  ExpectError(Call("POST", "/v1/Trunks/" + b, "DomainName=a.pstn.twilio.com"), 400, 21248,
              "already taken");
  // Re-setting a trunk's own domain is no conflict; a freed domain can be taken.
  EXPECT_EQ(Call("POST", "/v1/Trunks/" + a, "DomainName=a.pstn.twilio.com").status, 200);
  EXPECT_EQ(Call("DELETE", "/v1/Trunks/" + a).status, 204);
  EXPECT_EQ(Call("POST", "/v1/Trunks/" + b, "DomainName=a.pstn.twilio.com").status, 200);
}

TEST_F(TwilioEmulatorTest, SidsHaveTheirPrefixAndThirtyTwoHexDigitsAndFollowTheSeed) {
  const std::string tk = CreateTrunk("seeded.pstn.twilio.com");
  EXPECT_THAT(tk, ::testing::MatchesRegex("TK[0-9a-f]{32}"));
  // A second emulator with the same seed hands out the same SIDs for the same requests.
  auto again = Emulator::Start(TestOptions());
  ASSERT_TRUE(again.ok());
  http::Client client(http::ClientOptions{"127.0.0.1", (*again)->twilio_port()});
  EXPECT_EQ(Send(client, "POST", "/v1/Trunks", "DomainName=seeded.pstn.twilio.com").body.at("sid"),
            json::value(tk));
  auto other_seed = Emulator::Start(TestOptions({}, 2));
  ASSERT_TRUE(other_seed.ok());
  http::Client other(http::ClientOptions{"127.0.0.1", (*other_seed)->twilio_port()});
  EXPECT_NE(Send(other, "POST", "/v1/Trunks", "DomainName=seeded.pstn.twilio.com").body.at("sid"),
            json::value(tk));
}

}  // namespace
}  // namespace trunkline::emulator::testing
