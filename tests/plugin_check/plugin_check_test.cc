// trunkline-plugin-check run as a program: on the real plugins (every check passes), and on
// the broken fixture with each of its faults (the check about it fails, saying why, with the
// right exit code).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Outcome {
  int exit_code = -1;
  std::string out;
};

// Runs the checker with `args` (and $TRUNKLINE_FIXTURE_FAULT set to `fault`), keeping stdout.
// Unless `args` sets one, a call may take 10 s: the real plugins' slowest hostile calls take
// a sixth of the default second in a Release build, and several times that under a
// sanitizer on a busy machine; only the hang fault is about the time bound.
Outcome Check(const std::string& args, const std::string& fault = "") {
  const std::string timeout =
      args.find("--timeout-ms") == std::string::npos ? "--timeout-ms 10000 " : "";
  const std::string command = "TRUNKLINE_FIXTURE_FAULT='" + fault + "' '" + TRUNKLINE_PLUGIN_CHECK +
                              "' " + timeout + args + " 2>/dev/null";
  Outcome o;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return o;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) o.out.append(buffer, n);
  const int status = pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

// The report line of check `id` ("FAIL  robust.check_rules  ..."), or "" when absent.
std::string Line(const std::string& out, const std::string& id) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > 6 && line.compare(6, id.size() + 1, id + " ") == 0) return line;
  }
  return "";
}

std::string Plugin(const char* path) { return std::string("'") + path + "'"; }

// Built with AddressSanitizer (scripts/sanitize.sh), the checker skips its two memory checks
// (the sanitizer's allocator keeps no heap figures), and a plugin that crashes on purpose
// makes the sanitizer report, which fails that run: those faults are not tried there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

TEST(PluginCheckTest, TwilioPassesEveryCheck) {
  const Outcome o = Check("--seed 11 --cases 1000 " + Plugin(TRUNKLINE_TWILIO_PLUGIN));
  EXPECT_EQ(o.exit_code, 0) << o.out;
  EXPECT_THAT(o.out, Not(HasSubstr("FAIL")));
  EXPECT_THAT(o.out, HasSubstr("seed 11 (rerun with --seed 11)"));
  EXPECT_THAT(Line(o.out, "robust.sync_absorb"), StartsWith("PASS"));
  EXPECT_THAT(o.out, HasSubstr("== twilio 0.2.0 (ABI 1.1): "));
}

TEST(PluginCheckTest, PlivoPassesEveryCheck) {
  const Outcome o = Check("--seed 12 --cases 1000 " + Plugin(TRUNKLINE_PLIVO_PLUGIN));
  EXPECT_EQ(o.exit_code, 0) << o.out;
  EXPECT_THAT(o.out, Not(HasSubstr("FAIL")));
  EXPECT_THAT(Line(o.out, "pure.sync_plan"), StartsWith("PASS"));
}

TEST(PluginCheckTest, JsonReportsEveryCheckOfEachPluginOnce) {
  const Outcome o = Check("-o json --seed 13 --cases 200 " + Plugin(TRUNKLINE_TWILIO_PLUGIN) + " " +
                          Plugin(TRUNKLINE_PLIVO_PLUGIN));
  ASSERT_EQ(o.exit_code, 0) << o.out;
  const boost::json::object doc = boost::json::parse(o.out).as_object();
  EXPECT_EQ(doc.at("seed").as_int64(), 13);
  EXPECT_EQ(doc.at("exit_code").as_int64(), 0);
  const boost::json::array& plugins = doc.at("plugins").as_array();
  ASSERT_EQ(plugins.size(), 2u);
  for (const boost::json::value& p : plugins) {
    EXPECT_TRUE(p.at("loaded").as_bool());
    EXPECT_EQ(p.at("failed").as_int64(), 0);
    std::set<std::string> ids;
    for (const boost::json::value& c : p.at("checks").as_array()) {
      EXPECT_TRUE(ids.insert(std::string(c.at("id").as_string())).second) << c;
      EXPECT_NE(c.at("verdict").as_string(), "fail") << c;
    }
    EXPECT_EQ(ids.size(), 33u);
  }
  EXPECT_EQ(plugins[0].at("provider_id").as_string(), "twilio");
}

TEST(PluginCheckTest, TheFixtureWithoutAFaultPassesEveryCheckIncludingSecrets) {
  const Outcome o = Check("--seed 14 --cases 300 " + Plugin(TRUNKLINE_BROKEN_FIXTURE));
  EXPECT_EQ(o.exit_code, 0) << o.out;
  EXPECT_THAT(o.out, Not(HasSubstr("FAIL")));
  EXPECT_THAT(Line(o.out, "requests.secrets"), StartsWith("PASS"));
  EXPECT_THAT(Line(o.out, "requests.secrets"), HasSubstr("no value of sip_password"));
}

TEST(PluginCheckTest, AFileThatIsNotAPluginCannotBeLoaded) {
  const Outcome o = Check(Plugin(TRUNKLINE_PLUGIN_CHECK ".no-such-file"));
  EXPECT_EQ(o.exit_code, 2);  // usage: no such file
  const Outcome text = Check("--cases 10 " + Plugin(__FILE__));
  EXPECT_EQ(text.exit_code, 3) << text.out;
  EXPECT_THAT(Line(text.out, "descriptor.library"),
              AllOf(StartsWith("FAIL"), HasSubstr("not a loadable shared library")));
  EXPECT_THAT(Line(text.out, "robust.check_rules"),
              AllOf(StartsWith("SKIP"), HasSubstr("the host did not load the plugin")));
}

TEST(PluginCheckTest, UsageErrorsExitTwoAndHelpDocumentsTheExitCodes) {
  EXPECT_EQ(Check("").exit_code, 2);
  EXPECT_EQ(Check("-o xml " + Plugin(TRUNKLINE_TWILIO_PLUGIN)).exit_code, 2);
  EXPECT_EQ(Check("--timeout-ms 0 " + Plugin(TRUNKLINE_TWILIO_PLUGIN)).exit_code, 2);
  const Outcome help = Check("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("3 the host could not load a plugin"));
  EXPECT_THAT(help.out, HasSubstr("--cases"));
}

TEST(PluginCheckTest, AFaultFailsItsCheckInAFullRunToo) {
  const Outcome o =
      Check("--seed 4 --cases 300 " + Plugin(TRUNKLINE_BROKEN_FIXTURE), "leak_secret");
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_THAT(Line(o.out, "requests.secrets"), StartsWith("FAIL"));
  EXPECT_THAT(Line(o.out, "requests.authorization"), StartsWith("PASS"));
  EXPECT_THAT(o.out, HasSubstr(kAddressSanitizer ? ": 30 passed, 1 failed, 2 skipped in "
                                                 : ": 32 passed, 1 failed, 0 skipped in "));
}

TEST(PluginCheckTest, ChecksSelectsChecksByIdOrGroup) {
  const Outcome o =
      Check("--checks pure,robust.check_rules --cases 50 " + Plugin(TRUNKLINE_PLIVO_PLUGIN));
  EXPECT_EQ(o.exit_code, 0) << o.out;
  EXPECT_THAT(Line(o.out, "pure.sync_absorb"), StartsWith("PASS"));
  EXPECT_THAT(Line(o.out, "robust.check_rules"), StartsWith("PASS"));
  EXPECT_THAT(Line(o.out, "descriptor.size"), StartsWith("PASS"));
  EXPECT_EQ(Line(o.out, "robust.sync_plan"), "");
  EXPECT_EQ(Line(o.out, "schema.names"), "");
  EXPECT_EQ(Check("--checks robus " + Plugin(TRUNKLINE_PLIVO_PLUGIN)).exit_code, 2);
}

TEST(PluginCheckTest, TheSameSeedGivesTheSameReport) {
  if (kAddressSanitizer) GTEST_SKIP() << "the fixture crashes on purpose";
  const std::string args =
      "--seed 5 --cases 200 --checks robust.sync_absorb " + Plugin(TRUNKLINE_BROKEN_FIXTURE);
  const Outcome a = Check(args, "crash_absorb");
  const Outcome b = Check(args, "crash_absorb");
  EXPECT_EQ(Line(a.out, "robust.sync_absorb"), Line(b.out, "robust.sync_absorb"));
  EXPECT_THAT(Line(a.out, "robust.sync_absorb"), HasSubstr("in case generated #"));
}

struct Fault {
  const char* fault;
  const char* check;
  const char* message;
  int exit_code;
};

class PluginCheckFaultTest : public ::testing::TestWithParam<Fault> {};

TEST_P(PluginCheckFaultTest, FailsTheCheckAboutItSayingWhy) {
  const Fault& f = GetParam();
  const std::string fault = f.fault;
  const std::string check = f.check;
  if (kAddressSanitizer && (fault.starts_with("crash_") || check.starts_with("memory."))) {
    GTEST_SKIP() << "not checked under AddressSanitizer (see kAddressSanitizer)";
  }
  // Only the check about the fault (and loading), to keep the run short.
  const Outcome o = Check("--seed 3 --cases 300 --timeout-ms 300 --checks " + std::string(f.check) +
                              " " + Plugin(TRUNKLINE_BROKEN_FIXTURE),
                          f.fault);
  EXPECT_EQ(o.exit_code, f.exit_code) << o.out;
  EXPECT_THAT(Line(o.out, f.check), AllOf(StartsWith("FAIL"), HasSubstr(f.message))) << o.out;
}

INSTANTIATE_TEST_SUITE_P(
    Faults, PluginCheckFaultTest,
    ::testing::Values(
        Fault{"unknown_capability", "descriptor.capabilities",
              "unknown capability bits 0x10 (ABI 1.1 defines SCHEMA 0x1 and SYNC 0x2)", 3},
        Fault{"no_sync_absorb", "descriptor.sync_absorb",
              "its descriptor has no function for sync_absorb (capability SYNC)", 3},
        Fault{"wrong_major", "descriptor.abi_version",
              "built for plugin ABI 2.1; this host speaks ABI 1.1", 3},
        Fault{"bad_provider_id", "descriptor.provider_id",
              "provider id \"Broken Fixture\" is not lower case letters, digits and '-'", 1},
        Fault{"create_fails", "host.load", "fixture: told to fail", 3},
        Fault{"schema_undecodable", "schema.describe", "the schema does not decode", 1},
        Fault{"schema_wrong_provider", "schema.provider",
              "the schema names provider \"other\"; the descriptor says \"fixture\"", 1},
        Fault{"schema_duplicate_name", "schema.names", "trunk fields: \"name\" is declared twice",
              1},
        Fault{"schema_enum_without_values", "schema.types", "direction: an enum with no values", 1},
        Fault{"schema_bad_default", "schema.defaults",
              "default \"maybe\" is not valid: enabled: must be true or false", 1},
        Fault{"schema_bad_pattern", "schema.patterns",
              "host: pattern \"^[a-z0-9.-+$\" does not compile", 1},
        Fault{"schema_bad_attachments", "schema.sub_resources",
              "numbers: an attachments sub-resource may declare one field, named id", 1},
        Fault{"crash_rules", "robust.check_rules",
              "the plugin crashed in case empty input (0 bytes): SIGSEGV (signal 11)", 1},
        Fault{"hang_plan", "robust.sync_plan",
              "case empty input (0 bytes): no answer within 300 ms (the call was killed)", 1},
        Fault{"crash_absorb", "robust.sync_absorb", "429 answer to", 1},
        Fault{"garbage_answer", "robust.check_rules",
              "answered OK with a value that is not its grammar's", 1},
        Fault{"free_bytes_noop", "memory.free_bytes", "free_bytes did not release the values", 1},
        Fault{"leak_rules", "memory.growth", "check_rules: heap in use grew by", 1},
        Fault{"impure_counter", "pure.sync_plan", "the same input twice on one instance", 1},
        Fault{"impure_instance", "pure.check_rules", "the same input on two instances", 1},
        Fault{"authorization", "requests.authorization", "carries the header Authorization", 1},
        Fault{"leak_secret", "requests.secrets",
              "the value of secret field sip_password is in the body", 1}),
    [](const ::testing::TestParamInfo<Fault>& p) { return std::string(p.param.fault); });

}  // namespace
