// The error table (README.md): Telnyx's envelopes and statuses as trunkline errors.
#include <gtest/gtest.h>

#include "telnyx_test_util.h"

namespace trunkline::telnyx::testing {
namespace {

Step TrunkPatch() {
  return Expected(StepKind::kUpdate, "trunk", "PATCH", "/v2/fqdn_connections/1293384261075731499",
                  R"({"inbound":{"dnis_number_format":"test"}})");
}

TEST(TelnyxErrorsTest, TheEnvelopeIsReadWithItsPointer) {
  const TelnyxError e = ParseError(Data("error_422_pointer.json"));
  EXPECT_EQ(e.code, "10015");
  EXPECT_EQ(e.title, "Bad Request");
  EXPECT_EQ(e.pointer, "/inbound/dnis_number_format");
  // A code printed as a number reads as its digits.
  EXPECT_EQ(ParseError(Data("error_429.json")).code, "10011");
  EXPECT_EQ(ParseError("not json").code, "");
  EXPECT_EQ(ParseError(R"({"errors":[]})").code, "");
}

TEST(TelnyxErrorsTest, ARefusedValueNamesTheRegistryFieldItsPointerNames) {
  const plugin_sdk::SyncError e = ClassifyError(TrunkPatch(), Answer(422, Data("error_422_pointer.json")));
  EXPECT_EQ(e.code, 3);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.field, "inbound.dnis_number_format");
  EXPECT_EQ(e.provider_code, "10015");
  EXPECT_NE(e.provider_message.find("Invalid dnis_format"), std::string::npos);
  EXPECT_NE(e.message.find("422"), std::string::npos);

  const plugin_sdk::SyncError ovp = ClassifyError(TrunkPatch(), Answer(422, Data("error_422_ovp.json")));
  EXPECT_EQ(ovp.code, 3);
  EXPECT_EQ(ovp.field, "outbound.outbound_voice_profile_id");

  const Step fqdn = Expected(StepKind::kCreate, "fqdns/main", "POST", "/v2/fqdns", "{}");
  const std::string body =
      R"({"errors":[{"code":"10015","title":"Bad Request","detail":"fqdn must be a host name",)"
      R"("source":{"pointer":"/fqdn"}}]})";
  EXPECT_EQ(ClassifyError(fqdn, Answer(422, body)).field, "fqdns.main.fqdn");
  // A pointer to something the registry does not hold names no field.
  const std::string other =
      R"({"errors":[{"code":"10015","title":"Bad Request","source":{"pointer":"/tags"}}]})";
  EXPECT_EQ(ClassifyError(TrunkPatch(), Answer(422, other)).field, "");
}

TEST(TelnyxErrorsTest, RateLimitsAndServerErrorsAreRetryable) {
  plugin_sdk::SyncError e =
      ClassifyError(TrunkPatch(), Answer(429, Data("error_429.json"), {{"x-ratelimit-reset", "7"}}));
  EXPECT_EQ(e.code, 8);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after_ms, 7000);
  EXPECT_EQ(e.provider_code, "10011");
  e = ClassifyError(TrunkPatch(), Answer(429, Data("error_429.json"), {{"Retry-After", "2"}}));
  EXPECT_EQ(e.retry_after_ms, 2000);
  e = ClassifyError(TrunkPatch(), Answer(429, Data("error_429.json"), {{"Retry-After-Ms", "250"}}));
  EXPECT_EQ(e.retry_after_ms, 250);
  e = ClassifyError(TrunkPatch(), Answer(429, Data("error_429.json"),
                                         {{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}}));
  EXPECT_EQ(e.retry_after_ms, std::nullopt);
  for (int status : {500, 502, 503, 504}) {
    e = ClassifyError(TrunkPatch(), Answer(status, "<html>bad gateway</html>"));
    EXPECT_EQ(e.code, 14) << status;
    EXPECT_TRUE(e.retryable) << status;
    EXPECT_EQ(e.provider_message, "<html>bad gateway</html>");
  }
}

TEST(TelnyxErrorsTest, CredentialsPermissionsAndMissingThingsAreNotRetryable) {
  const std::string auth =
      R"({"errors":[{"code":"10009","title":"Authentication failed",)"
      R"("detail":"Could not understand the provided credentials."}]})";
  EXPECT_EQ(ClassifyError(TrunkPatch(), Answer(401, auth)).code, 16);
  EXPECT_EQ(ClassifyError(TrunkPatch(), Answer(403, auth)).code, 7);
  const Step listing = Expected(StepKind::kLookup, "trunks", "GET", "/v2/fqdn_connections");
  EXPECT_EQ(ClassifyError(listing, Answer(404, Data("error_404.json"))).code, 5);
  const Step attach = Expected(StepKind::kCreate, "phone_numbers/15550010001", "PATCH",
                               "/v2/phone_numbers/1", "{}");
  const plugin_sdk::SyncError number = ClassifyError(attach, Answer(404, Data("error_404.json")));
  EXPECT_EQ(number.code, 9);
  EXPECT_EQ(number.field, "phone_numbers");
  const std::string missing =
      R"({"errors":[{"code":"10017","title":"Associated resource does not exist",)"
      R"("source":{"pointer":"/outbound/outbound_voice_profile_id"}}]})";
  const plugin_sdk::SyncError ovp = ClassifyError(TrunkPatch(), Answer(422, missing));
  EXPECT_EQ(ovp.code, 9);
  EXPECT_EQ(ovp.field, "outbound.outbound_voice_profile_id");
  for (int status : {401, 403, 404, 422}) {
    EXPECT_FALSE(ClassifyError(TrunkPatch(), Answer(status, "{}")).retryable) << status;
  }
  EXPECT_EQ(ClassifyError(TrunkPatch(), Answer(405, "{}")).code, 13);
}

TEST(TelnyxErrorsTest, AnAnswerOfTheWrongShapeIsRetryable) {
  Observation o;
  o.remote_id = "1293384261075731499";
  const Step read = Expected(StepKind::kRead, "trunk", "GET", "/v2/fqdn_connections/1293384261075731499");
  for (const char* body : {"<html>", R"({"id":"1"})", R"({"data":[]})"}) {
    const auto r = Absorb(AbsorbInput{DesiredTrunk{}, o, read, Answer(200, body)});
    ASSERT_TRUE(r.error) << body;
    EXPECT_EQ(r.error->code, 14);
    EXPECT_TRUE(r.error->retryable);
  }
}

}  // namespace
}  // namespace trunkline::telnyx::testing
