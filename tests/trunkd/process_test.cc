// The trunkd program itself: started as a child process, stopped with SIGTERM while requests
// are under way, restarted on the same data dir; and sync in sandbox mode end to end, with
// no secret in its log or its answers.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "testutil/temp_dir.h"
#include "trunkline/http/http.h"

namespace trunkline::trunkd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// trunkd as a child on a free port of 127.0.0.1, its stderr in a file.
class Trunkd {
 public:
  Trunkd(const std::string& data_dir, const std::string& log_path,
         std::vector<std::string> extra = {}) {
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, 2);
      std::vector<std::string> args = {TRUNKD,     "--data-dir",  data_dir,
                                       "--listen", "127.0.0.1:0", "--log-format",
                                       "json",     "--grace",     "10"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(TRUNKD, argv.data());
      _exit(127);
    }
    // The port, from the "listening" line of its log.
    static const std::regex kUrl(R"re("url":"http://127\.0\.0\.1:(\d+)")re");
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::ifstream in(log_path);
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      for (auto it = std::sregex_iterator(s.begin(), s.end(), kUrl); it != std::sregex_iterator();
           ++it) {
        port_ = static_cast<uint16_t>(std::stoi((*it)[1]));
      }
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Trunkd() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  uint16_t port() const { return port_; }
  // Sends `sig` and waits (bounded) for the exit; the exit status, or -1 if it did not end.
  int Stop(int sig, std::chrono::seconds within) {
    kill(pid_, sig);
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  bool reaped_ = false;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

http::Request Authorized(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body = "") {
  return http::Request{method, target, {{"Authorization", "Bearer " + token}}, body};
}

std::string CreateBody(const std::string& id) {
  return R"({"provider":"twilio","id":")" + id +
         R"(","fields":{"friendly_name":"x","domain_name":")" + id + R"(.pstn.twilio.com"}})";
}

// Clients keep sending creates while SIGTERM comes. A request the server began to read is
// answered; one whose answer a client did not get (the connection closed as it sent it) has
// an unknown outcome, and its retry with the same Idempotency-Key after the restart settles
// it: each trunk is created exactly once.
TEST(TrunkdProcessTest, SigtermAnswersTheRequestsUnderWayAndARestartGoesOn) {
  testing::TempDir dir("trunkd-proc");
  const std::string data = dir.Sub("data");
  std::vector<std::string> acknowledged, unknown;
  {
    Trunkd trunkd(data, dir.Sub("log1"), {"--no-sync"});
    ASSERT_NE(trunkd.port(), 0) << ReadFile(dir.Sub("log1"));
    const std::string token = ReadFile(data + "/api-token").substr(0, 64);
    std::atomic<bool> go{true};
    std::mutex mu;
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        http::Client client(http::ClientOptions{"127.0.0.1", trunkd.port()});
        for (int i = 0; go && i < 100000; ++i) {
          const std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
          http::Request request = Authorized("POST", "/v1/trunks", token, CreateBody(id));
          request.headers.push_back({"Idempotency-Key", id});
          auto r = client.Send(request);
          std::lock_guard lock(mu);
          if (!r.ok()) {
            // Not sent (UNAVAILABLE: refused after the stop) or sent without an answer.
            if (r.status().code() == StatusCode::kDeadlineExceeded) unknown.push_back(id);
            return;
          }
          ASSERT_EQ(r->status, 201) << r->body;
          acknowledged.push_back(id);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    EXPECT_EQ(trunkd.Stop(SIGTERM, std::chrono::seconds(15)), 0) << ReadFile(dir.Sub("log1"));
    go = false;
    for (auto& t : clients) t.join();
    EXPECT_GT(acknowledged.size(), 10u);
    EXPECT_LE(unknown.size(), 4u);
  }
  const std::string first_log = ReadFile(dir.Sub("log1"));
  EXPECT_THAT(first_log, HasSubstr("\"msg\":\"stopping\",\"signal\":\"SIGTERM\""));
  EXPECT_THAT(first_log, HasSubstr("\"msg\":\"stopped\""));
  // Restarted on the same data dir: the unknown ones retried, then every trunk is there once.
  Trunkd again(data, dir.Sub("log2"), {"--no-sync"});
  ASSERT_NE(again.port(), 0) << ReadFile(dir.Sub("log2"));
  const std::string token = ReadFile(data + "/api-token").substr(0, 64);
  http::Client client(http::ClientOptions{"127.0.0.1", again.port()});
  for (const std::string& id : unknown) {
    http::Request request = Authorized("POST", "/v1/trunks", token, CreateBody(id));
    request.headers.push_back({"Idempotency-Key", id});
    auto r = client.Send(request);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 201) << id << ": " << r->body;
  }
  std::set<std::string> listed;
  std::string cursor;
  for (int page = 0; page < 10000; ++page) {
    auto r = client.Send(Authorized(
        "GET", "/v1/trunks?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor), token));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200);
    auto v = boost::json::parse(r->body);
    for (const auto& t : v.at("trunks").as_array()) listed.emplace(t.at("id").as_string());
    if (!v.as_object().contains("next_cursor")) break;
    cursor = v.at("next_cursor").as_string();
  }
  for (const std::string& id : acknowledged) EXPECT_TRUE(listed.count(id)) << id;
  for (const std::string& id : unknown) EXPECT_TRUE(listed.count(id)) << id;
  auto verify = client.Send(Authorized("GET", "/v1/journal/verify", token));
  ASSERT_TRUE(verify.ok());
  ASSERT_EQ(verify->status, 200) << verify->body;
  // One create event per trunk: nothing was written twice.
  EXPECT_EQ(boost::json::parse(verify->body).at("records").as_int64(),
            static_cast<int64_t>(listed.size()));
  EXPECT_EQ(again.Stop(SIGINT, std::chrono::seconds(15)), 0);
}

TEST(TrunkdProcessTest, InSandboxModeTrunksSyncAndNoSecretShowsInTheLogOrAnAnswer) {
  testing::TempDir dir("trunkd-proc");
  const std::string data = dir.Sub("data"), log = dir.Sub("log");
  Trunkd trunkd(data, log, {"--sandbox"});
  ASSERT_NE(trunkd.port(), 0) << ReadFile(log);
  const std::string token = ReadFile(data + "/api-token").substr(0, 64);
  http::Client client(http::ClientOptions{"127.0.0.1", trunkd.port()});
  for (int i = 0; i < 5; ++i) {
    auto r = client.Send(Authorized("POST", "/v1/trunks", token,
                                    R"({"provider":"twilio","id":"s)" + std::to_string(i) +
                                        R"(","fields":{"friendly_name":"x","domain_name":"s)" +
                                        std::to_string(i) + R"(.pstn.twilio.com"}})"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
  }
  std::string all;
  bool synced = false;
  for (int i = 0; i < 200 && !synced; ++i) {  // up to 20 s
    auto r = client.Send(Authorized("GET", "/v1/sync", token));
    ASSERT_TRUE(r.ok());
    auto v = boost::json::parse(r->body);
    int n = 0;
    for (const auto& t : v.at("trunks").as_array()) n += t.at("state").as_string() == "synced";
    synced = n == 5;
    all = r->body;
    if (!synced) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(synced) << all;
  // Every kind of answer, and the log: neither the API token nor a provider secret.
  for (const char* target :
       {"/v1/trunks", "/v1/trunks/s1", "/v1/trunks/s1/history", "/v1/trunks/s1/sync",
        "/v1/trunks/s1/sync/plan", "/v1/events", "/metrics", "/readyz", "/v1/plugins"}) {
    auto r = client.Send(Authorized("GET", target, token));
    ASSERT_TRUE(r.ok()) << target;
    EXPECT_EQ(r->status, 200) << target << ": " << r->body;
    all += r->body;
  }
  ASSERT_EQ(trunkd.Stop(SIGTERM, std::chrono::seconds(15)), 0);
  all += ReadFile(log);
  std::set<std::string> secrets = {token};
  std::istringstream env(ReadFile(data + "/sandbox.env"));
  for (std::string line; std::getline(env, line);) {
    if (line.find("_TOKEN=") != std::string::npos) secrets.insert(line.substr(line.find('=') + 1));
  }
  ASSERT_EQ(secrets.size(), 3u);  // the API token, Twilio's and Plivo's
  for (const std::string& s : secrets) EXPECT_THAT(all, Not(HasSubstr(s)));
  EXPECT_THAT(ReadFile(log), HasSubstr("SANDBOX MODE"));
}

}  // namespace
}  // namespace trunkline::trunkd
