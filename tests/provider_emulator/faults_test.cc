// Fault specs, the seeded injector, and every fault kind as a client sees it over real HTTP;
// the admin endpoint that changes faults and shows the request log and state.
#include "faults.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "emulator_test_util.h"

namespace trunkline::emulator::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;
using Kind = FaultDecision::Kind;
using Clock = std::chrono::steady_clock;

TEST(FaultSpecTest, TheTextFormRoundTrips) {
  auto spec = ParseFaults(
      "latency=20+5,rate=50,burst=100,retry-after=off,errors=0.1,lost=0.05,lost-mode=hold,"
      "hold-ms=2000,reset=0.02");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->latency_ms, 20);
  EXPECT_EQ(spec->jitter_ms, 5);
  EXPECT_EQ(spec->rate, 50);
  EXPECT_EQ(spec->burst, 100);
  EXPECT_FALSE(spec->retry_after);
  EXPECT_DOUBLE_EQ(spec->errors, 0.1);
  EXPECT_DOUBLE_EQ(spec->lost, 0.05);
  EXPECT_TRUE(spec->lost_hold);
  EXPECT_EQ(spec->hold_ms, 2000);
  EXPECT_DOUBLE_EQ(spec->reset, 0.02);
  EXPECT_EQ(ParseFaults(FormatFaults(*spec)).value(), *spec);
  EXPECT_EQ(ParseFaults("").value(), FaultSpec{});
  EXPECT_EQ(FormatFaults(FaultSpec{}), "");
}

TEST(FaultSpecTest, BadSpecsNameTheKeyAndTheRule) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"latency=abc", "latency must be a number"},
      {"latency=10+x", "latency must be a number"},
      {"latency=1.5", "latency must be whole milliseconds"},
      {"rate=-1", "rate must be a number from 0"},
      {"errors=2", "errors must be a number from 0 to 1"},
      {"lost-mode=maybe", "lost-mode must be drop or hold"},
      {"retry-after=yes", "retry-after must be on or off"},
      {"errors=0.7,reset=0.5", "errors plus reset must not exceed 1"},
      {"bogus=1", "bogus is not a fault"},
      {"latency", "latency needs a value"},
  };
  for (const auto& [text, message] : cases) {
    auto spec = ParseFaults(text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(spec.status().message(), HasSubstr(message)) << text;
  }
}

std::vector<Kind> Decisions(FaultInjector& injector, int n) {
  std::vector<Kind> out;
  for (int i = 0; i < n; ++i) out.push_back(injector.Decide("AC1", i % 3 != 0).kind);
  return out;
}

TEST(FaultInjectorTest, TheSameSeedGivesTheSameFaults) {
  const FaultSpec spec = ParseFaults("errors=0.3,reset=0.1,lost=0.3,latency=5+50").value();
  FaultInjector a(7, spec), b(7, spec), c(8, spec);
  const std::vector<Kind> first = Decisions(a, 300);
  EXPECT_EQ(Decisions(b, 300), first);
  EXPECT_NE(Decisions(c, 300), first);
  a.Reseed();
  EXPECT_EQ(Decisions(a, 300), first);
  // Every kind shows up, in roughly its share; only changes are lost.
  FaultInjector d(7, spec);
  std::map<Kind, int> counts;
  for (int i = 0; i < 3000; ++i) {
    const FaultDecision decision = d.Decide("AC1", i % 2 == 0);
    ++counts[decision.kind];
    if (decision.kind == Kind::kLost) {
      EXPECT_EQ(i % 2, 0);
    }
    EXPECT_GE(decision.delay.count(), 5);
    EXPECT_LE(decision.delay.count(), 55);
  }
  EXPECT_NEAR(counts[Kind::kReset], 300, 90);
  EXPECT_NEAR(counts[Kind::kError500] + counts[Kind::kError503], 900, 150);
  EXPECT_GT(counts[Kind::kError500], 0);
  EXPECT_GT(counts[Kind::kError503], 0);
  EXPECT_NEAR(counts[Kind::kLost], 3000 * 0.6 * 0.5 * 0.3, 90);
}

TEST(FaultInjectorTest, TheRateLimitIsATokenBucketPerAccount) {
  FaultInjector injector(1, ParseFaults("rate=1,burst=3").value());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(injector.Decide("AC1", false).kind, Kind::kNone);
  const FaultDecision limited = injector.Decide("AC1", false);
  EXPECT_EQ(limited.kind, Kind::kRateLimited);
  EXPECT_EQ(limited.retry_after_s, 1);
  EXPECT_EQ(injector.Decide("AC2", false).kind, Kind::kNone);  // its own bucket
}

class FaultsOverHttpTest : public ::testing::Test {
 protected:
  void Start(const std::string& faults, uint64_t seed = 1) {
    auto started = Emulator::Start(TestOptions(ParseFaults(faults).value(), seed));
    ASSERT_TRUE(started.ok()) << started.status();
    emulator_ = std::move(*started);
    client_ = Client(300);
  }
  std::unique_ptr<http::Client> Client(int timeout_ms, bool plivo = false) {
    return std::make_unique<http::Client>(
        http::ClientOptions{"127.0.0.1", plivo ? emulator_->plivo_port() : emulator_->twilio_port(),
                            std::chrono::milliseconds(timeout_ms)});
  }
  Answer Admin(const std::string& method, const std::string& what, const std::string& body = "") {
    return Send(*client_, method, "/__emulator/" + what, body, "", "text/plain");
  }
  size_t TrunkCount() {
    const Answer state = Admin("GET", "state");
    const json::value* mine =
        state.body.at("twilio").at("trunks_by_account").as_object().if_contains(kAccount);
    return mine ? mine->as_array().size() : 0;
  }
  Result<http::Response> Create(http::Client& client, const std::string& domain) {
    return client.Send(http::Request{"POST",
                                     "/v1/Trunks",
                                     {{"Authorization", Basic(kAccount, kToken)},
                                      {"Content-Type", "application/x-www-form-urlencoded"}},
                                     "DomainName=" + domain});
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<http::Client> client_;
};

TEST_F(FaultsOverHttpTest, LatencyDelaysEveryAnswer) {
  Start("latency=120");
  const auto start = Clock::now();
  EXPECT_EQ(Send(*client_, "GET", "/v1/Trunks").status, 200);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(120));
}

TEST_F(FaultsOverHttpTest, TheRateLimitAnswers429InEachProvidersShape) {
  Start("rate=1,burst=2");
  EXPECT_EQ(Send(*client_, "GET", "/v1/Trunks").status, 200);
  EXPECT_EQ(Send(*client_, "GET", "/v1/Trunks").status, 200);
  Answer limited = Send(*client_, "GET", "/v1/Trunks");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body.at("code"), 20429);
  EXPECT_EQ(http::FindHeader(limited.headers, "Retry-After"), "1");
  auto plivo = Client(300, true);
  const std::string plivo_auth = Basic(kPlivoAuthId, kPlivoToken);
  const std::string trunks = std::string("/v1/Account/") + kPlivoAuthId + "/Zentrunk/Trunk/";
  Send(*plivo, "GET", trunks, "", plivo_auth);
  Send(*plivo, "GET", trunks, "", plivo_auth);
  Answer plivo_limited = Send(*plivo, "GET", trunks, "", plivo_auth);
  EXPECT_EQ(plivo_limited.status, 429);
  EXPECT_TRUE(plivo_limited.body.as_object().contains("api_id"));
  EXPECT_TRUE(plivo_limited.body.as_object().contains("error"));
  // Without Retry-After, when asked.
  ASSERT_EQ(Admin("POST", "faults", "rate=1,burst=1,retry-after=off").status, 200);
  Send(*client_, "GET", "/v1/Trunks");
  Answer bare = Send(*client_, "GET", "/v1/Trunks");
  EXPECT_EQ(bare.status, 429);
  EXPECT_EQ(http::FindHeader(bare.headers, "Retry-After"), std::nullopt);
}

TEST_F(FaultsOverHttpTest, ServerErrorsAre500Or503AndChangeNothing) {
  Start("errors=1");
  std::set<int> statuses;
  for (int i = 0; i < 20; ++i) {
    Answer a = Send(*client_, "POST", "/v1/Trunks",
                    "DomainName=t" + std::to_string(i) + ".pstn.twilio.com");
    statuses.insert(a.status);
    EXPECT_EQ(a.body.at("code").as_int64(), a.status == 500 ? 20500 : 20503);
  }
  EXPECT_EQ(statuses, (std::set<int>{500, 503}));
  EXPECT_EQ(TrunkCount(), 0u);
}

TEST_F(FaultsOverHttpTest, ALostAnswerWasAppliedAndOnlyChangesAreLost) {
  Start("lost=1");
  EXPECT_EQ(Send(*client_, "GET", "/v1/Trunks").status, 200);  // reads are never lost
  Result<http::Response> dropped = Create(*client_, "lost.pstn.twilio.com");
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(TrunkCount(), 1u);
  const json::array log = Admin("GET", "requests").body.at("requests").as_array();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].at("fault"), "lost");
  EXPECT_EQ(log[1].at("status"), 0);  // no answer went out
  EXPECT_EQ(log[1].at("body"), "DomainName=lost.pstn.twilio.com");
  EXPECT_EQ(log[1].at("target"), "/v1/Trunks");
}

TEST_F(FaultsOverHttpTest, AHeldAnswerOutlastsTheClientsTimeout) {
  Start("lost=1,lost-mode=hold,hold-ms=3000");
  auto impatient = Client(200);
  const auto start = Clock::now();
  Result<http::Response> held = Create(*impatient, "held.pstn.twilio.com");
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2000));
  EXPECT_EQ(TrunkCount(), 1u);
}

TEST_F(FaultsOverHttpTest, AResetConnectionChangesNothing) {
  Start("reset=1");
  Result<http::Response> reset = Create(*client_, "reset.pstn.twilio.com");
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(reset.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(TrunkCount(), 0u);
  EXPECT_EQ(Admin("GET", "requests").body.at("requests").at(0).at("fault"), "reset");
}

TEST_F(FaultsOverHttpTest, TheSameSeedGivesTheSameFaultSequenceOverHttp) {
  auto statuses = [&](uint64_t seed) {
    Start("errors=0.5", seed);
    std::vector<int> out;
    for (int i = 0; i < 40; ++i) out.push_back(Send(*client_, "GET", "/v1/Trunks").status);
    return out;
  };
  const std::vector<int> first = statuses(11);
  EXPECT_EQ(statuses(11), first);
  EXPECT_NE(statuses(12), first);
  // A reset starts the sequence again.
  ASSERT_EQ(Admin("POST", "reset").status, 200);
  std::vector<int> again;
  for (int i = 0; i < 40; ++i) again.push_back(Send(*client_, "GET", "/v1/Trunks").status);
  EXPECT_EQ(again, statuses(12));
}

TEST_F(FaultsOverHttpTest, TheAdminEndpointChangesFaultsAndShowsLogAndState) {
  Start("");
  EXPECT_EQ(Admin("GET", "faults").body.at("faults"), "");
  Answer bad = Admin("POST", "faults", "errors=5");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(std::string(bad.body.at("error").as_string()), HasSubstr("errors must be"));
  ASSERT_EQ(Admin("POST", "faults", "errors=1").status, 200);
  EXPECT_EQ(Admin("GET", "faults").body.at("faults"), "errors=1");
  EXPECT_GE(Send(*client_, "GET", "/v1/Trunks").status, 500);
  ASSERT_EQ(Admin("POST", "faults", "").status, 200);
  EXPECT_EQ(Send(*client_, "POST", "/v1/Trunks", "DomainName=a.pstn.twilio.com").status, 201);

  const json::array log = Admin("GET", "requests").body.at("requests").as_array();
  ASSERT_EQ(log.size(), 2u);
  const std::string first_fault(log[0].at("fault").as_string());
  EXPECT_TRUE(first_fault == "error-500" || first_fault == "error-503") << first_fault;
  EXPECT_EQ(log[1].at("status"), 201);
  EXPECT_EQ(log[1].at("method"), "POST");
  EXPECT_EQ(log[1].at("provider"), "twilio");
  EXPECT_EQ(TrunkCount(), 1u);

  // Secrets stay out of the log.
  auto plivo = Client(300, true);
  Send(*plivo, "POST", std::string("/v1/Account/") + kPlivoAuthId + "/Zentrunk/Credential/",
       R"({"name":"c1","username":"u1","password":"s3cret-Passw0rd"})",
       Basic(kPlivoAuthId, kPlivoToken), "application/json");
  const std::string dump =
      json::serialize(Admin("GET", "requests").body) + json::serialize(Admin("GET", "state").body);
  EXPECT_THAT(dump, Not(HasSubstr("s3cret-Passw0rd")));
  EXPECT_THAT(dump, Not(HasSubstr(kToken)));

  ASSERT_EQ(Admin("POST", "reset").status, 200);
  EXPECT_EQ(TrunkCount(), 0u);
  EXPECT_TRUE(Admin("GET", "requests").body.at("requests").as_array().empty());
  EXPECT_EQ(Admin("GET", "nothing").status, 404);
  EXPECT_EQ(Admin("POST", "plivo-quirks", "off").body.at("plivo_quirks"), false);
  EXPECT_EQ(Admin("POST", "plivo-quirks", "maybe").status, 400);
  EXPECT_EQ(Admin("POST", "telnyx-quirks", "off").body.at("telnyx_quirks"), false);
  EXPECT_EQ(Admin("POST", "telnyx-quirks", "on").body.at("telnyx_quirks"), true);
  EXPECT_EQ(Admin("POST", "telnyx-quirks", "yes").status, 400);
  EXPECT_TRUE(Admin("GET", "state").body.as_object().contains("telnyx"));
}

}  // namespace
}  // namespace trunkline::emulator::testing
