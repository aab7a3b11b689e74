// The error classification table: Twilio's answer to a step -> trunkline's SyncError, through
// Absorb (the way the host meets it).
#include <gtest/gtest.h>

#include "twilio_test_util.h"

namespace trunkline::twilio::testing {
namespace {

const std::string kTk = Sid("TK", 1);

struct Row {
  const char* name;
  Step step;
  HttpResponse response;
  int32_t code;
  bool retryable;
  std::string field;
  std::string provider_code;
  std::optional<int64_t> retry_after_ms;
};

Step MakeStep(StepKind kind, const std::string& target, const std::string& method,
              const std::string& path) {
  Step s;
  s.kind = kind;
  s.target = target;
  s.request.method = method;
  s.request.path = path;
  return s;
}

HttpResponse Error(int status, int code, const std::string& message,
                   plugin_sdk::NameValues headers = {}) {
  HttpResponse r = Answer(status, ErrorBody(code, message, status));
  for (auto& h : headers) r.headers.push_back(std::move(h));
  return r;
}

std::vector<Row> Rows() {
  const std::string base = "/v1/Trunks/" + kTk;
  const Step update = MakeStep(StepKind::kUpdate, "trunk", "POST", base);
  const Step create = MakeStep(StepKind::kCreate, "trunk", "POST", "/v1/Trunks");
  const Step read = MakeStep(StepKind::kRead, "trunk", "GET", base);
  const Step url_create =
      MakeStep(StepKind::kCreate, "origination_urls/main", "POST", base + "/OriginationUrls");
  const Step url_update = MakeStep(StepKind::kUpdate, "origination_urls/main", "POST",
                                   base + "/OriginationUrls/" + Sid("OU", 1));
  const Step recording = MakeStep(StepKind::kUpdate, "recording", "POST", base + "/Recording");
  const std::string pn = Sid("PN", 5);
  const Step attach =
      MakeStep(StepKind::kCreate, "phone_numbers/" + pn, "POST", base + "/PhoneNumbers");
  const Step lookup = MakeStep(StepKind::kLookup, "trunks", "GET", "/v1/Trunks");
  return {
      {"TooManyRequestsWithRetryAfter", update,
       Error(429, 20429, "Too Many Requests", {{"retry-after", "3"}}), 8, true, "", "20429", 3000},
      {"TooManyRequestsWithoutRetryAfter", read, Error(429, 20429, "Too Many Requests"), 8, true,
       "", "20429", std::nullopt},
      {"RetryAfterAsHttpDateIsIgnored", read,
       Error(429, 20429, "Too Many Requests", {{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}}),
       8, true, "", "20429", std::nullopt},
      {"InternalServerError", update, Error(500, 20500, "Internal Server Error"), 14, true, "",
       "20500", std::nullopt},
      {"ServiceUnavailableWithoutBody", read, Answer(503, "<html>busy</html>"), 14, true, "", "",
       std::nullopt},
      {"Unauthenticated", read, Error(401, 20003, "Authenticate"), 16, false, "", "20003",
       std::nullopt},
      {"Forbidden", update, Error(403, 20403, "Forbidden"), 7, false, "", "20403", std::nullopt},
      {"DomainTaken", create, Error(400, 21248, "Trunk Domain already taken: a.pstn.twilio.com"), 3,
       false, "domain_name", "21248", std::nullopt},
      {"RefusedEnumNamesItsField", update,
       Error(400, 21245, "TransferMode must be one of disable-all, enable-all, sip-only"), 3, false,
       "transfer_mode", "21245", std::nullopt},
      {"RefusedUrl", update, Error(400, 21205, "DisasterRecoveryUrl is not a valid http(s) URL: x"),
       3, false, "disaster_recovery_url", "21205", std::nullopt},
      {"RefusedWithoutAParameterName", update, Error(400, 21244, "Maximum Number of Trunks"), 3,
       false, "", "21244", std::nullopt},
      {"OriginationUrlFriendlyName", url_create,
       Error(400, 20002, "FriendlyName must be at most 64 characters"), 3, false,
       "origination_urls.main.friendly_name", "20002", std::nullopt},
      {"OriginationUrlSipUrl", url_update, Error(400, 21205, "SipUrl must be a sip: URL"), 3, false,
       "origination_urls.main.sip_url", "21205", std::nullopt},
      {"RecordingMode", recording, Error(400, 21245, "Mode must be one of do-not-record"), 3, false,
       "recording.mode", "21245", std::nullopt},
      {"UnknownPhoneNumber", attach,
       Error(404, 20404, "The requested resource /PhoneNumbers/" + pn + " was not found"), 9, false,
       "phone_numbers", "20404", std::nullopt},
      {"PhoneNumberOnAnotherTrunk", attach,
       Error(400, 21245,
             "Phone number " + pn + " is already associated with trunk " + Sid("TK", 2)),
       3, false, "phone_numbers", "21245", std::nullopt},
      {"ListingNotFound", lookup, Error(404, 20404, "The requested resource /Trunks"), 5, false, "",
       "20404", std::nullopt},
      {"MethodNotAllowed", update, Error(405, 20004, "Method not allowed"), 13, false, "", "20004",
       std::nullopt},
      {"SuccessThatIsNotJson", read, Answer(200, "<html>proxy</html>"), 14, true, "", "",
       std::nullopt},
  };
}

class TwilioErrorsTest : public ::testing::TestWithParam<Row> {};

TEST_P(TwilioErrorsTest, Classifies) {
  const Row& row = GetParam();
  Observation o;
  o.remote_id = kTk;
  o.read = o.exists = true;
  const plugin_sdk::AbsorbResult r =
      Absorb(plugin_sdk::AbsorbInput{DesiredTrunk{}, o, row.step, row.response});
  ASSERT_TRUE(r.error.has_value());
  ASSERT_FALSE(r.observation.has_value());
  EXPECT_EQ(r.error->code, row.code);
  EXPECT_EQ(r.error->retryable, row.retryable);
  EXPECT_EQ(r.error->field, row.field);
  EXPECT_EQ(r.error->provider_code, row.provider_code);
  EXPECT_EQ(r.error->retry_after_ms, row.retry_after_ms);
  EXPECT_FALSE(r.error->message.empty());
  if (row.code == 9) {
    EXPECT_NE(r.error->message.find(Sid("PN", 5)), std::string::npos) << r.error->message;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TwilioErrorsTest, ::testing::ValuesIn(Rows()),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(TwilioExpectedAbsenceTest, AttachingWhatThisTrunkHasAlreadyIsDone) {
  Observation o;
  o.remote_id = kTk;
  o.read = o.exists = true;
  const std::string cl = Sid("CL", 3);
  Step attach = MakeStep(StepKind::kCreate, "credential_lists/" + cl, "POST",
                         "/v1/Trunks/" + kTk + "/CredentialLists");
  const plugin_sdk::AbsorbResult r = Absorb(plugin_sdk::AbsorbInput{
      DesiredTrunk{}, o, attach,
      Error(400, 21245, "CL " + cl + " is already associated with trunk " + kTk)});
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_EQ(r.observation->content.attachments.at("credential_lists"),
            std::vector<std::string>{cl});
}

TEST(TwilioExpectedAbsenceTest, DetachingOrDeletingWhatIsGoneIsDone) {
  Observation o;
  o.remote_id = kTk;
  o.read = o.exists = true;
  o.content.attachments["phone_numbers"] = {Sid("PN", 1)};
  o.content.items[kOriginationUrls]["main"] = {{"weight", int64_t{1}}};
  o.item_ids[kOriginationUrls]["main"] = Sid("OU", 1);
  const HttpResponse gone = Error(404, 20404, "The requested resource was not found");
  const Step detach = MakeStep(StepKind::kDelete, "phone_numbers/" + Sid("PN", 1), "DELETE",
                               "/v1/Trunks/" + kTk + "/PhoneNumbers/" + Sid("PN", 1));
  auto r = Absorb(plugin_sdk::AbsorbInput{DesiredTrunk{}, o, detach, gone});
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_TRUE(r.observation->content.attachments.empty());
  const Step remove = MakeStep(StepKind::kDelete, "origination_urls/main", "DELETE",
                               "/v1/Trunks/" + kTk + "/OriginationUrls/" + Sid("OU", 1));
  r = Absorb(plugin_sdk::AbsorbInput{DesiredTrunk{}, o, remove, gone});
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_TRUE(r.observation->content.items.empty());
  EXPECT_TRUE(r.observation->item_ids.empty());
}

}  // namespace
}  // namespace trunkline::twilio::testing
