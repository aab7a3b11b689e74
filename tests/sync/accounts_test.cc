// Tests of core/sync/accounts: the environment defaults, the accounts file, secret files and
// their permissions, every error message, and that no message or ToString carries a secret.
#include "trunkline/sync/accounts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// The shared test helpers, by path: this test's target links only trunkline::accounts.
#include "../testutil/status_matchers.h"
#include "../testutil/temp_dir.h"

namespace trunkline::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::trunkline::testing::StatusIs;
using ::trunkline::testing::TempDir;

constexpr char kSid[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kToken[] = "twilio-token-s3cr3t";
constexpr char kKeySid[] = "SK0123456789abcdef0123456789abcdef";
constexpr char kKeySecret[] = "api-secret-xyz";
constexpr char kPlivoId[] = "MAZJHZNMY1NZGWNTFKZA";
constexpr char kPlivoToken[] = "plivo-token-s3cr3t";
constexpr char kTelnyxKey[] = "KEY0123_telnyx-s3cr3t";

// Expected header values, computed apart from the code under test (`printf 'u:p' | base64`).
constexpr char kTwilioBasic[] =
    "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0d2lsaW8tdG9rZW4tczNjcjN0";
constexpr char kTwilioKeyBasic[] =
    "Basic U0swMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjphcGktc2VjcmV0LXh5eg==";
constexpr char kPlivoBasic[] = "Basic TUFaSkhaTk1ZMU5aR1dOVEZLWkE6cGxpdm8tdG9rZW4tczNjcjN0";

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::binary) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

// ---- The environment defaults ----

struct EnvCase {
  std::string name;
  std::string provider;
  std::map<std::string, std::string> env;
  std::string base_url;
  std::string account_id;
  std::string authorization;
  AccountLimits limits;
  std::string source;
};

class EnvDefaultTest : public ::testing::TestWithParam<EnvCase> {};

TEST_P(EnvDefaultTest, ResolvesTheDefaultAlias) {
  const EnvCase& c = GetParam();
  auto accounts = Accounts::FromEnvironment(MapEnvironment(c.env));
  Result<ResolvedAccount> account = accounts->Resolve(c.provider, "default");
  ASSERT_OK(account);
  EXPECT_EQ(ProviderName(account->provider), c.provider);
  EXPECT_EQ(account->alias, "default");
  EXPECT_EQ(account->base_url, c.base_url);
  EXPECT_EQ(account->account_id, c.account_id);
  EXPECT_EQ(account->authorization.Reveal(), c.authorization);
  EXPECT_EQ(account->limits, c.limits);
  EXPECT_EQ(account->source, c.source);
}

INSTANTIATE_TEST_SUITE_P(
    Providers, EnvDefaultTest,
    ::testing::Values(EnvCase{"TwilioAuthToken",
                              "twilio",
                              {{"TWILIO_ACCOUNT_SID", kSid}, {"TWILIO_AUTH_TOKEN", kToken}},
                              "https://trunking.twilio.com",
                              kSid,
                              kTwilioBasic,
                              {0, 1, 8},
                              "environment TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"},
                      EnvCase{"TwilioApiKey",
                              "twilio",
                              {{"TWILIO_ACCOUNT_SID", kSid},
                               {"TWILIO_API_KEY", kKeySid},
                               {"TWILIO_API_SECRET", kKeySecret},
                               {"TWILIO_AUTH_TOKEN", kToken}},
                              "https://trunking.twilio.com",
                              kSid,
                              kTwilioKeyBasic,
                              {0, 1, 8},
                              "environment TWILIO_ACCOUNT_SID, TWILIO_API_KEY, TWILIO_API_SECRET"},
                      EnvCase{"TwilioBaseUrl",
                              "twilio",
                              {{"TWILIO_ACCOUNT_SID", kSid},
                               {"TWILIO_AUTH_TOKEN", kToken},
                               {"TWILIO_BASE_URL", "http://127.0.0.1:18080/"}},
                              "http://127.0.0.1:18080",
                              kSid,
                              kTwilioBasic,
                              {0, 1, 8},
                              "environment TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_BASE_URL"},
                      EnvCase{"Plivo",
                              "plivo",
                              {{"PLIVO_AUTH_ID", kPlivoId}, {"PLIVO_AUTH_TOKEN", kPlivoToken}},
                              "https://api.plivo.com",
                              kPlivoId,
                              kPlivoBasic,
                              {50, 50, 0},
                              "environment PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN"},
                      EnvCase{"PlivoBaseUrl",
                              "plivo",
                              {{"PLIVO_AUTH_ID", kPlivoId},
                               {"PLIVO_AUTH_TOKEN", kPlivoToken},
                               {"PLIVO_BASE_URL", "https://plivo.example.test/api"}},
                              "https://plivo.example.test/api",
                              kPlivoId,
                              kPlivoBasic,
                              {50, 50, 0},
                              "environment PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN, PLIVO_BASE_URL"},
                      EnvCase{"Telnyx",
                              "telnyx",
                              {{"TELNYX_API_KEY", kTelnyxKey}},
                              "https://api.telnyx.com",
                              "",
                              std::string("Bearer ") + kTelnyxKey,
                              {10, 10, 8},
                              "environment TELNYX_API_KEY"},
                      EnvCase{"TelnyxBaseUrl",
                              "telnyx",
                              {{"TELNYX_API_KEY", kTelnyxKey},
                               {"TELNYX_BASE_URL", "http://[::1]:9000/v2"}},
                              "http://[::1]:9000/v2",
                              "",
                              std::string("Bearer ") + kTelnyxKey,
                              {10, 10, 8},
                              "environment TELNYX_API_KEY, TELNYX_BASE_URL"}),
    [](const ::testing::TestParamInfo<EnvCase>& param_info) { return param_info.param.name; });

struct EnvErrorCase {
  std::string name;
  std::string provider;
  std::map<std::string, std::string> env;
  StatusCode code;
  std::string message;
};

class EnvDefaultErrorTest : public ::testing::TestWithParam<EnvErrorCase> {};

TEST_P(EnvDefaultErrorTest, NamesTheVariableAndRule) {
  const EnvErrorCase& c = GetParam();
  auto accounts = Accounts::FromEnvironment(MapEnvironment(c.env));
  Result<ResolvedAccount> account = accounts->Resolve(c.provider, "default");
  ASSERT_THAT(account, StatusIs(c.code));
  EXPECT_EQ(account.status().message(), c.message);
}

constexpr char kLoopbackRule[] =
    "must use https unless its host is loopback (localhost, 127.0.0.0/8, [::1])";

INSTANTIATE_TEST_SUITE_P(
    Variables, EnvDefaultErrorTest,
    ::testing::Values(
        EnvErrorCase{"TwilioNothingSet",
                     "twilio",
                     {},
                     StatusCode::kFailedPrecondition,
                     "account default of twilio: TWILIO_ACCOUNT_SID is not set"},
        EnvErrorCase{"TwilioTokenNotSet",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", kSid}},
                     StatusCode::kFailedPrecondition,
                     "account default of twilio: TWILIO_AUTH_TOKEN is not set"},
        EnvErrorCase{"TwilioTokenEmpty",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", kSid}, {"TWILIO_AUTH_TOKEN", ""}},
                     StatusCode::kFailedPrecondition,
                     "account default of twilio: TWILIO_AUTH_TOKEN is empty"},
        EnvErrorCase{"TwilioApiSecretNotSet",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", kSid}, {"TWILIO_API_KEY", kKeySid}},
                     StatusCode::kFailedPrecondition,
                     "account default of twilio: TWILIO_API_SECRET is not set"},
        EnvErrorCase{"TwilioSidNotPathSafe",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", "AC1/../x"}, {"TWILIO_AUTH_TOKEN", kToken}},
                     StatusCode::kInvalidArgument,
                     "account default of twilio: TWILIO_ACCOUNT_SID: must be 1 to 128 letters, "
                     "digits, '-' or '_'"},
        EnvErrorCase{"TwilioTokenWithNewline",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", kSid}, {"TWILIO_AUTH_TOKEN", "a\r\nX-Injected: 1"}},
                     StatusCode::kInvalidArgument,
                     "account default of twilio: TWILIO_AUTH_TOKEN holds a control character"},
        EnvErrorCase{"TwilioPlainHttpRemote",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", kSid},
                      {"TWILIO_AUTH_TOKEN", kToken},
                      {"TWILIO_BASE_URL", "http://trunking.twilio.com"}},
                     StatusCode::kInvalidArgument,
                     std::string("account default of twilio: TWILIO_BASE_URL: ") + kLoopbackRule},
        EnvErrorCase{"TwilioNotHttp",
                     "twilio",
                     {{"TWILIO_ACCOUNT_SID", kSid},
                      {"TWILIO_AUTH_TOKEN", kToken},
                      {"TWILIO_BASE_URL", "ftp://trunking.twilio.com"}},
                     StatusCode::kInvalidArgument,
                     "account default of twilio: TWILIO_BASE_URL: must be an http:// or https:// "
                     "URL"},
        EnvErrorCase{"PlivoTokenNotSet",
                     "plivo",
                     {{"PLIVO_AUTH_ID", kPlivoId}},
                     StatusCode::kFailedPrecondition,
                     "account default of plivo: PLIVO_AUTH_TOKEN is not set"},
        EnvErrorCase{"PlivoIdNotSet",
                     "plivo",
                     {{"PLIVO_AUTH_TOKEN", kPlivoToken}},
                     StatusCode::kFailedPrecondition,
                     "account default of plivo: PLIVO_AUTH_ID is not set"},
        EnvErrorCase{"PlivoPlainHttpRemote",
                     "plivo",
                     {{"PLIVO_AUTH_ID", kPlivoId},
                      {"PLIVO_AUTH_TOKEN", kPlivoToken},
                      {"PLIVO_BASE_URL", "http://10.0.0.1"}},
                     StatusCode::kInvalidArgument,
                     std::string("account default of plivo: PLIVO_BASE_URL: ") + kLoopbackRule},
        EnvErrorCase{"TelnyxKeyNotSet",
                     "telnyx",
                     {},
                     StatusCode::kFailedPrecondition,
                     "account default of telnyx: TELNYX_API_KEY is not set"}),
    [](const ::testing::TestParamInfo<EnvErrorCase>& param_info) { return param_info.param.name; });

TEST(AccountsTest, UnknownAliasListsTheKnownOnes) {
  auto accounts = Accounts::Parse(R"({"accounts": {"twilio": {"eu-prod": {
      "account_sid": "AC1", "auth_token": {"env": "T"}}}}})",
                                  "accounts.json", MapEnvironment({}));
  ASSERT_OK(accounts);
  EXPECT_THAT((*accounts)->Resolve("twilio", "eu-prd"),
              StatusIs(StatusCode::kNotFound,
                       "account eu-prd of twilio: unknown alias (did you mean eu-prod?); known "
                       "aliases of twilio: default, eu-prod"));
  EXPECT_THAT((*accounts)->Resolve("plivo", "eu-prod"),
              StatusIs(StatusCode::kNotFound,
                       "account eu-prod of plivo: unknown alias; known aliases of plivo: default"));
  EXPECT_THAT((*accounts)->Resolve("toy", "default"),
              StatusIs(StatusCode::kNotFound,
                       "account default of toy: unknown provider; known providers: twilio, plivo, "
                       "telnyx"));
  EXPECT_EQ((*accounts)->Aliases(Provider::kTwilio),
            (std::vector<std::string>{"default", "eu-prod"}));
}

TEST(AccountsTest, ProcessEnvironmentReadsTheProcess) {
  ASSERT_EQ(::setenv("TRUNKLINE_ACCOUNTS_TEST_VARIABLE", "set", 1), 0);
  const Environment env = ProcessEnvironment();
  EXPECT_EQ(env("TRUNKLINE_ACCOUNTS_TEST_VARIABLE"), "set");
  ASSERT_EQ(::unsetenv("TRUNKLINE_ACCOUNTS_TEST_VARIABLE"), 0);
  EXPECT_EQ(env("TRUNKLINE_ACCOUNTS_TEST_VARIABLE"), std::nullopt);
}

// ---- The accounts file ----

class AccountsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::mkdir(dir_.Sub("secrets").c_str(), 0700), 0);
    WriteFile(dir_.Sub("secrets/twilio-eu"), std::string(kKeySecret) + "\nsecond line\n", 0600);
    WriteFile(dir_.Sub("telnyx.key"), std::string(kTelnyxKey) + "\r\n", 0400);
  }

  Result<std::unique_ptr<Accounts>> Load(const std::string& json,
                                         std::map<std::string, std::string> env = {}) {
    WriteFile(dir_.Sub("accounts.json"), json, 0644);
    return Accounts::Load(dir_.Sub("accounts.json"), MapEnvironment(std::move(env)));
  }

  TempDir dir_;
};

constexpr char kFile[] = R"({
  "accounts": {
    "twilio": {
      "eu-prod": {
        "account_sid": "AC0123456789abcdef0123456789abcdef",
        "api_key_sid": "SK0123456789abcdef0123456789abcdef",
        "api_key_secret": {"file": "secrets/twilio-eu"},
        "base_url": "https://twilio.example.test/",
        "limits": {"max_concurrency": 3}
      },
      "us": {
        "account_sid": "AC0123456789abcdef0123456789abcdef",
        "auth_token": {"env": "US_TOKEN"}
      }
    },
    "plivo": {
      "default": {
        "auth_id": "MAZJHZNMY1NZGWNTFKZA",
        "auth_token": {"env": "PLIVO_MAIN_TOKEN"},
        "limits": {"requests_per_second": 12.5, "burst": 25, "max_concurrency": 2}
      }
    },
    "telnyx": {
      "lab": {"api_key": {"file": "telnyx.key"}, "base_url": "http://localhost:9000"}
    }
  }
})";

TEST_F(AccountsFileTest, ResolvesEntriesWithSecretsFromFilesAndVariables) {
  auto accounts = Load(kFile, {{"US_TOKEN", kToken}, {"PLIVO_MAIN_TOKEN", kPlivoToken}});
  ASSERT_OK(accounts);

  Result<ResolvedAccount> eu = (*accounts)->Resolve("twilio", "eu-prod");
  ASSERT_OK(eu);
  EXPECT_EQ(eu->base_url, "https://twilio.example.test");
  EXPECT_EQ(eu->account_id, kSid);
  EXPECT_EQ(eu->authorization.Reveal(), kTwilioKeyBasic);  // the file's first line only
  EXPECT_EQ(eu->limits, (AccountLimits{0, 1, 3}));
  EXPECT_EQ(eu->source, "accounts file " + dir_.Sub("accounts.json") +
                            ", api_key_secret from file " + dir_.Sub("secrets/twilio-eu"));

  Result<ResolvedAccount> us = (*accounts)->Resolve("twilio", "us");
  ASSERT_OK(us);
  EXPECT_EQ(us->base_url, "https://trunking.twilio.com");
  EXPECT_EQ(us->authorization.Reveal(), kTwilioBasic);
  EXPECT_EQ(us->source, "accounts file " + dir_.Sub("accounts.json") +
                            ", auth_token from environment variable US_TOKEN");

  Result<ResolvedAccount> plivo = (*accounts)->Resolve("plivo", "default");
  ASSERT_OK(plivo);
  EXPECT_EQ(plivo->account_id, kPlivoId);
  EXPECT_EQ(plivo->authorization.Reveal(), kPlivoBasic);
  EXPECT_EQ(plivo->limits, (AccountLimits{12.5, 25, 2}));

  Result<ResolvedAccount> lab = (*accounts)->Resolve("telnyx", "lab");
  ASSERT_OK(lab);
  EXPECT_EQ(lab->base_url, "http://localhost:9000");
  EXPECT_EQ(lab->account_id, "");
  EXPECT_EQ(lab->authorization.Reveal(), std::string("Bearer ") + kTelnyxKey);  // no "\r"
  EXPECT_EQ(lab->limits, DefaultLimits(Provider::kTelnyx));
}

TEST_F(AccountsFileTest, AFileDefaultReplacesTheEnvironmentDefaultOfItsProviderOnly) {
  auto accounts = Load(kFile, {{"PLIVO_MAIN_TOKEN", kPlivoToken},
                               {"PLIVO_AUTH_ID", "MAOTHER0000000000000"},
                               {"PLIVO_AUTH_TOKEN", "other-token"},
                               {"TWILIO_ACCOUNT_SID", kSid},
                               {"TWILIO_AUTH_TOKEN", kToken}});
  ASSERT_OK(accounts);
  Result<ResolvedAccount> plivo = (*accounts)->Resolve("plivo", "default");
  ASSERT_OK(plivo);
  EXPECT_EQ(plivo->account_id, kPlivoId);  // the file's, not PLIVO_AUTH_ID
  EXPECT_EQ(plivo->authorization.Reveal(), kPlivoBasic);
  Result<ResolvedAccount> twilio = (*accounts)->Resolve("twilio", "default");
  ASSERT_OK(twilio);
  EXPECT_EQ(twilio->authorization.Reveal(), kTwilioBasic);
}

TEST_F(AccountsFileTest, AMissingSecretStopsOnlyItsAccount) {
  auto accounts = Load(kFile, {{"PLIVO_MAIN_TOKEN", kPlivoToken}});  // US_TOKEN not set
  ASSERT_OK(accounts);
  EXPECT_THAT((*accounts)->Resolve("twilio", "us"),
              StatusIs(StatusCode::kFailedPrecondition,
                       "account us of twilio: auth_token: environment variable US_TOKEN is not "
                       "set"));
  EXPECT_OK((*accounts)->Resolve("twilio", "eu-prod"));
  EXPECT_OK((*accounts)->Resolve("plivo", "default"));
}

TEST_F(AccountsFileTest, ASecretFileOthersMayAccessIsRefused) {
  for (const mode_t mode : {0640, 0604, 0660, 0602, 0610}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(dir_.Sub("secrets/twilio-eu").c_str(), mode), 0);
    auto accounts = Load(kFile);
    ASSERT_OK(accounts);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    const std::string path = dir_.Sub("secrets/twilio-eu");
    EXPECT_THAT((*accounts)->Resolve("twilio", "eu-prod"),
                StatusIs(StatusCode::kFailedPrecondition,
                         "account eu-prod of twilio: api_key_secret: file " + path +
                             ": permissions " + octal +
                             " are too open: a secret file must not be accessible by group or "
                             "others (chmod 600 " +
                             path + ")"));
  }
  ASSERT_EQ(::chmod(dir_.Sub("secrets/twilio-eu").c_str(), 0600), 0);
  auto accounts = Load(kFile);
  ASSERT_OK(accounts);
  EXPECT_OK((*accounts)->Resolve("twilio", "eu-prod"));
}

TEST_F(AccountsFileTest, SecretFileErrorsNameTheFile) {
  const std::string context = "account lab of telnyx: api_key: file " + dir_.Sub("telnyx.key");
  struct Case {
    std::function<void()> arrange;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[&] { std::filesystem::remove(dir_.Sub("telnyx.key")); },
       context + ": cannot open: No such file or directory"},
      {[&] { ASSERT_EQ(::mkdir(dir_.Sub("telnyx.key").c_str(), 0700), 0); },
       context + ": is not a regular file"},
      {[&] {
         std::filesystem::remove(dir_.Sub("telnyx.key"));
         WriteFile(dir_.Sub("telnyx.key"), "", 0600);
       },
       context + " is empty"},
      {[&] { WriteFile(dir_.Sub("telnyx.key"), "\nkey on the second line\n", 0600); },
       context + " is empty"},
      {[&] { WriteFile(dir_.Sub("telnyx.key"), "key\twith a tab\n", 0600); },
       context + " holds a control character"},
  };
  for (const Case& c : cases) {
    c.arrange();
    auto accounts = Load(kFile);
    ASSERT_OK(accounts);
    Result<ResolvedAccount> lab = (*accounts)->Resolve("telnyx", "lab");
    ASSERT_FALSE(lab.ok());
    EXPECT_EQ(lab.status().message(), c.message);
  }
}

TEST_F(AccountsFileTest, AFileThatCannotBeReadIsNamed) {
  const std::string missing = dir_.Sub("none.json");
  EXPECT_THAT(Accounts::Load(missing, MapEnvironment({})),
              StatusIs(StatusCode::kInvalidArgument,
                       "accounts file " + missing + ": cannot open: No such file or directory"));
  EXPECT_THAT(Accounts::Load(dir_.path(), MapEnvironment({})),
              StatusIs(StatusCode::kInvalidArgument,
                       "accounts file " + dir_.path() + ": is not a regular file"));
  EXPECT_THAT(Load("{\n  \"accounts\": {,}\n}"),
              StatusIs(StatusCode::kInvalidArgument, "accounts file " + dir_.Sub("accounts.json") +
                                                         ": line 2, column 16: not valid JSON: "));
}

TEST_F(AccountsFileTest, ResolutionsAreKeptAndSecretsListed) {
  auto accounts = Load(kFile, {{"US_TOKEN", kToken}});
  ASSERT_OK(accounts);
  EXPECT_TRUE((*accounts)->LoadedSecrets().empty());  // nothing read at load
  ASSERT_OK((*accounts)->Resolve("twilio", "us"));
  ASSERT_OK((*accounts)->Resolve("twilio", "eu-prod"));
  ASSERT_OK((*accounts)->Resolve("twilio", "us"));
  std::vector<std::string> loaded;
  for (const Secret& s : (*accounts)->LoadedSecrets()) loaded.push_back(s.Reveal());
  EXPECT_THAT(loaded, ::testing::UnorderedElementsAre(
                          kToken, std::string(kTwilioBasic).substr(6), kTwilioBasic, kKeySecret,
                          std::string(kTwilioKeyBasic).substr(6), kTwilioKeyBasic));
  // Kept: a rotated secret file is not read again by the same Accounts.
  WriteFile(dir_.Sub("secrets/twilio-eu"), "rotated\n", 0600);
  Result<ResolvedAccount> eu = (*accounts)->Resolve("twilio", "eu-prod");
  ASSERT_OK(eu);
  EXPECT_EQ(eu->authorization.Reveal(), kTwilioKeyBasic);
}

TEST_F(AccountsFileTest, ResolveIsSafeFromManyThreads) {
  auto accounts = Load(kFile, {{"US_TOKEN", kToken}, {"PLIVO_MAIN_TOKEN", kPlivoToken}});
  ASSERT_OK(accounts);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!(*accounts)->Resolve(i % 2 ? "twilio" : "plivo", i % 2 ? "us" : "default").ok()) {
          ++failures;
        }
        (*accounts)->LoadedSecrets();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
}

TEST(AccountsExampleTest, TheExampleFileLoads) {
  const std::filesystem::path example =
      std::filesystem::path(__FILE__).parent_path() / "../../core/sync/accounts.example.json";
  auto accounts = Accounts::Load(example.lexically_normal().string(),
                                 MapEnvironment({{"TWILIO_AUTH_TOKEN", kToken}}));
  ASSERT_OK(accounts);
  EXPECT_EQ((*accounts)->Aliases(Provider::kTwilio),
            (std::vector<std::string>{"default", "eu-prod"}));
  EXPECT_EQ((*accounts)->Aliases(Provider::kTelnyx), (std::vector<std::string>{"default", "lab"}));
  Result<ResolvedAccount> twilio = (*accounts)->Resolve("twilio", "default");
  ASSERT_OK(twilio);
  EXPECT_EQ(twilio->authorization.Reveal(), kTwilioBasic);
}

// ---- Every rule of the file, by JSON path ----

struct FileErrorCase {
  std::string name;
  std::string json;
  std::string message;  // after "accounts file <path>: "
};

class AccountsFileErrorTest : public ::testing::TestWithParam<FileErrorCase> {};

TEST_P(AccountsFileErrorTest, NamesTheFieldAndRule) {
  const FileErrorCase& c = GetParam();
  auto accounts = Accounts::Parse(c.json, "/etc/trunkline/accounts.json", MapEnvironment({}));
  EXPECT_THAT(accounts, StatusIs(StatusCode::kInvalidArgument,
                                 "accounts file /etc/trunkline/accounts.json: " + c.message));
  if (!accounts.ok()) {
    EXPECT_EQ(accounts.status().message(),
              "accounts file /etc/trunkline/accounts.json: " + c.message);
  }
}

// An entry of `provider` with `fields` (JSON members) inside the accounts object.
std::string Entry(const std::string& provider, const std::string& fields) {
  return R"({"accounts": {")" + provider + R"(": {"x": {)" + fields + "}}}}";
}
const std::string kTwilioOk = R"("account_sid": "AC1", "auth_token": {"env": "T"})";
const std::string kSecretShape =
    R"(must be {"env": NAME} or {"file": PATH}: an accounts file names where a secret is read )"
    "from and never holds one";

INSTANTIATE_TEST_SUITE_P(
    Rules, AccountsFileErrorTest,
    ::testing::Values(
        FileErrorCase{"NotAnObject", "[]", R"(the document: must be an object with "accounts")"},
        FileErrorCase{"UnknownTopLevel", R"({"acounts": {}})",
                      "acounts: unknown field (did you mean accounts?); expected one of accounts"},
        FileErrorCase{"NoAccounts", "{}", "accounts: is required"},
        FileErrorCase{"AccountsNotObject", R"({"accounts": []})",
                      "accounts: must be an object of providers"},
        FileErrorCase{"UnknownProvider", R"({"accounts": {"twillio": {}}})",
                      "accounts.twillio: must be one of twilio, plivo, telnyx (did you mean "
                      "twilio?)"},
        FileErrorCase{"OtherProvider", R"({"accounts": {"eu-prod": {}}})",
                      "accounts.eu-prod: must be one of twilio, plivo, telnyx"},
        FileErrorCase{"ProviderNotObject", R"({"accounts": {"plivo": 1}})",
                      "accounts.plivo: must be an object of aliases"},
        FileErrorCase{"BadAlias", R"({"accounts": {"plivo": {"eu prod": {}}}})",
                      "accounts.plivo.eu prod: an alias must be 1 to 64 letters, digits, '.', '_' "
                      "or '-'"},
        FileErrorCase{"EntryNotObject", R"({"accounts": {"plivo": {"x": "y"}}})",
                      "accounts.plivo.x: must be an object"},
        FileErrorCase{"UnknownField", Entry("twilio", kTwilioOk + R"(, "acount_sid": "AC2")"),
                      "accounts.twilio.x.acount_sid: unknown field (did you mean account_sid?); "
                      "expected one of account_sid, auth_token, api_key_sid, api_key_secret, "
                      "base_url, limits"},
        FileErrorCase{"TwilioNoSid", Entry("twilio", R"("auth_token": {"env": "T"})"),
                      "accounts.twilio.x.account_sid: is required"},
        FileErrorCase{"TwilioSidNotAC",
                      Entry("twilio", R"("account_sid": "SK1", "auth_token": {"env": "T"})"),
                      "accounts.twilio.x.account_sid: must start with AC"},
        FileErrorCase{"TwilioSidWithSlash",
                      Entry("twilio", R"("account_sid": "AC1/x", "auth_token": {"env": "T"})"),
                      "accounts.twilio.x.account_sid: must be a string of 1 to 128 letters, "
                      "digits, '-' or '_'"},
        FileErrorCase{"TwilioSidNotString",
                      Entry("twilio", R"("account_sid": 7, "auth_token": {"env": "T"})"),
                      "accounts.twilio.x.account_sid: must be a string of 1 to 128 letters, "
                      "digits, '-' or '_'"},
        FileErrorCase{"TwilioNoCredentials", Entry("twilio", R"("account_sid": "AC1")"),
                      "accounts.twilio.x.auth_token: is required (or api_key_sid and "
                      "api_key_secret)"},
        FileErrorCase{"TwilioBothCredentials",
                      Entry("twilio", kTwilioOk + R"(, "api_key_sid": "SK1")"),
                      "accounts.twilio.x: takes auth_token, or api_key_sid with api_key_secret, "
                      "not both"},
        FileErrorCase{"TwilioKeyWithoutSecret",
                      Entry("twilio", R"("account_sid": "AC1", "api_key_sid": "SK1")"),
                      "accounts.twilio.x.api_key_secret: is required"},
        FileErrorCase{"TwilioKeyNotSK",
                      Entry("twilio", R"("account_sid": "AC1", "api_key_sid": "AC2",
                                         "api_key_secret": {"env": "S"})"),
                      "accounts.twilio.x.api_key_sid: must start with SK"},
        FileErrorCase{"SecretWrittenInTheFile",
                      Entry("twilio", R"("account_sid": "AC1", "auth_token": "hunter2-value")"),
                      "accounts.twilio.x.auth_token: " + kSecretShape},
        FileErrorCase{"SecretBothSources", Entry("twilio", R"("account_sid": "AC1",
                                         "auth_token": {"env": "T", "file": "/t"})"),
                      "accounts.twilio.x.auth_token: " + kSecretShape},
        FileErrorCase{"SecretUnknownSource",
                      Entry("twilio", R"("account_sid": "AC1", "auth_token": {"vault": "t"})"),
                      "accounts.twilio.x.auth_token.vault: unknown field; expected one of env, "
                      "file"},
        FileErrorCase{"SecretBadVariable",
                      Entry("twilio", R"("account_sid": "AC1", "auth_token": {"env": "1-T"})"),
                      "accounts.twilio.x.auth_token.env: must be a variable name (letters, "
                      "digits, '_')"},
        FileErrorCase{"SecretEmptyFile",
                      Entry("twilio", R"("account_sid": "AC1", "auth_token": {"file": ""})"),
                      "accounts.twilio.x.auth_token.file: must be a path"},
        FileErrorCase{"PlivoNoAuthId", Entry("plivo", R"("auth_token": {"env": "T"})"),
                      "accounts.plivo.x.auth_id: is required"},
        FileErrorCase{"PlivoNoToken", Entry("plivo", R"("auth_id": "MA1")"),
                      "accounts.plivo.x.auth_token: is required"},
        FileErrorCase{"TelnyxNoKey", Entry("telnyx", ""), "accounts.telnyx.x.api_key: is required"},
        FileErrorCase{"TelnyxAccountId",
                      Entry("telnyx", R"("api_key": {"env": "K"}, "account_sid": "AC1")"),
                      "accounts.telnyx.x.account_sid: unknown field; expected one of api_key, "
                      "base_url, limits"},
        FileErrorCase{"BaseUrlPlainHttp",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "http://example.com")"),
                      std::string("accounts.twilio.x.base_url: ") + kLoopbackRule},
        FileErrorCase{
            "BaseUrlPlainHttpLookalike",
            Entry("twilio", kTwilioOk + R"(, "base_url": "http://127.0.0.1.example.com")"),
            std::string("accounts.twilio.x.base_url: ") + kLoopbackRule},
        FileErrorCase{"BaseUrlNotHttp",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "trunking.twilio.com")"),
                      "accounts.twilio.x.base_url: must be an http:// or https:// URL"},
        FileErrorCase{"BaseUrlNotString", Entry("twilio", kTwilioOk + R"(, "base_url": 443)"),
                      "accounts.twilio.x.base_url: must be an http:// or https:// URL"},
        FileErrorCase{"BaseUrlUserInfo",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "https://u:pw@example.com")"),
                      "accounts.twilio.x.base_url: must not hold user info (user:password@); "
                      "credentials belong in the account's secret fields"},
        FileErrorCase{"BaseUrlQuery",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "https://example.com/?a=1")"),
                      "accounts.twilio.x.base_url: must not hold a query or fragment"},
        FileErrorCase{"BaseUrlNoHost",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "https:///v1")"),
                      "accounts.twilio.x.base_url: must name a host"},
        FileErrorCase{"BaseUrlBadPort",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "https://example.com:70000")"),
                      "accounts.twilio.x.base_url: must have a port from 1 to 65535"},
        FileErrorCase{"BaseUrlSpace",
                      Entry("twilio", kTwilioOk + R"(, "base_url": "https://exa mple.com")"),
                      "accounts.twilio.x.base_url: must not hold spaces or control characters"},
        FileErrorCase{"LimitsNotObject", Entry("twilio", kTwilioOk + R"(, "limits": 5)"),
                      "accounts.twilio.x.limits: must be an object"},
        FileErrorCase{"LimitsUnknown", Entry("twilio", kTwilioOk + R"(, "limits": {"rps": 5})"),
                      "accounts.twilio.x.limits.rps: unknown field; expected one of "
                      "requests_per_second, burst, max_concurrency"},
        FileErrorCase{"RateNegative",
                      Entry("plivo", R"("auth_id": "MA1", "auth_token": {"env": "T"},
                                        "limits": {"requests_per_second": -1})"),
                      "accounts.plivo.x.limits.requests_per_second: must be a number from 0 (no "
                      "rate limit) to 1000000"},
        FileErrorCase{"RateNotNumber",
                      Entry("plivo", R"("auth_id": "MA1", "auth_token": {"env": "T"},
                                        "limits": {"requests_per_second": "60"})"),
                      "accounts.plivo.x.limits.requests_per_second: must be a number from 0 (no "
                      "rate limit) to 1000000"},
        FileErrorCase{"BurstZero", Entry("plivo", R"("auth_id": "MA1", "auth_token": {"env": "T"},
                                        "limits": {"burst": 0})"),
                      "accounts.plivo.x.limits.burst: must be an integer from 1 to 1000000"},
        FileErrorCase{"BurstFraction",
                      Entry("plivo", R"("auth_id": "MA1", "auth_token": {"env": "T"},
                                        "limits": {"burst": 1.5})"),
                      "accounts.plivo.x.limits.burst: must be an integer from 1 to 1000000"},
        FileErrorCase{"ConcurrencyNegative",
                      Entry("plivo", R"("auth_id": "MA1", "auth_token": {"env": "T"},
                                        "limits": {"max_concurrency": -1})"),
                      "accounts.plivo.x.limits.max_concurrency: must be an integer from 0 to "
                      "10000"}),
    [](const ::testing::TestParamInfo<FileErrorCase>& param_info) {
      return param_info.param.name;
    });

// ---- No secret in any message or ToString ----

TEST_F(AccountsFileTest, NoMessageOrToStringHoldsASecret) {
  const std::map<std::string, std::string> env = {{"TWILIO_ACCOUNT_SID", kSid},
                                                  {"TWILIO_AUTH_TOKEN", kToken},
                                                  {"US_TOKEN", kToken},
                                                  {"PLIVO_MAIN_TOKEN", kPlivoToken},
                                                  {"TELNYX_API_KEY", kTelnyxKey}};
  std::vector<std::string> outputs;
  auto accounts = Load(kFile, env);
  ASSERT_OK(accounts);
  for (const char* provider : {"twilio", "plivo", "telnyx"}) {
    for (const char* alias : {"default", "eu-prod", "us", "lab", "nope"}) {
      Result<ResolvedAccount> account = (*accounts)->Resolve(provider, alias);
      std::ostringstream printed;
      if (account.ok()) {
        printed << account->ToString() << " " << account->authorization;
        EXPECT_EQ(::testing::PrintToString(account->authorization), "<secret>");
      } else {
        printed << account.status();
      }
      outputs.push_back(printed.str());
    }
  }
  // Errors near secrets: a bad file whose secret was written in it, a URL with a password, a
  // secret variable holding a control character, a refused secret file.
  const std::string written =
      Entry("twilio", R"("account_sid": "AC1", "auth_token": ")" + std::string(kToken) + R"(")");
  outputs.push_back(Accounts::Parse(written, "a.json", MapEnvironment({})).status().ToString());
  outputs.push_back(
      Accounts::Parse(written + ",", "a.json", MapEnvironment({})).status().ToString());
  outputs.push_back(Accounts::Parse(Entry("twilio", kTwilioOk + R"(, "base_url": "https://u:)" +
                                                        std::string(kToken) + R"(@h")"),
                                    "a.json", MapEnvironment({}))
                        .status()
                        .ToString());
  auto bad = Accounts::FromEnvironment(MapEnvironment(
      {{"TWILIO_ACCOUNT_SID", kSid}, {"TWILIO_AUTH_TOKEN", std::string(kToken) + "\n"}}));
  outputs.push_back(bad->Resolve("twilio", "default").status().ToString());
  ASSERT_EQ(::chmod(dir_.Sub("secrets/twilio-eu").c_str(), 0644), 0);
  auto refused = Load(kFile, env);
  ASSERT_OK(refused);
  outputs.push_back((*refused)->Resolve("twilio", "eu-prod").status().ToString());

  std::vector<Secret> secrets = (*accounts)->LoadedSecrets();
  ASSERT_GE(secrets.size(), 10u);
  for (const char* raw : {kToken, kPlivoToken, kTelnyxKey, kKeySecret}) secrets.emplace_back(raw);
  for (const std::string& output : outputs) {
    SCOPED_TRACE(output);
    for (const Secret& secret : secrets) EXPECT_THAT(output, Not(HasSubstr(secret.Reveal())));
  }
}

}  // namespace
}  // namespace trunkline::sync
