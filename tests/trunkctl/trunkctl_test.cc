// trunkctl end to end, through the built binary, on a fresh data dir.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "trunkline/domain/event_codec.h"
#include "trunkline/journal/rocksdb_journal.h"
#include "trunkline/plugin_host/plugin_host.h"
#include "trunkline/projection/current_state.h"
#include "trunkline/registry/registry.h"

namespace {

using ::testing::HasSubstr;

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

class TrunkctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "trunkctl-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // trunkctl on this test's data dir. `args` may end in a shell redirection of stdout.
  CtlRun Ctl(const std::string& args) { return Raw("--data-dir " + dir_ + "/data " + args); }

  // trunkctl with exactly `args`.
  CtlRun Raw(const std::string& args) {
    const std::string err_file = dir_ + "/stderr";
    const std::string command = std::string(TRUNKCTL) + " " + args + " 2>" + err_file;
    CtlRun run;
    FILE* pipe = popen(command.c_str(), "r");
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
    const int status = pclose(pipe);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_file);
    run.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    return run;
  }

  boost::json::value Json(const std::string& args) {
    CtlRun run = Ctl("-o json " + args);
    EXPECT_EQ(run.code, 0) << args << "\n" << run.err;
    return boost::json::parse(run.out.empty() ? "null" : run.out);
  }

  uint64_t Records() {
    CtlRun run = Ctl("-o json journal verify");
    if (run.code != 0) return 0;
    return boost::json::parse(run.out).at("records").to_number<uint64_t>();
  }

  // trunkctl with its stdout a pipe nobody will ever read (the reader closed before it ran).
  CtlRun IntoClosedPipe(const std::vector<std::string>& args) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    close(fds[0]);
    const std::string err_file = dir_ + "/stderr";
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, STDERR_FILENO);
      std::vector<std::string> all = {TRUNKCTL, "--data-dir", dir_ + "/data"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(TRUNKCTL, argv.data());
      _exit(127);
    }
    close(fds[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    CtlRun run;
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ifstream err(err_file);
    run.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    return run;
  }

  void CreateTwilio(const std::string& id, const std::string& domain,
                    const std::string& name = "") {
    CtlRun run = Ctl("trunk create --provider twilio --id " + id + " --set domain_name=" + domain +
                     (name.empty() ? "" : " --set friendly_name=" + name));
    ASSERT_EQ(run.code, 0) << run.err;
  }

  std::string dir_;
};

// Well-formed UTF-8, checked independently of trunkctl's own code.
bool ValidUtf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > text.size() || (n == 2 && c < 0xC2)) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

// True when `text` holds no control character but the newline ending each line.
bool OnlyNewlineControls(const std::string& text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7F) return false;
  }
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(TrunkctlTest, AuditorsStoryCreateUpdateHistoryAsOfDiffDeleteVerifyExport) {
  auto created = Json(
      "trunk create --provider twilio --id t1 --set friendly_name=Main "
      "--set domain_name=main.pstn.twilio.com --actor alice --reason 'new office'");
  EXPECT_EQ(created.at("id"), "t1");
  EXPECT_EQ(created.at("version"), 1);
  ASSERT_EQ(Ctl("trunk create --provider plivo --id p1 --set trunk_direction=inbound "
                "--set primary_uri_uuid=3f2a0c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
                .code,
            0);
  auto updated = Json(
      "trunk update t1 --set friendly_name=HQ --actor bob --reason rename "
      "--expect-version 1");
  EXPECT_EQ(updated.at("version"), 2);

  auto history = Json("trunk history t1").as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].at("actor"), "bob");
  EXPECT_EQ(history[1].at("reason"), "rename");
  EXPECT_EQ(history[1].at("changes").at(0).at("path"), "fields.friendly_name");
  EXPECT_EQ(history[1].at("changes").at(0).at("old"), "Main");
  EXPECT_EQ(history[1].at("changes").at(0).at("new"), "HQ");

  const auto first_position = history[0].at("position").to_number<uint64_t>();
  const std::string first_time(history[0].at("time").as_string());
  auto before = Json("trunk get t1 --at " + std::to_string(first_position));
  EXPECT_EQ(before.at("fields").at("friendly_name"), "Main");
  auto by_time = Json("trunk get t1 --as-of " + first_time);
  EXPECT_EQ(by_time.at("fields").at("friendly_name"), "Main");
  auto now = Json("trunk get t1");
  EXPECT_EQ(now.at("fields").at("friendly_name"), "HQ");
  EXPECT_EQ(now.at("provider"), "twilio");

  const auto second_position = history[1].at("position").to_number<uint64_t>();
  auto diff = Json("trunk diff t1 --from " + std::to_string(first_position) + " --to " +
                   std::to_string(second_position));
  ASSERT_EQ(diff.as_array().size(), 1u);
  EXPECT_EQ(diff.as_array()[0].at("new"), "HQ");

  EXPECT_EQ(Json("trunk list").as_array().size(), 2u);
  ASSERT_EQ(Ctl("trunk delete t1 --reason decommissioned").code, 0);
  EXPECT_EQ(Json("trunk list").as_array().size(), 1u);
  EXPECT_EQ(Json("trunk list --provider plivo").as_array().size(), 1u);
  CtlRun after_delete = Ctl("trunk update t1 --set friendly_name=X");
  EXPECT_EQ(after_delete.code, 3);
  EXPECT_THAT(after_delete.err, HasSubstr("trunk t1 was deleted"));

  auto verified = Json("journal verify");
  EXPECT_EQ(verified.at("ok"), true);
  EXPECT_EQ(verified.at("records"), 4);
  CtlRun exported = Ctl("journal export");
  ASSERT_EQ(exported.code, 0);
  std::istringstream lines(exported.out);
  std::vector<boost::json::value> events;
  for (std::string line; std::getline(lines, line);) events.push_back(boost::json::parse(line));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].at("actor"), "alice");
  EXPECT_EQ(events[0].at("payload").at("fields").at("domain_name"), "main.pstn.twilio.com");
  EXPECT_EQ(events[3].at("type"), "TrunkDeleted");
  EXPECT_EQ(events[3].at("reason"), "decommissioned");
  EXPECT_EQ(Ctl("journal export --from 2 --to 3").out.find("\"position\":4"), std::string::npos);
}

TEST_F(TrunkctlTest, ExitCodesAndNothingJournaledOnRefusal) {
  ASSERT_EQ(Ctl("trunk create --provider twilio --id t1 --set domain_name=a.pstn.twilio.com").code,
            0);
  const uint64_t records = Records();
  CtlRun rule = Ctl("trunk create --provider plivo --set trunk_direction=outbound");
  EXPECT_EQ(rule.code, 3);
  EXPECT_THAT(rule.err, HasSubstr("ipacl_uuid: an outbound trunk needs ipacl_uuid or "
                                  "credential_uuid"));
  CtlRun field = Ctl("trunk update t1 --set friendly_name=" + std::string(65, 'x'));
  EXPECT_EQ(field.code, 3);
  EXPECT_THAT(field.err, HasSubstr("friendly_name: at most 64 characters"));
  CtlRun unique = Ctl("trunk create --provider twilio --set domain_name=a.pstn.twilio.com");
  EXPECT_EQ(unique.code, 3);
  EXPECT_THAT(unique.err, HasSubstr("domain_name: must be unique in the account"));
  EXPECT_EQ(Ctl("trunk get nope").code, 4);
  CtlRun stale = Ctl("trunk update t1 --set friendly_name=B --expect-version 7");
  EXPECT_EQ(stale.code, 5);
  EXPECT_THAT(stale.err, HasSubstr("is at version 1, expected 7"));
  EXPECT_EQ(Ctl("trunk frobnicate").code, 2);
  EXPECT_EQ(Ctl("trunk update t1 --set noequals").code, 3);
  EXPECT_EQ(Records(), records);
}

TEST_F(TrunkctlTest, ReadingAnEmptyDataDirSaysSoPlainly) {
  CtlRun list = Ctl("trunk list");
  EXPECT_EQ(list.code, 4);
  EXPECT_THAT(list.err, HasSubstr("does not exist (nothing has been written yet)"));
  EXPECT_THAT(list.err, ::testing::Not(HasSubstr("IO error")));
}

TEST_F(TrunkctlTest, AMissingJournalNamesTheDataDirAndHowToChooseAnother) {
  for (const char* command : {"trunk list", "trunk get t1", "journal export", "journal verify"}) {
    CtlRun run = Ctl(command);
    EXPECT_EQ(run.code, 4) << command;
    EXPECT_THAT(run.err, HasSubstr("looked in the data dir " + dir_ + "/data (from --data-dir)"))
        << command;
    EXPECT_THAT(run.err, HasSubstr("--data-dir DIR or the TRUNKLINE_DATA_DIR environment variable"))
        << command;
  }
  ASSERT_EQ(setenv("TRUNKLINE_DATA_DIR", (dir_ + "/env").c_str(), 1), 0);
  CtlRun from_env = Raw("trunk list");  // no --data-dir: the variable decides
  unsetenv("TRUNKLINE_DATA_DIR");
  EXPECT_EQ(from_env.code, 4);
  EXPECT_THAT(from_env.err, HasSubstr("looked in the data dir " + dir_ +
                                      "/env (from "
                                      "$TRUNKLINE_DATA_DIR)"));
}

TEST_F(TrunkctlTest, RetryWithTheSameCommandIdWritesOnce) {
  const std::string create =
      "trunk create --provider twilio --id t1 --set domain_name=a.pstn.twilio.com "
      "--command-id req-1";
  EXPECT_EQ(Json(create).at("replayed"), false);
  EXPECT_EQ(Json(create).at("replayed"), true);
  EXPECT_EQ(Records(), 1u);
}

TEST_F(TrunkctlTest, ASecondWriterIsToldWhoHoldsTheDataDirWhileReadsStillWork) {
  ASSERT_EQ(Ctl("trunk create --provider twilio --id t1 --set domain_name=a.pstn.twilio.com").code,
            0);
  trunkline::registry::RegistryOptions options{dir_ + "/data",
                                               trunkline::plugin_host::DefaultPluginDir()};
  auto holder = trunkline::registry::Registry::Open(options);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  CtlRun blocked = Ctl("trunk update t1 --set friendly_name=X --wait-lock 0.3");
  EXPECT_EQ(blocked.code, 1);
  EXPECT_THAT(blocked.err, HasSubstr("another process holds the data dir " + dir_ + "/data"));
  EXPECT_THAT(blocked.err, HasSubstr("pid " + std::to_string(getpid())));
  EXPECT_THAT(blocked.err,
              HasSubstr("waited 0.3 s for it; use --wait-lock SECONDS to wait longer"));
  EXPECT_THAT(blocked.err, ::testing::Not(HasSubstr("While lock file")));
  CtlRun read = Ctl("trunk get t1");
  EXPECT_EQ(read.code, 0) << read.err;
  EXPECT_THAT(read.out, HasSubstr("a.pstn.twilio.com"));
  EXPECT_EQ(Ctl("journal verify").code, 0);
}

TEST_F(TrunkctlTest, ProjectionsRebuildFoldsEverythingWithAProgressLine) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Ctl("trunk create --provider twilio --id t" + std::to_string(i) +
                  " --set domain_name=d" + std::to_string(i) + ".pstn.twilio.com")
                  .code,
              0);
  }
  CtlRun rebuild = Ctl("-o json projections rebuild");
  ASSERT_EQ(rebuild.code, 0) << rebuild.err;
  auto out = boost::json::parse(rebuild.out);
  EXPECT_EQ(out.at("folded"), 5);
  EXPECT_EQ(out.at("checkpoint"), 5);
  EXPECT_THAT(rebuild.err, HasSubstr("rebuild: 5/5 events"));
  EXPECT_THAT(rebuild.err, HasSubstr("ETA"));
  EXPECT_EQ(Json("trunk list").as_array().size(), 5u);
}

TEST_F(TrunkctlTest, ADamagedProjectionIsRebuiltWithANoticeAndBlocksNothing) {
  ASSERT_EQ(Ctl("trunk create --provider twilio --id t1 --set domain_name=a.pstn.twilio.com").code,
            0);
  {
    std::fstream f(dir_ + "/data/projections/current-state",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30);
    f.put('#');
  }
  CtlRun verify = Ctl("journal verify");
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_THAT(verify.err, HasSubstr("trunkctl: notice: projection snapshot"));
  EXPECT_THAT(verify.err, HasSubstr("rebuilding it from the journal"));
  CtlRun list = Ctl("trunk list");
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("t1"));
  EXPECT_EQ(Ctl("projections rebuild").code, 0);
  CtlRun after = Ctl("trunk list");
  EXPECT_EQ(after.err.find("notice"), std::string::npos) << after.err;
}

TEST_F(TrunkctlTest, PluginsCanBeListedAndInspected) {
  CtlRun list = Ctl("plugins list");
  EXPECT_EQ(list.code, 0);
  EXPECT_THAT(list.out,
              ::testing::ContainsRegex("twilio [0-9]+\\.[0-9]+\\.[0-9]+ \\(ABI 1\\.1\\)"));
  EXPECT_THAT(list.out, ::testing::ContainsRegex("plivo [0-9]+\\.[0-9]+\\.[0-9]+ \\(ABI 1\\.1\\)"));
  EXPECT_THAT(list.out, ::testing::ContainsRegex("telnyx [0-9]+\\.[0-9]+\\.[0-9]+ \\(ABI 1\\.1\\)"));
  auto schema = Json("plugins inspect twilio");
  EXPECT_EQ(schema.at("provider"), "twilio");
  EXPECT_EQ(schema.at("fields").at(0).at("name"), "friendly_name");
  EXPECT_EQ(Ctl("plugins inspect bandwidth").code, 4);
}

TEST_F(TrunkctlTest, AWriterWaitsUpToWaitLockForTheProcessThatHoldsTheDataDir) {
  CreateTwilio("t1", "a.pstn.twilio.com");
  trunkline::registry::RegistryOptions options{dir_ + "/data",
                                               trunkline::plugin_host::DefaultPluginDir()};
  auto holder = trunkline::registry::Registry::Open(options);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    holder->reset();
  });
  const auto start = std::chrono::steady_clock::now();
  CtlRun waited = Ctl("trunk update t1 --set friendly_name=X --wait-lock 60");
  const auto took = std::chrono::steady_clock::now() - start;
  release.join();
  EXPECT_EQ(waited.code, 0) << waited.err;
  EXPECT_GE(took, std::chrono::milliseconds(1000));
  EXPECT_EQ(Json("trunk get t1").at("fields").at("friendly_name"), "X");
}

TEST_F(TrunkctlTest, WaitLockMustBeANonNegativeNumber) {
  for (const char* bad : {"-1", "abc", "", "nan", "1e400", "5s"}) {
    CtlRun run = Ctl("trunk list --wait-lock '" + std::string(bad) + "'");
    EXPECT_EQ(run.code, 2) << bad;
    EXPECT_THAT(run.err, HasSubstr("--wait-lock: must be a number of seconds")) << bad;
  }
  for (const char* good : {"0", "0.5", "7"}) {
    CtlRun run = Ctl("trunk list --wait-lock " + std::string(good));
    EXPECT_EQ(run.code, 4) << good << ": an empty data dir, the option accepted\n" << run.err;
  }
}

TEST_F(TrunkctlTest, OtherOpenFailuresKeepTheirOwnMessageWithoutTheLockHint) {
  std::ofstream(dir_ + "/file") << "not a directory\n";
  CtlRun under_file = Raw("--data-dir " + dir_ +
                          "/file/data trunk create --provider twilio "
                          "--set domain_name=a.pstn.twilio.com");
  EXPECT_EQ(under_file.code, 1);
  EXPECT_THAT(under_file.err, HasSubstr("Not a directory"));
  EXPECT_THAT(under_file.err, ::testing::Not(HasSubstr("wait")));
  EXPECT_THAT(under_file.err, ::testing::Not(HasSubstr("another process")));

  CreateTwilio("t1", "a.pstn.twilio.com");
  std::filesystem::remove_all(dir_ + "/data/projections");
  std::ofstream(dir_ + "/data/projections") << "not a directory\n";
  CtlRun projections = Ctl("trunk update t1 --set friendly_name=X");
  EXPECT_EQ(projections.code, 3);
  EXPECT_THAT(projections.err, HasSubstr("projections is not a directory"));
  EXPECT_THAT(projections.err, ::testing::Not(HasSubstr("terminate called")));
  EXPECT_THAT(projections.err, ::testing::Not(HasSubstr("wait")));
  EXPECT_THAT(projections.err, ::testing::Not(HasSubstr("another process")));
}

TEST_F(TrunkctlTest, NumbersThatDoNotFitOrAreNegativeAreUsageErrorsNamingTheOption) {
  CreateTwilio("t1", "a.pstn.twilio.com");
  const uint64_t records = Records();
  const std::string huge = "99999999999999999999999";
  const std::pair<std::string, std::string> cases[] = {
      {"trunk update t1 --set friendly_name=X --expect-version -1", "--expect-version"},
      {"trunk update t1 --set friendly_name=X --expect-version " + huge, "--expect-version"},
      {"trunk update t1 --set friendly_name=X --expect-version ''", "--expect-version"},
      {"trunk update t1 --set friendly_name=X --expect-version ' 1'", "--expect-version"},
      {"trunk delete t1 --expect-version -3", "--expect-version"},
      {"trunk get t1 --at -1", "--at"},
      {"trunk get t1 --at " + huge, "--at"},
      {"trunk list --at 18446744073709551616", "--at"},
      {"trunk diff t1 --from " + huge + " --to 1", "--from"},
      {"trunk diff t1 --from 1 --to -1", "--to"},
      {"journal export --from -1", "--from"},
      {"journal export --to " + huge, "--to"},
      {"sync run --once --concurrency 0", "--concurrency"},
      {"sync run --once --concurrency 4097", "--concurrency"},
      {"sync run --once --max-attempts 0", "--max-attempts"},
      {"sync run --once --max-attempts " + huge, "--max-attempts"},
  };
  for (const auto& [args, option] : cases) {
    CtlRun run = Ctl(args);
    EXPECT_EQ(run.code, 2) << args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(option + ": must be a ")) << args;
  }
  EXPECT_EQ(Records(), records);
  EXPECT_EQ(Json("trunk get t1 --at 18446744073709551615").at("id"), "t1");
}

TEST_F(TrunkctlTest, ImpossibleTimesAreRefusedNamingTheOption) {
  CreateTwilio("t1", "a.pstn.twilio.com");
  const std::pair<std::string, std::string> cases[] = {
      {"--as-of 2026-02-30", "day 30 does not exist"},
      {"--as-of 2026-13-01", "month 13 does not exist"},
      {"--as-of 2026-00-10", "month 0 does not exist"},
      {"--as-of 2025-02-29T00:00:00Z", "day 29 does not exist"},
      {"--as-of 2026-01-01T25:00:00Z", "hour"},
      {"--as-of 2026-01-01T23:60:00Z", "minute"},
      {"--as-of 2026-01-01T23:00:61Z", "second"},
      {"--as-of 2026-01-01T23:00:00", "Z (UTC)"},
      {"--as-of garbage", "must be a UTC time"},
      {"--as-of ' 2026-01-01'", "must be a UTC time"},
  };
  for (const auto& [option, why] : cases) {
    for (const std::string command : {"trunk get t1 ", "trunk list "}) {
      CtlRun run = Ctl(command + option);
      EXPECT_EQ(run.code, 2) << command << option << "\n" << run.err;
      EXPECT_THAT(run.err, HasSubstr("--as-of: ")) << option;
      EXPECT_THAT(run.err, HasSubstr(why)) << option;
    }
  }
  CtlRun from = Ctl("trunk diff t1 --from 2026-02-30 --to 1");
  EXPECT_EQ(from.code, 2);
  EXPECT_THAT(from.err, HasSubstr("--from: day 30 does not exist"));
  CtlRun to = Ctl("trunk diff t1 --from 1 --to yesterday");
  EXPECT_EQ(to.code, 2);
  EXPECT_THAT(to.err, HasSubstr("--to: must be a global position"));
  EXPECT_EQ(Ctl("trunk get t1 --as-of 2024-02-29").code, 4);  // a real day, before t1
  EXPECT_EQ(Ctl("trunk get t1 --as-of 2999-12-31T23:59:59.999999Z").code, 0);
}

TEST_F(TrunkctlTest, OutputThatCannotBeWrittenFailsTheCommand) {
  CreateTwilio("t1", "a.pstn.twilio.com");
  for (const char* command :
       {"journal export", "trunk list", "-o json trunk list", "trunk get t1", "trunk history t1",
        "journal verify", "plugins list", "plugins inspect twilio", "--help"}) {
    CtlRun run = Ctl(std::string(command) + " >/dev/full");
    EXPECT_EQ(run.code, 1) << command;
    EXPECT_THAT(run.err, HasSubstr("writing output: No space left on device")) << command;
  }
  CtlRun create =
      Ctl("trunk create --provider twilio --id t2 --set domain_name=b.pstn.twilio.com "
          "--command-id c-2 >/dev/full");
  EXPECT_EQ(create.code, 1);
  EXPECT_THAT(create.err, HasSubstr("writing output: No space left on device (the change was "
                                    "journaled"));
  EXPECT_THAT(create.err, HasSubstr("command id c-2"));
}

TEST_F(TrunkctlTest, AClosedPipeFailsTheCommandInsteadOfReportingSuccess) {
  CreateTwilio("t1", "a.pstn.twilio.com");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"journal", "export"}, {"trunk", "list"}, {"trunk", "get", "t1"}}) {
    CtlRun run = IntoClosedPipe(args);
    EXPECT_EQ(run.code, 1) << args[1];
    EXPECT_THAT(run.err, HasSubstr("writing output: Broken pipe")) << args[1];
  }
}

TEST_F(TrunkctlTest, GlobalOptionsMayFollowTheCommand) {
  CreateTwilio("t1", "a.pstn.twilio.com");
  CtlRun list = Raw("trunk list -o json --data-dir " + dir_ + "/data");
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(boost::json::parse(list.out).as_array().size(), 1u);
  CtlRun get = Raw("trunk get t1 --data-dir " + dir_ + "/data --output json");
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(boost::json::parse(get.out).at("id"), "t1");
  // The last of a repeated option wins, wherever it stands.
  CtlRun elsewhere = Ctl("trunk get t1 --data-dir " + dir_ + "/nothing");
  EXPECT_EQ(elsewhere.code, 4);
  EXPECT_THAT(elsewhere.err, HasSubstr(dir_ + "/nothing"));
  CtlRun update = Ctl("trunk update t1 --set friendly_name=Y --wait-lock 1 -o json --plugin-dir " +
                      trunkline::plugin_host::DefaultPluginDir());
  ASSERT_EQ(update.code, 0) << update.err;
  EXPECT_EQ(boost::json::parse(update.out).at("version"), 2);
}

TEST_F(TrunkctlTest, UnknownCommandsAreNamedWithASuggestion) {
  const std::pair<std::string, std::string> cases[] = {
      {"trnk list", "unknown command 'trnk'; did you mean 'trunk'?"},
      {"jurnal verify", "unknown command 'jurnal'; did you mean 'journal'?"},
      {"trunk lst", "unknown command 'trunk lst'; did you mean 'trunk list'?"},
      {"journal verfy", "unknown command 'journal verfy'; did you mean 'journal verify'?"},
      {"trunk item ad t1 x y", "unknown command 'trunk item ad'; did you mean 'trunk item add'?"},
      {"frobnicate",
       "unknown command 'frobnicate'; commands: trunk, journal, projections, plugins"},
  };
  for (const auto& [args, message] : cases) {
    CtlRun run = Ctl(args);
    EXPECT_EQ(run.code, 2) << args;
    EXPECT_THAT(run.err, HasSubstr(message)) << args;
  }
}

TEST_F(TrunkctlTest, VersionPrintsTheProjectVersion) {
  CtlRun run = Raw("--version");
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.out, std::string("trunkctl ") + TRUNKLINE_VERSION + "\n");
}

TEST_F(TrunkctlTest, EveryPositionalHasAHelpText) {
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"trunk update", {"the trunk's id"}},
      {"trunk delete", {"the trunk's id"}},
      {"trunk get", {"the trunk's id"}},
      {"trunk history", {"the trunk's id"}},
      {"trunk diff", {"the trunk's id"}},
      {"trunk item add", {"the trunk's id", "a collection", "the item's id"}},
      {"trunk item remove", {"the trunk's id", "a collection", "the item's id"}},
      {"trunk set", {"the trunk's id", "a singleton"}},
      {"trunk attach", {"the trunk's id", "an attachments list", "the provider's id"}},
      {"plugins inspect", {"a provider id"}},
  };
  for (const auto& [command, texts] : cases) {
    CtlRun run = Raw(command + " --help");
    EXPECT_EQ(run.code, 0) << command;
    for (const std::string& text : texts) EXPECT_THAT(run.out, HasSubstr(text)) << command;
  }
}

TEST_F(TrunkctlTest, TrunkListColumnsFitLongIds) {
  const std::string long_id = "trunk-for-the-frankfurt-office-" + std::string(20, 'x');
  CreateTwilio(long_id, "a.pstn.twilio.com", "Frankfurt");
  CreateTwilio("t1", "b.pstn.twilio.com", "Main");
  ASSERT_EQ(Ctl("trunk create --provider plivo --account a-rather-long-account-alias --id p1 "
                "--set trunk_direction=inbound --set name=Inbound "
                "--set primary_uri_uuid=3f2a0c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
                .code,
            0);
  CtlRun list = Ctl("trunk list");
  ASSERT_EQ(list.code, 0) << list.err;
  const std::vector<std::string> lines = Lines(list.out);
  ASSERT_EQ(lines.size(), 4u) << list.out;
  EXPECT_THAT(list.out, HasSubstr(long_id + " "));
  // Every column starts where its header does, and is apart from the one before.
  for (const char* header : {"PROVIDER", "ACCOUNT", "VERSION", "NAME"}) {
    const size_t column = lines[0].find(header);
    ASSERT_NE(column, std::string::npos);
    for (size_t i = 1; i < lines.size(); ++i) {
      ASSERT_GT(lines[i].size(), column) << lines[i];
      EXPECT_EQ(lines[i][column - 1], ' ') << header << " in: " << lines[i];
      if (std::string(header) != "NAME") {
        EXPECT_NE(lines[i][column], ' ') << lines[i];
      }
    }
  }
  EXPECT_THAT(list.out, HasSubstr("a-rather-long-account-alias"));
}

// Values the domain refuses today can still be in an older journal: append them directly.
TEST_F(TrunkctlTest, ControlCharactersAndInvalidUtf8AreEscapedInEveryOutput) {
  const std::string id = "t\n1\xff";
  {
    trunkline::journal::RocksDbJournalOptions options;
    options.dir = dir_ + "/data/journal";
    auto journal = trunkline::journal::RocksDbJournal::Open(options);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    trunkline::domain::TrunkCreated created;
    created.provider = "twilio";
    created.account = "acc\tount";
    created.fields["friendly_name"] = std::string("line1\nline2\r\x01\x7f bad\xc3( end");
    created.fields["domain_name"] = std::string("a.pstn.twilio.com\xe2\x80\xae");
    const trunkline::domain::EncodedEvent encoded = trunkline::domain::EncodeEvent(created);
    trunkline::journal::AppendRequest request;
    request.stream = trunkline::projection::StreamOf(id);
    request.metadata = {"ev\nil\xfe", "why\x1b[31m", "cmd-1", ""};
    request.events.push_back({encoded.type, encoded.schema_version, encoded.payload});
    auto appended = (*journal)->Append(request);
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  }
  const auto check_text = [&](const std::string& args, size_t lines) {
    CtlRun run = Ctl(args);
    ASSERT_EQ(run.code, 0) << args << "\n" << run.err;
    EXPECT_TRUE(ValidUtf8(run.out)) << args << "\n" << run.out;
    EXPECT_TRUE(OnlyNewlineControls(run.out)) << args << "\n" << run.out;
    EXPECT_EQ(Lines(run.out).size(), lines) << args << "\n" << run.out;
    EXPECT_THAT(run.out, HasSubstr("t\\n1\\xFF")) << args;
  };
  check_text("trunk list", 2);
  EXPECT_THAT(Ctl("trunk list").out, HasSubstr("line1\\nline2\\r\\x01\\x7F bad\\xC3( end"));
  CtlRun exported_run = Ctl("journal export");
  EXPECT_TRUE(ValidUtf8(exported_run.out)) << exported_run.out;
  EXPECT_TRUE(OnlyNewlineControls(exported_run.out)) << exported_run.out;
  EXPECT_EQ(Lines(exported_run.out).size(), 1u) << exported_run.out;
  const auto check_json = [&](const std::string& args) -> boost::json::value {
    CtlRun run = Ctl("-o json " + args);
    EXPECT_EQ(run.code, 0) << args << "\n" << run.err;
    if (run.code != 0) return nullptr;
    EXPECT_TRUE(ValidUtf8(run.out)) << args << "\n" << run.out;
    EXPECT_TRUE(OnlyNewlineControls(run.out)) << args << "\n" << run.out;
    EXPECT_EQ(Lines(run.out).size(), 1u) << args;
    return boost::json::parse(run.out);
  };
  auto list = check_json("trunk list");
  EXPECT_EQ(list.at(0).at("id"), "t\n1\\xFF");
  EXPECT_EQ(list.at(0).at("fields").at("friendly_name"), "line1\nline2\r\x01\x7f bad\\xC3( end");
  // Escaped in the JSON text, the same characters once parsed.
  EXPECT_EQ(list.at(0).at("fields").at("domain_name"), "a.pstn.twilio.com\xe2\x80\xae");
  auto exported = boost::json::parse(exported_run.out);
  EXPECT_EQ(exported.at("actor"), "ev\nil\\xFE");
  EXPECT_EQ(exported.at("stream"), "trunk-t\n1\\xFF");

  // Commands that take the id: a file of arguments keeps the bytes as they are.
  std::ofstream(dir_ + "/id", std::ios::binary) << id;
  const std::string id_arg = "\"$(cat " + dir_ + "/id; printf x)\"";
  const std::string quoted = "\"${ID%x}\"";
  const std::string with_id = "ID=" + id_arg + "; ";
  const auto ctl = [&](const std::string& args) {
    return with_id + std::string(TRUNKCTL) + " --data-dir " + dir_ + "/data " + args;
  };
  for (const std::string& args :
       {std::string("trunk get ") + quoted, std::string("trunk history ") + quoted,
        std::string("-o json trunk get ") + quoted,
        std::string("-o json trunk history ") + quoted}) {
    CtlRun run;
    FILE* pipe = popen(ctl(args).c_str(), "r");
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
    const int status = pclose(pipe);
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0) << args;
    EXPECT_TRUE(ValidUtf8(run.out)) << args << "\n" << run.out;
    EXPECT_TRUE(OnlyNewlineControls(run.out)) << args << "\n" << run.out;
    EXPECT_THAT(run.out, ::testing::Not(HasSubstr("\xe2\x80\xae"))) << "a bidi override: " << args;
  }
}

}  // namespace
