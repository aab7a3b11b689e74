// trunkctl --server against trunkd started in process, compared with trunkctl embedded: the
// built binary runs each command both ways, and both must print the same (times, hashes and
// the command ids trunkd qualifies with the token's name aside) and exit with the same code.
// Embedded runs go against a data dir of their own that receives the same commands, or, for
// what the sync worker writes, read-only against trunkd's own data dir while it runs.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "service.h"
#include "testutil/temp_dir.h"
#include "trunkline/base/sha256.h"
#include "trunkline/http/http.h"
#include "trunkline/sync/accounts.h"

extern char** environ;

namespace trunkline::trunkd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWriteToken[] = "ops-secret-token";
constexpr char kReadToken[] = "auditor-secret-token";

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

// What must differ between a data dir of its own and trunkd's: the times (and so the
// hashes that chain them), the command ids trunkd makes from an Idempotency-Key
// ("idem-<token name>-<key>") and those generated afresh for each run (a command's, a sync
// retry's or policy's "retry:<id>:<time>:<random>").
std::string Normalized(std::string text) {
  static const std::regex kTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  static const std::regex kHash("[0-9a-f]{64}");
  static const std::regex kCommandId("cmd-[0-9a-f]{24}");
  static const std::regex kSyncRequestId(R"((retry|policy):([^:"]+):\d+:\d+)");
  text = std::regex_replace(text, kTime, "<time>");
  text = std::regex_replace(text, kHash, "<hash>");
  text = std::regex_replace(text, kCommandId, "<cmd>");
  text = std::regex_replace(text, kSyncRequestId, "$1:$2:<id>");
  for (size_t at; (at = text.find("idem-ops-")) != std::string::npos;) text.erase(at, 9);
  return text;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
uint16_t ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class ServerParityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& service : services_) service->Shutdown(std::chrono::milliseconds(2000));
  }

  // trunkd on `data_dir` with two tokens: ops (write) and auditor (read). Sync is off unless
  // asked for; with sync on and no `environment`, it syncs to its emulators (sandbox).
  Service& StartTrunkd(const std::string& data_dir, bool sync = false,
                       std::map<std::string, std::string> environment = {},
                       double rate_per_token = 0) {
    const std::string tokens = dir_.Sub("tokens");
    {
      std::ofstream out(tokens);
      out << "ops write " << ToHex(Sha256Of(kWriteToken)) << "\n"
          << "auditor read " << ToHex(Sha256Of(kReadToken)) << "\n";
    }
    ServiceOptions options;
    options.data_dir = data_dir;
    options.port = 0;
    options.tokens_file = tokens;
    options.sync = sync;
    options.environment = sync::MapEnvironment(std::move(environment));
    options.rate_per_token = rate_per_token;
    options.burst = 1;
    auto started = Service::Start(options, log_);
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (!started.ok()) throw std::runtime_error("trunkd did not start");
    services_.push_back(std::move(*started));
    return *services_.back();
  }

  // The built trunkctl with exactly `args`, in an environment without the caller's
  // TRUNKLINE_* and provider variables, plus `env`.
  CtlRun Ctl(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {}) {
    const std::string out = dir_.Sub("ctl.out");
    const std::string err = dir_.Sub("ctl.err");
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> argv_text = {TRUNKCTL};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string var = *e;
      bool dropped = false;
      for (const char* prefix : {"TRUNKLINE_", "TWILIO_", "PLIVO_", "TELNYX_"}) {
        dropped = dropped || var.starts_with(prefix);
      }
      if (!dropped) env_text.push_back(var);
    }
    for (const auto& [name, value] : env) env_text.push_back(name + "=" + value);
    std::vector<char*> argv, envp;
    for (std::string& a : argv_text) argv.push_back(a.data());
    for (std::string& e : env_text) envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    pid_t pid = 0;
    CtlRun run;
    if (posix_spawn(&pid, TRUNKCTL, &files, nullptr, argv.data(), envp.data()) != 0) {
      ADD_FAILURE() << "cannot start " << TRUNKCTL;
      return run;
    }
    posix_spawn_file_actions_destroy(&files);
    int status = 0;
    waitpid(pid, &status, 0);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.out = Read(out);
    run.err = Read(err);
    return run;
  }

  // trunkctl embedded on `data_dir`.
  CtlRun Embedded(const std::string& data_dir, std::vector<std::string> args,
                  const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), {"--data-dir", data_dir});
    return Ctl(args, env);
  }

  // trunkctl --server on `service` with `token` in $TRUNKLINE_TOKEN.
  CtlRun Served(const Service& service, std::vector<std::string> args,
                const std::string& token = kWriteToken) {
    args.insert(args.begin(), {"--server", service.url()});
    return Ctl(args, {{"TRUNKLINE_TOKEN", token}});
  }

  // Runs `args` embedded on `data_dir` and through `service`, and expects the same output and
  // exit code (`code`). A change carries --actor ops embedded: trunkd names it after the
  // token, ops. Returns the served run.
  CtlRun ExpectSame(const std::string& data_dir, const Service& service,
                    const std::vector<std::string>& args, int code = 0, bool change = false,
                    const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> embedded_args = args;
    if (change) embedded_args.insert(embedded_args.end(), {"--actor", "ops"});
    const CtlRun embedded = Embedded(data_dir, embedded_args, env);
    const CtlRun served = Served(service, args);
    std::string line;
    for (const std::string& a : args) line += a + " ";
    EXPECT_EQ(embedded.code, code) << line << "\nembedded stderr: " << embedded.err;
    EXPECT_EQ(served.code, code) << line << "\nserved stderr: " << served.err;
    EXPECT_EQ(Normalized(served.out), Normalized(embedded.out)) << line;
    if (code != 0) {
      EXPECT_FALSE(served.err.empty()) << line;
    }
    return served;
  }

  // A read, as a table and as JSON.
  void ExpectSameRead(const std::string& data_dir, const Service& service,
                      std::vector<std::string> args, int code = 0,
                      const std::map<std::string, std::string>& env = {}) {
    ExpectSame(data_dir, service, args, code, false, env);
    args.insert(args.begin(), {"-o", "json"});
    ExpectSame(data_dir, service, args, code, false, env);
  }

  // The sandbox credentials trunkd wrote beside its journal: the embedded runs reach the same
  // emulators with them.
  std::map<std::string, std::string> SandboxEnv(const std::string& data_dir) {
    std::map<std::string, std::string> env;
    std::istringstream lines(Read(data_dir + "/sandbox.env"));
    for (std::string line; std::getline(lines, line);) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
  }

  // Waits until `sync status` through trunkd shows each trunk of `states` in its state.
  void AwaitSyncStates(const Service& service, const std::map<std::string, std::string>& states) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      CtlRun run = Served(service, {"-o", "json", "sync", "status"});
      last = run.out;
      boost::system::error_code ec;
      boost::json::value parsed = boost::json::parse(run.out, ec);
      size_t matched = 0;
      if (!ec && parsed.is_array()) {
        for (const auto& t : parsed.as_array()) {
          auto it = states.find(std::string(t.at("id").as_string()));
          if (it != states.end() && t.at("state").as_string() == it->second) ++matched;
        }
      }
      if (matched == states.size()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "sync states not reached; last status: " << last;
  }

  trunkline::testing::TempDir dir_{"trunkctl-server"};
  Log log_{LogFormat::kJson};
  std::vector<std::unique_ptr<Service>> services_;
};

const char kPhone[] = "PN0123456789abcdef0123456789abcdef";

TEST_F(ServerParityTest, EveryCommandPrintsTheSameAndExitsTheSameEmbeddedAndThroughTrunkd) {
  Service& trunkd = StartTrunkd(dir_.Sub("served"));
  const std::string own = dir_.Sub("embedded");
  const auto change = [&](std::vector<std::string> args, int code = 0) {
    ExpectSame(own, trunkd, args, code, true);
  };
  // Creates, and what a create may break: an existing id, a provider's rule.
  change({"trunk", "create", "--provider", "twilio", "--id", "t1", "--set",
          "domain_name=one.pstn.twilio.com", "--set", "friendly_name=One", "--reason", "ticket 7",
          "--command-id", "c1"});
  change({"-o", "json", "trunk", "create", "--provider", "twilio", "--id", "t2", "--set",
          "domain_name=two.pstn.twilio.com", "--reason", "für Zoë", "--command-id", "c2"});
  change({"trunk", "create", "--provider", "plivo", "--id", "p1", "--set", "name=Plivo one",
          "--set", "trunk_direction=inbound", "--set",
          "primary_uri_uuid=0b5c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d", "--command-id", "c3"});
  change({"trunk", "create", "--provider", "twilio", "--id", "t1", "--set",
          "domain_name=again.pstn.twilio.com"},
         3);
  change({"trunk", "create", "--provider", "twilio", "--id", "t3", "--set", "domain_name=bad"}, 3);
  change({"trunk", "create", "--provider", "plivo", "--id", "p2", "--set", "name=Two", "--set",
          "trunk_direction=outbound"},
         3);
  change({"trunk", "create", "--provider", "nope", "--id", "t4"}, 4);
  // Updates: a version check, a stale version, nothing to change, unknown trunks and fields.
  change({"trunk", "update", "t1", "--set", "friendly_name=Uno", "--expect-version", "1",
          "--command-id", "c4"});
  change({"trunk", "update", "t1", "--set", "friendly_name=Tres", "--expect-version", "1"}, 5);
  change({"trunk", "update", "t1", "--set", "friendly_name=Uno", "--command-id", "c5"});
  change({"trunk", "update", "nope", "--set", "friendly_name=X"}, 4);
  change({"trunk", "update", "t1", "--set", "friendly_name=A", "--unset", "friendly_name"}, 3);
  change({"trunk", "update", "t1", "--set", "colour=blue"}, 3);
  change({"trunk", "update", "t1", "--set", "friendly_name=X", "--reason", "a\ttab"}, 3);
  // Sub-resources of each kind, and commands of the wrong kind or on no sub-resource.
  change({"-o",
          "json",
          "trunk",
          "item",
          "add",
          "t1",
          "origination_urls",
          "main",
          "--set",
          "sip_url=sip:a@example.com",
          "--set",
          "weight=10",
          "--set",
          "priority=10",
          "--set",
          "enabled=true",
          "--set",
          "friendly_name=m",
          "--command-id",
          "c6"});
  change({"trunk", "item", "update", "t1", "origination_urls", "main", "--set", "weight=20",
          "--command-id", "c7"});
  change({"trunk", "item", "update", "t1", "origination_urls", "gone", "--set", "weight=1"}, 4);
  change({"trunk", "item", "add", "t1", "phone_numbers", kPhone}, 3);
  change({"trunk", "item", "remove", "t1", "phone_numbers", kPhone}, 3);
  change({"trunk", "attach", "t1", "phone_numbers", kPhone, "--command-id", "c8"});
  change({"trunk", "attach", "t1", "origination_urls", "main"}, 3);
  change({"trunk", "detach", "t1", "origination_urls", "main"}, 3);
  change({"trunk", "attach", "t1", "nope", "x"}, 3);
  change({"trunk", "set", "t1", "origination_urls", "--set", "weight=1"}, 3);
  change({"trunk", "set", "t1", "recording", "--set", "mode=record-from-answer", "--command-id",
          "c9"});
  change({"trunk", "detach", "t1", "phone_numbers", kPhone, "--command-id", "c10"});
  change({"trunk", "detach", "t1", "phone_numbers", kPhone}, 4);
  change({"trunk", "item", "remove", "t1", "origination_urls", "main", "--command-id", "c11"});
  // A retried command id gets the first outcome and writes nothing.
  change({"-o", "json", "trunk", "update", "t1", "--set", "friendly_name=Uno", "--expect-version",
          "1", "--command-id", "c4"});
  // Deletes.
  change({"trunk", "delete", "t2", "--expect-version", "1", "--command-id", "c12"});
  change({"trunk", "delete", "t2"}, 3);
  change({"trunk", "item", "add", "t2", "origination_urls", "x", "--set", "sip_url=sip:x@y.z"}, 3);
  // Sync requests (trunkd's worker is off: they are journaled, as embedded).
  change({"sync", "retry", "t1"});
  change({"sync", "policy", "t1", "report"});
  change({"sync", "retry", "nope"}, 4);

  // Reads now, in the past, across time; the journal; plugins; sync state.
  for (const std::vector<std::string>& read : std::vector<std::vector<std::string>>{
           {"trunk", "get", "t1"},
           {"trunk", "get", "t2"},
           {"trunk", "get", "t1", "--at", "2"},
           {"trunk", "get", "t1", "--as-of", "2000-01-01"},
           {"trunk", "get", "nope"},
           {"trunk", "list"},
           {"trunk", "list", "--provider", "plivo"},
           {"trunk", "list", "--at", "1"},
           {"trunk", "list", "--as-of", "2100-01-01"},
           {"trunk", "history", "t1"},
           {"trunk", "history", "t2"},
           {"trunk", "history", "nope"},
           {"trunk", "diff", "t1", "--from", "1", "--to", "6"},
           {"trunk", "diff", "t1", "--from", "2000-01-01", "--to", "2100-01-01"},
           {"trunk", "diff", "t1", "--from", "3", "--to", "3"},
           {"trunk", "diff", "nope", "--from", "1", "--to", "2"},
           {"plugins", "inspect", "twilio"},
           {"plugins", "inspect", "plivo"},
           {"plugins", "inspect", "nope"},
           {"sync", "status"},
           {"sync", "status", "t1"},
           {"sync", "status", "nope"},
       }) {
    const bool missing = std::find(read.begin(), read.end(), "nope") != read.end() ||
                         std::find(read.begin(), read.end(), "2000-01-01") != read.end();
    const bool empty_diff = read[1] == "diff" && read[2] != "nope";
    ExpectSameRead(own, trunkd, read, missing && !empty_diff ? 4 : 0);
  }
  ExpectSameRead(own, trunkd, {"journal", "verify"});
  ExpectSame(own, trunkd, {"journal", "export"});
  ExpectSame(own, trunkd, {"journal", "export", "--from", "3", "--to", "5"});
  ExpectSame(own, trunkd, {"journal", "export", "--from", "900"});
  // The same plugin files, named by their paths.
  CtlRun embedded_plugins = Embedded(own, {"plugins", "list"});
  CtlRun served_plugins = Served(trunkd, {"plugins", "list"});
  ASSERT_EQ(served_plugins.code, 0) << served_plugins.err;
  EXPECT_EQ(embedded_plugins.out, served_plugins.out);
  EXPECT_THAT(served_plugins.out, HasSubstr("twilio "));
}

TEST_F(ServerParityTest, TokensAreCheckedAndNeverShownAndAnUnreachableTrunkdIsNamed) {
  Service& trunkd = StartTrunkd(dir_.Sub("served"));
  const std::vector<std::string> create = {
      "trunk", "create", "--provider", "twilio",
      "--id",  "t1",     "--set",      "domain_name=one.pstn.twilio.com"};
  CtlRun wrong = Served(trunkd, {"trunk", "list"}, "not-a-token");
  EXPECT_EQ(wrong.code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("trunkd at " + trunkd.url() +
                                   " did not accept the token from $TRUNKLINE_TOKEN"));
  EXPECT_THAT(wrong.err, Not(HasSubstr("not-a-token")));

  CtlRun read_only = Served(trunkd, create, kReadToken);
  EXPECT_EQ(read_only.code, 1);
  EXPECT_THAT(read_only.err, HasSubstr("token auditor: has the read role; changes need a write"));
  EXPECT_THAT(read_only.err, Not(HasSubstr(kReadToken)));
  EXPECT_EQ(Served(trunkd, {"trunk", "list"}, kReadToken).code, 0);
  ASSERT_EQ(Served(trunkd, create).code, 0);
  EXPECT_EQ(Served(trunkd, {"trunk", "get", "t1"}, kReadToken).code, 0);

  // A token file: its first line, and only when no one else may read it.
  const std::string token_file = dir_.Sub("token");
  {
    std::ofstream out(token_file);
    out << kWriteToken << "\nsecond line\n";
  }
  chmod(token_file.c_str(), 0644);
  CtlRun open_file = Ctl({"--server", trunkd.url(), "--token-file", token_file, "trunk", "list"});
  EXPECT_EQ(open_file.code, 3);
  EXPECT_THAT(open_file.err, HasSubstr("permissions 0644 are too open"));
  EXPECT_THAT(open_file.err, HasSubstr("chmod 600 " + token_file));
  EXPECT_THAT(open_file.err, Not(HasSubstr(kWriteToken)));
  chmod(token_file.c_str(), 0600);
  CtlRun from_file =
      Ctl({"--server", trunkd.url(), "--token-file", token_file, "-o", "json", "trunk", "list"});
  EXPECT_EQ(from_file.code, 0) << from_file.err;
  EXPECT_THAT(from_file.out, HasSubstr("\"id\":\"t1\""));
  // The server and the token may come from the environment.
  CtlRun from_env = Ctl({"trunk", "get", "t1"},
                        {{"TRUNKLINE_SERVER", trunkd.url()}, {"TRUNKLINE_TOKEN", kWriteToken}});
  EXPECT_EQ(from_env.code, 0) << from_env.err;
  EXPECT_THAT(from_env.out, HasSubstr("id        t1"));

  CtlRun no_token = Ctl({"--server", trunkd.url(), "trunk", "list"});
  EXPECT_EQ(no_token.code, 2);
  EXPECT_THAT(no_token.err, HasSubstr("set $TRUNKLINE_TOKEN or give --token-file"));

  const std::string closed = "http://127.0.0.1:" + std::to_string(ClosedPort());
  CtlRun unreachable = Ctl({"--server", closed, "trunk", "list"}, {{"TRUNKLINE_TOKEN", "x"}});
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("cannot reach trunkd at " + closed + ": "));
  // Plain http goes to loopback only: refused before anything is sent.
  CtlRun plain =
      Ctl({"--server", "http://trunkd.invalid:8470", "trunk", "list"}, {{"TRUNKLINE_TOKEN", "x"}});
  EXPECT_EQ(plain.code, 2);
  EXPECT_THAT(plain.err, HasSubstr("--server http://trunkd.invalid:8470"));
}

TEST_F(ServerParityTest, WhatTrunkdDecidesOrOnlyADataDirCanDoIsAUsageErrorWithServer) {
  Service& trunkd = StartTrunkd(dir_.Sub("served"));
  const std::map<std::vector<std::string>, std::string> refused = {
      {{"sync", "run", "--once"}, "sync run: not with --server"},
      {{"projections", "rebuild"}, "projections rebuild: not with --server"},
      {{"trunk", "delete", "t1", "--actor", "me"}, "--actor: not with --server"},
      {{"sync", "retry", "t1", "--actor", "me"}, "--actor: not with --server"},
      {{"--data-dir", "/tmp", "trunk", "list"}, "--data-dir: not with --server"},
      {{"sync", "plan", "--accounts", "a.json"}, "--accounts: not with --server"},
  };
  for (const auto& [args, message] : refused) {
    CtlRun run = Served(trunkd, args);
    EXPECT_EQ(run.code, 2) << message;
    EXPECT_THAT(run.err, HasSubstr(message));
  }
  // --help says who the actor is.
  CtlRun help = Ctl({"trunk", "update", "--help"});
  EXPECT_THAT(help.out, HasSubstr("with --server the token's name"));
  // Nothing was journaled by any of them.
  CtlRun verify = Served(trunkd, {"-o", "json", "journal", "verify"});
  EXPECT_THAT(verify.out, HasSubstr("\"records\":0"));
}

TEST_F(ServerParityTest, SyncStateReadsTheSameBesideARunningTrunkdAsThroughIt) {
  const std::string served = dir_.Sub("served");
  Service& trunkd = StartTrunkd(served, /*sync=*/true);
  ASSERT_TRUE(trunkd.sandbox());
  ASSERT_EQ(Served(trunkd, {"trunk", "create", "--provider", "twilio", "--id", "s1", "--set",
                            "domain_name=s1.pstn.twilio.com"})
                .code,
            0);
  ASSERT_EQ(Served(trunkd, {"trunk", "item", "add", "s1", "origination_urls", "main", "--set",
                            "sip_url=sip:a@example.com", "--set", "weight=10", "--set",
                            "priority=10", "--set", "enabled=true", "--set", "friendly_name=m"})
                .code,
            0);
  // An account trunkd does not know: parked at once, with its error.
  ASSERT_EQ(Served(trunkd, {"trunk", "create", "--provider", "twilio", "--id", "s2", "--account",
                            "nope", "--set", "domain_name=s2.pstn.twilio.com"})
                .code,
            0);
  AwaitSyncStates(trunkd, {{"s1", "synced"}, {"s2", "parked"}});
  const std::map<std::string, std::string> env = SandboxEnv(served);
  for (const std::vector<std::string>& read : std::vector<std::vector<std::string>>{
           {"trunk", "get", "s1"},
           {"trunk", "get", "s2"},
           {"trunk", "history", "s1"},
           {"trunk", "history", "s2"},
           {"sync", "status"},
           {"sync", "status", "s1"},
           {"sync", "status", "s2"},
           {"sync", "status", "--state", "parked"},
           {"sync", "status", "--state", "synced,failed"},
           {"sync", "status", "s1", "--state", "parked"},
           {"sync", "plan"},
           {"sync", "plan", "s1"},
           {"sync", "plan", "s2"},
           {"journal", "verify"},
       }) {
    ExpectSameRead(served, trunkd, read, 0, env);
  }
  ExpectSameRead(served, trunkd, {"sync", "plan", "nope"}, 4, env);
  // Only the trunks in the states asked for; a state that is none is a usage error.
  CtlRun parked = Served(trunkd, {"-o", "json", "sync", "status", "--state", "parked,pending"});
  ASSERT_EQ(parked.code, 0) << parked.err;
  const boost::json::array listed = boost::json::parse(parked.out).as_array();
  ASSERT_EQ(listed.size(), 1u) << parked.out;
  EXPECT_EQ(listed[0].at("id"), boost::json::value("s2"));
  CtlRun stuck = Served(trunkd, {"sync", "status", "--state", "parked,stuck"});
  EXPECT_EQ(stuck.code, 2);
  EXPECT_THAT(stuck.err, HasSubstr("must be a comma-separated list of pending, synced"));
  ExpectSame(served, trunkd, {"journal", "export"}, 0, false, env);
  // The remote trunk shows in both: its id and read-only fields.
  CtlRun got = Served(trunkd, {"trunk", "get", "s1"});
  EXPECT_THAT(got.out, HasSubstr("sync      synced at version 2"));
  EXPECT_THAT(got.out, HasSubstr("remote id TK"));
  EXPECT_THAT(Served(trunkd, {"trunk", "history", "s1"}).out, HasSubstr("TrunkSynced by sync"));
}

TEST_F(ServerParityTest, ImportAdoptsTheSameRemoteTrunksEmbeddedAndThroughTrunkd) {
  // The remote trunk: made by a sandbox trunkd's sync in its emulator.
  Service& origin = StartTrunkd(dir_.Sub("origin"), /*sync=*/true);
  ASSERT_EQ(Served(origin, {"trunk", "create", "--provider", "twilio", "--id", "r1", "--set",
                            "domain_name=r1.pstn.twilio.com", "--set", "friendly_name=Remote"})
                .code,
            0);
  AwaitSyncStates(origin, {{"r1", "synced"}});
  // A trunkd of its own that holds none of it, with the same provider account; and an empty
  // data dir of its own for the embedded import.
  const std::map<std::string, std::string> env = SandboxEnv(dir_.Sub("origin"));
  Service& importer = StartTrunkd(dir_.Sub("importer"), /*sync=*/true, env);
  ASSERT_FALSE(importer.sandbox());
  const std::string own = dir_.Sub("embedded");
  CtlRun first = ExpectSame(own, importer, {"import", "--provider", "twilio"}, 0, false, env);
  EXPECT_THAT(first.out, HasSubstr("1 imported, 0 already in the registry, 0 refused"));
  ExpectSame(own, importer, {"-o", "json", "import", "--provider", "twilio"}, 0, false, env);
  ExpectSame(own, importer, {"import", "--provider", "twilio", "--account", "nope"}, 4, false, env);
  ExpectSameRead(own, importer, {"trunk", "list"}, 0, env);
}

TEST_F(ServerParityTest, ARequestOverTheTokensRateIsSentAgainAfterTrunkdsRetryAfter) {
  Service& trunkd = StartTrunkd(dir_.Sub("served"), false, {}, /*rate_per_token=*/1);
  ASSERT_EQ(Served(trunkd, {"trunk", "list"}).code, 0);
  const auto start = std::chrono::steady_clock::now();
  CtlRun again = Served(trunkd, {"trunk", "list"});  // over the rate: 429, Retry-After: 1
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "ID  PROVIDER  ACCOUNT  VERSION  NAME\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(ServerParityTest, LongListsComeWholeAcrossTrunkdsPages) {
  const std::string served = dir_.Sub("served");
  Service& trunkd = StartTrunkd(served);
  http::Client client({"127.0.0.1", trunkd.port()});
  for (int i = 0; i < 1005; ++i) {
    const std::string id = "t" + std::to_string(10000 + i);
    http::Request create{"POST",
                         "/v1/trunks",
                         {{"Authorization", std::string("Bearer ") + kWriteToken},
                          {"Content-Type", "application/json"}},
                         R"({"provider":"twilio","id":")" + id + R"(","fields":{"domain_name":")" +
                             id + R"(.pstn.twilio.com"}})"};
    Result<http::Response> r = client.Send(create);
    ASSERT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.status().ToString());
  }
  ExpectSameRead(served, trunkd, {"trunk", "list"});
  CtlRun list = Served(trunkd, {"trunk", "list"});
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 1006);
}

}  // namespace
}  // namespace trunkline::trunkd
