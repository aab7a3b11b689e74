// The error classification table: each kind of Plivo answer that is not a success, the
// trunkline error it becomes (code, retryable, field, Retry-After), and the answers that are
// expected absences rather than errors.
#include <gtest/gtest.h>

#include "plivo_test_util.h"

namespace trunkline::plivo::testing {
namespace {

using plugin_sdk::AbsorbInput;
using plugin_sdk::NameValues;
using plugin_sdk::SyncError;

const std::string kId = "21784177241578";
const std::string kAcl = "c4d5e6f7-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const std::string kCredential = "d1e2f3a4-5b6c-4d7e-8f90-a1b2c3d4e5f6";
const std::string kPrimary = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const std::string kFallback = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";

Step MakeStep(StepKind kind, std::string target, std::string method, std::string path,
              std::string body = "") {
  Step s;
  s.kind = kind;
  s.target = std::move(target);
  s.request = {std::move(method), std::move(path), {}, {}, std::move(body)};
  return s;
}

const Step kCreate = MakeStep(StepKind::kCreate, "trunk", "POST", kTrunksPath,
                              R"({"trunk_direction":"outbound","ipacl_uuid":")" + kAcl +
                                  R"(","credential_uuid":")" + kCredential + R"("})");
const Step kCreateInbound =
    MakeStep(StepKind::kCreate, "trunk", "POST", kTrunksPath,
             R"({"trunk_direction":"inbound","primary_uri_uuid":")" + kPrimary + R"("})");
const Step kUpdate = MakeStep(StepKind::kUpdate, "trunk", "POST", TrunkPath(kId),
                              R"({"trunk_direction":"inbound","primary_uri_uuid":")" + kPrimary +
                                  R"(","fallback_uri_uuid":")" + kFallback + R"("})");
const Step kRead = MakeStep(StepKind::kRead, "trunk", "GET", TrunkPath(kId));
const Step kList = MakeStep(StepKind::kLookup, "trunks", "GET", kTrunksPath);
const Step kRoute = MakeStep(StepKind::kCreate, "phone_numbers/14155550100", "POST",
                             NumberPath("14155550100"), R"({"app_id":")" + kId + R"("})");

struct ErrorCase {
  std::string name;
  Step step;
  int status;
  std::string body;
  NameValues headers;
  int32_t code;
  bool retryable;
  std::string field;
  std::optional<int64_t> retry_after_ms;
  std::string in_message;  // a part of the message, or ""
  std::string provider_message;
};

class PlivoErrorTableTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PlivoErrorTableTest, Classifies) {
  const ErrorCase& c = GetParam();
  HttpResponse response{c.status, c.headers, c.body};
  const SyncError e = ClassifyError(c.step, response);
  EXPECT_EQ(e.code, c.code);
  EXPECT_EQ(e.retryable, c.retryable);
  EXPECT_EQ(e.field, c.field);
  EXPECT_EQ(e.retry_after_ms, c.retry_after_ms);
  EXPECT_NE(e.message.find(c.in_message), std::string::npos) << e.message;
  EXPECT_EQ(e.provider_message, c.provider_message);
  EXPECT_EQ(e.provider_code, "");  // Plivo has no codes of its own
}

const std::string kApiId = "c8f4b2a6-0a43-11ef-9a3c-0242ac110002";

INSTANTIATE_TEST_SUITE_P(
    Table, PlivoErrorTableTest,
    ::testing::Values(ErrorCase{"RateLimitedWithRetryAfter",
                                kRead,
                                429,
                                ErrorBody("rate limit exceeded"),
                                {{"retry-after", "7"}},
                                8,
                                true,
                                "",
                                7000,
                                "429",
                                "rate limit exceeded"},
                      ErrorCase{"RateLimitedWithoutRetryAfter",
                                kRead,
                                429,
                                ErrorBody("rate limit exceeded"),
                                {},
                                8,
                                true,
                                "",
                                std::nullopt,
                                kApiId,
                                "rate limit exceeded"},
                      ErrorCase{"RateLimitedWithAnHttpDate",
                                kList,
                                429,
                                ErrorBody("slow down"),
                                {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}},
                                8,
                                true,
                                "",
                                std::nullopt,
                                "",
                                "slow down"},
                      ErrorCase{"ServerError",
                                kUpdate,
                                500,
                                ErrorBody("internal error"),
                                {},
                                14,
                                true,
                                "",
                                std::nullopt,
                                "500",
                                "internal error"},
                      ErrorCase{"GatewayPageNotJson",
                                kCreate,
                                502,
                                "<html>bad gateway</html>",
                                {},
                                14,
                                true,
                                "",
                                std::nullopt,
                                "<html>bad gateway</html>",
                                "<html>bad gateway</html>"},
                      ErrorCase{"Unauthenticated",
                                kRead,
                                401,
                                ErrorBody("authentication failed"),
                                {},
                                16,
                                false,
                                "",
                                std::nullopt,
                                "authentication failed",
                                "authentication failed"},
                      ErrorCase{"Forbidden",
                                kCreate,
                                403,
                                ErrorBody("SIP trunking is not enabled"),
                                {},
                                7,
                                false,
                                "",
                                std::nullopt,
                                "",
                                "SIP trunking is not enabled"},
                      ErrorCase{"RefusedValueNamesTheField",
                                kCreate,
                                400,
                                ErrorBody("trunk_direction must be inbound or outbound"),
                                {},
                                3,
                                false,
                                "trunk_direction",
                                std::nullopt,
                                "",
                                "trunk_direction must be inbound or outbound"},
                      ErrorCase{"MissingParameterNamesTheField",
                                kCreate,
                                422,
                                ErrorBody("an outbound trunk needs ipacl_uuid or credential_uuid"),
                                {},
                                3,
                                false,
                                "ipacl_uuid",
                                std::nullopt,
                                "",
                                "an outbound trunk needs ipacl_uuid or credential_uuid"},
                      ErrorCase{"RefusedWithoutAParameter",
                                kUpdate,
                                400,
                                ErrorBody("bad request"),
                                {},
                                3,
                                false,
                                "",
                                std::nullopt,
                                "",
                                "bad request"},
                      ErrorCase{"RefusedRouting",
                                kRoute,
                                400,
                                ErrorBody("app_id must be a string"),
                                {},
                                3,
                                false,
                                "phone_numbers",
                                std::nullopt,
                                "",
                                "app_id must be a string"},
                      ErrorCase{"MissingIpAcl",
                                kCreate,
                                404,
                                Data("error_not_found.json"),
                                {},
                                9,
                                false,
                                "ipacl_uuid",
                                std::nullopt,
                                "ipacl_uuid: " + kAcl + " does not exist",
                                "ipacl_uuid " + kAcl + " does not exist"},
                      ErrorCase{"MissingCredentialNamedByUuid",
                                kCreate,
                                404,
                                ErrorBody("resource " + kCredential + " not found"),
                                {},
                                9,
                                false,
                                "credential_uuid",
                                std::nullopt,
                                "credential_uuid: " + kCredential,
                                "resource " + kCredential + " not found"},
                      ErrorCase{"MissingReferenceNotNamed",
                                kCreateInbound,
                                404,
                                ErrorBody("not found"),
                                {},
                                9,
                                false,
                                "primary_uri_uuid",
                                std::nullopt,
                                kPrimary,
                                "not found"},
                      ErrorCase{"MissingFallbackOnUpdate",
                                kUpdate,
                                404,
                                ErrorBody("fallback_uri_uuid " + kFallback + " does not exist"),
                                {},
                                9,
                                false,
                                "fallback_uri_uuid",
                                std::nullopt,
                                kFallback,
                                "fallback_uri_uuid " + kFallback + " does not exist"},
                      ErrorCase{"MissingUriAnswered400",
                                kUpdate,
                                400,
                                ErrorBody("primary_uri_uuid " + kPrimary + " does not exist"),
                                {},
                                9,
                                false,
                                "primary_uri_uuid",
                                std::nullopt,
                                kPrimary,
                                "primary_uri_uuid " + kPrimary + " does not exist"},
                      ErrorCase{"NumberNotInTheAccount",
                                kRoute,
                                404,
                                ErrorBody("number 14155550100 not found"),
                                {},
                                9,
                                false,
                                "phone_numbers",
                                std::nullopt,
                                "14155550100 is not a number of the Plivo account",
                                "number 14155550100 not found"},
                      ErrorCase{"ListingNotFound",
                                kList,
                                404,
                                ErrorBody("no such resource"),
                                {},
                                5,
                                false,
                                "",
                                std::nullopt,
                                "",
                                "no such resource"},
                      ErrorCase{"MethodNotAllowed",
                                kUpdate,
                                405,
                                ErrorBody("method not allowed"),
                                {},
                                13,
                                false,
                                "",
                                std::nullopt,
                                "",
                                "method not allowed"},
                      ErrorCase{"MessageInsteadOfError",
                                kCreate,
                                400,
                                R"({"api_id":"x","message":"invalid secure"})",
                                {},
                                3,
                                false,
                                "secure",
                                std::nullopt,
                                "",
                                "invalid secure"},
                      ErrorCase{"GlobalError",
                                kRead,
                                403,
                                R"({"global_error":"account suspended"})",
                                {},
                                7,
                                false,
                                "",
                                std::nullopt,
                                "",
                                "account suspended"},
                      ErrorCase{"DataError",
                                kRead,
                                401,
                                R"({"data":{"message":"bad token"}})",
                                {},
                                16,
                                false,
                                "",
                                std::nullopt,
                                "",
                                "bad token"},
                      ErrorCase{"ErrorAsAnObject",
                                kCreate,
                                400,
                                R"({"api_id":"x","error":{"name":["this field is required"]}})",
                                {},
                                3,
                                false,
                                "name",
                                std::nullopt,
                                "",
                                R"({"name":["this field is required"]})"}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return p.param.name; });

// Answers that Absorb does not turn into errors, and those it does.
class PlivoAbsorbErrorsTest : public ::testing::Test {
 protected:
  static Observation Reading() {
    Observation o;
    o.remote_id = kId;
    return o;
  }
  static Observation Read() {
    Observation o = Reading();
    o.read = o.exists = true;
    o.progress["read:trunk"] = "1";
    o.content.fields = {{"trunk_direction", std::string("outbound")}, {"ipacl_uuid", kAcl}};
    return o;
  }
  static plugin_sdk::AbsorbResult Run(const Observation& o, const Step& s, int status,
                                      std::string body) {
    DesiredTrunk d;
    d.content.fields = {{"trunk_direction", std::string("inbound")},
                        {"primary_uri_uuid", kPrimary}};
    d.content.attachments[kPhoneNumbers] = {"14155550100"};
    return Absorb(AbsorbInput{d, o, s, Answer(status, std::move(body))});
  }
};

TEST_F(PlivoAbsorbErrorsTest, AnUpdateOfATrunkGoneMeanwhileIsNoError) {
  auto r = Run(Read(), kUpdate, 404, ErrorBody("trunk " + kId + " not found"));
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_FALSE(r.observation->exists);
  EXPECT_TRUE(r.observation->remote_id.empty());
}

TEST_F(PlivoAbsorbErrorsTest, AnUpdateNamingAMissingReferenceIsAnError) {
  auto r = Run(Read(), kUpdate, 404, ErrorBody("primary_uri_uuid " + kPrimary + " does not exist"));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 9);
  EXPECT_EQ(r.error->field, "primary_uri_uuid");
  EXPECT_FALSE(r.error->retryable);
}

TEST_F(PlivoAbsorbErrorsTest, ARouteToATrunkPlivoDoesNotKnowRereadsTheTrunk) {
  auto r = Run(Read(), kRoute, 404, ErrorBody("app_id " + kId + " is not a trunk of this account"));
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_FALSE(r.observation->read);
  EXPECT_EQ(r.observation->remote_id, kId);
  EXPECT_EQ(r.observation->progress.count("read:trunk"), 0u);
}

TEST_F(PlivoAbsorbErrorsTest, DeletesAndUnroutesOfWhatIsGoneAreDone) {
  const Step remove = MakeStep(StepKind::kDelete, "trunk", "DELETE", TrunkPath(kId));
  auto r = Run(Read(), remove, 404, ErrorBody("trunk not found"));
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_FALSE(r.observation->exists);
  Observation routed = Read();
  routed.content.attachments[kPhoneNumbers] = {"14155550199"};
  const Step unroute = MakeStep(StepKind::kDelete, "phone_numbers/14155550199", "POST",
                                NumberPath("14155550199"), "{}");
  r = Run(routed, unroute, 404, ErrorBody("number 14155550199 not found"));
  ASSERT_TRUE(r.observation.has_value());
  EXPECT_EQ(r.observation->content.attachments.count(kPhoneNumbers), 0u);
}

TEST_F(PlivoAbsorbErrorsTest, ASuccessThatIsNotTheJsonExpectedIsRetryable) {
  for (const std::string& body :
       {std::string("<html>ok</html>"), std::string(R"({"secure":"yes"})")}) {
    auto r = Run(Reading(), kRead, 200, body);
    ASSERT_TRUE(r.error.has_value()) << body;
    EXPECT_EQ(r.error->code, 14);
    EXPECT_TRUE(r.error->retryable);
  }
  auto r =
      Run(Observation{}, kCreate, 201, R"({"api_id":"x","message":"Trunk created successfully."})");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_TRUE(r.error->retryable);  // the create may have happened: the host looks it up
}

TEST_F(PlivoAbsorbErrorsTest, ARefusedReadIsAnErrorNotAnAbsence) {
  auto r = Run(Reading(), kRead, 401, ErrorBody("authentication failed"));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 16);
  const Step read_number =
      MakeStep(StepKind::kRead, "phone_numbers/14155550100", "GET", NumberPath("14155550100"));
  r = Run(Reading(), read_number, 503, ErrorBody("unavailable"));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 14);
  EXPECT_TRUE(r.error->retryable);
}

}  // namespace
}  // namespace trunkline::plivo::testing
