// The emulator's request log over real HTTP on 127.0.0.1: secrets are masked in every shape
// a request carries them (headers, query strings, form bodies, JSON at any depth, text that
// only looks like JSON), and the log stays within its byte bound, counting what it dropped.
#include "request_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator_test_util.h"
#include "secrets.h"

namespace trunkline::emulator::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

class RequestLogTest : public ::testing::Test {
 protected:
  void Start(size_t log_bytes = 16 * 1024 * 1024) {
    EmulatorOptions options = TestOptions();
    options.request_log_bytes = log_bytes;
    auto emulator = Emulator::Start(options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = std::move(*emulator);
    twilio_ =
        std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", emulator_->twilio_port()});
    plivo_ =
        std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", emulator_->plivo_port()});
  }
  json::object Log() {
    return Send(*twilio_, "GET", "/__emulator/requests", "", "").body.as_object();
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<http::Client> twilio_, plivo_;
};

TEST(SecretNameTest, AnyCaseAndSeparatorOfASecretNameIsSecret) {
  for (const char* name :
       {"AuthToken", "auth_token", "AUTH-TOKEN", "PASSWORD", "sip_password", "Password", "passwd",
        "client_secret", "ApiKey", "x-api-key", "Authorization", "Proxy-Authorization", "Cookie",
        "access.token", "private_key"}) {
    EXPECT_TRUE(IsSecretName(name)) << name;
  }
  for (const char* name : {"FriendlyName", "username", "PageToken", "page_token", "name", "auth_id",
                           "CredentialListSid", "Content-Type"}) {
    EXPECT_FALSE(IsSecretName(name)) << name;
  }
}

TEST_F(RequestLogTest, SecretsAreMaskedInEveryShape) {
  Start();
  struct Case {
    std::string name;
    bool plivo;
    std::string target;
    std::string body;
    std::vector<std::string> secrets;  // none may appear in the log
    std::vector<std::string> kept;     // what must still be there, masks included
  };
  const std::string plivo = std::string("/v1/Account/") + kPlivoAuthId + "/Zentrunk/Credential/";
  const std::vector<Case> cases = {
      {"form",
       false,
       "/v1/Trunks",
       "FriendlyName=visible-1&AuthToken=sek-form-1&sip_password=sek-form-2&PASSWORD=sek-form-3",
       {"sek-form-1", "sek-form-2", "sek-form-3"},
       {"FriendlyName=visible-1&AuthToken=***&sip_password=***&PASSWORD=***"}},
      {"form with encoded names",
       false,
       "/v1/Trunks",
       "auth%5Ftoken=sek-enc-1&Pass%77ord=sek-enc-2&client+secret=sek-enc-3&Password%3Dsek-enc-4",
       {"sek-enc-1", "sek-enc-2", "sek-enc-3", "sek-enc-4"},
       {"auth%5Ftoken=***&Pass%77ord=***&client+secret=***&***"}},
      {"query string",
       false,
       "/v1/Trunks?PageSize=20&auth_token=sek-query-1&PageToken=PAvisible",
       "",
       {"sek-query-1"},
       {"/v1/Trunks?PageSize=20&auth_token=***&PageToken=PAvisible"}},
      {"nested JSON",
       true,
       plivo,
       R"({"name":"visible-2","password":"sek-json-1","nested":{"AuthToken":"sek-json-2",)"
       R"("list":[{"PASSWORD":"sek-json-3"},{"secret":{"deep":"sek-json-4"}},"visible-3"]}})",
       {"sek-json-1", "sek-json-2", "sek-json-3", "sek-json-4"},
       {"visible-2", "visible-3", R"("password":"***")", R"("secret":"***")"}},
      {"JSON array",
       true,
       plivo,
       R"([{"api_key":"sek-array-1","n":1},[{"token":12345678}]])",
       {"sek-array-1", "12345678"},
       {R"("api_key":"***")", R"("token":"***")"}},
      {"malformed JSON",
       true,
       plivo,
       R"({"name":"visible-4","password":"sek-bad-1", "auth_token": sek-bad-2, )"
       R"("x": {"secret": {"a":"sek-bad-3"}, 'Passwd' : 'sek-bad-4', "token":"sek-bad-5)",
       {"sek-bad-1", "sek-bad-2", "sek-bad-3", "sek-bad-4", "sek-bad-5"},
       {"visible-4", R"("password":"***")", R"("auth_token": ***)"}},
      {"plain text", false, "/v1/Trunks", "password sek-text-1", {"sek-text-1"}, {}},
  };
  for (const Case& c : cases) {
    http::Request request{"POST", c.target, {}, c.body};
    request.headers.push_back(
        {"Authorization", c.plivo ? Basic(kPlivoAuthId, kPlivoToken) : Basic(kAccount, kToken)});
    request.headers.push_back({"X-Api-Key", "sek-header-1"});
    request.headers.push_back({"Cookie", "session=sek-header-2"});
    ASSERT_TRUE((c.plivo ? plivo_ : twilio_)->Send(request).ok()) << c.name;
    const json::object log = Log();
    const json::value& entry = log.at("requests").as_array().back();
    const std::string text = json::serialize(entry);
    const std::string stored = std::string(entry.at("target").as_string()) + "\n" +
                               std::string(entry.at("body").as_string());
    for (const std::string& secret : c.secrets) {
      EXPECT_THAT(text, Not(HasSubstr(secret))) << c.name;
      EXPECT_THAT(stored, Not(HasSubstr(secret))) << c.name;
    }
    for (const std::string& kept : c.kept) EXPECT_THAT(stored, HasSubstr(kept)) << c.name;
    for (const char* secret : {kToken, kPlivoToken, "sek-header-1", "sek-header-2"}) {
      EXPECT_THAT(text, Not(HasSubstr(secret))) << c.name;
    }
    for (const std::string& credentials :
         {Basic(kAccount, kToken), Basic(kPlivoAuthId, kPlivoToken)}) {
      EXPECT_THAT(text, Not(HasSubstr(credentials.substr(6)))) << c.name;
    }
    const json::object& headers = entry.at("headers").as_object();
    EXPECT_EQ(headers.at("Authorization"), "Basic ***") << c.name;
    EXPECT_EQ(headers.at("X-Api-Key"), "***") << c.name;
    EXPECT_EQ(headers.at("Cookie"), "***") << c.name;
  }
}

TEST_F(RequestLogTest, TheLogKeepsWithinItsBoundDroppingTheOldestAndCountingThem) {
  constexpr size_t kLimit = 16 * 1024;
  Start(kLimit);
  constexpr int kRequests = 100;
  for (int i = 0; i < kRequests; ++i) {
    Send(*twilio_, "POST", "/v1/Trunks",
         "FriendlyName=n" + std::to_string(i) + "&Filler=" + std::string(400, 'f'));
  }
  json::object log = Log();
  const json::array& entries = log.at("requests").as_array();
  ASSERT_FALSE(entries.empty());
  EXPECT_LT(entries.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(log.at("dropped").to_number<uint64_t>() + entries.size(),
            static_cast<uint64_t>(kRequests));
  EXPECT_LE(log.at("bytes").to_number<uint64_t>(), kLimit);
  EXPECT_EQ(log.at("limit_bytes").to_number<uint64_t>(), kLimit);
  // The newest are kept, in order.
  const int first = kRequests - static_cast<int>(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_THAT(std::string(entries[i].at("body").as_string()),
                HasSubstr("FriendlyName=n" + std::to_string(first + static_cast<int>(i)) + "&"));
  }
  // An entry larger than the whole bound is dropped at once; the rest stay.
  const uint64_t dropped = log.at("dropped").to_number<uint64_t>();
  const size_t kept = entries.size();
  Send(*twilio_, "POST", "/v1/Trunks", "FriendlyName=" + std::string(2 * kLimit, 'g'));
  log = Log();
  EXPECT_EQ(log.at("dropped").to_number<uint64_t>(), dropped + 1);
  EXPECT_EQ(log.at("requests").as_array().size(), kept);
  // A reset forgets the entries and the count.
  ASSERT_EQ(Send(*twilio_, "POST", "/__emulator/reset", "", "").status, 200);
  log = Log();
  EXPECT_TRUE(log.at("requests").as_array().empty());
  EXPECT_EQ(log.at("dropped").to_number<uint64_t>(), 0u);
  EXPECT_EQ(log.at("bytes").to_number<uint64_t>(), 0u);
}

TEST(RequestLogBoundTest, ALimitOfZeroIsRefused) {
  EmulatorOptions options = TestOptions();
  options.request_log_bytes = 0;
  EXPECT_EQ(Emulator::Start(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trunkline::emulator::testing
