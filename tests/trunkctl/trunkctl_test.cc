// trunkctl end to end, through the built binary, on a fresh data dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "trunkline/plugin_host/plugin_host.h"
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

  CtlRun Ctl(const std::string& args) {
    const std::string err_file = dir_ + "/stderr";
    const std::string command =
        std::string(TRUNKCTL) + " --data-dir " + dir_ + "/data " + args + " 2>" + err_file;
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

  std::string dir_;
};

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
  CtlRun blocked = Ctl("trunk update t1 --set friendly_name=X");
  EXPECT_EQ(blocked.code, 1);
  EXPECT_THAT(blocked.err,
              HasSubstr("is open in another process: pid " + std::to_string(getpid())));
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

TEST_F(TrunkctlTest, PluginsCanBeListedAndInspected) {
  CtlRun list = Ctl("plugins list");
  EXPECT_EQ(list.code, 0);
  EXPECT_THAT(list.out, HasSubstr("twilio 0.1.0 (ABI 1.0)"));
  EXPECT_THAT(list.out, HasSubstr("plivo 0.1.0 (ABI 1.0)"));
  auto schema = Json("plugins inspect twilio");
  EXPECT_EQ(schema.at("provider"), "twilio");
  EXPECT_EQ(schema.at("fields").at(0).at("name"), "friendly_name");
  EXPECT_EQ(Ctl("plugins inspect telnyx").code, 4);
}

}  // namespace
