// The trunkline-emulator binary: it prints the URLs it serves, answers with its default
// accounts, refuses bad flags by name, and stops cleanly on SIGTERM and SIGINT.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "emulator_test_util.h"

namespace trunkline::emulator::testing {
namespace {

using ::testing::HasSubstr;

// A child process running the emulator, its stdout and stderr merged into one pipe.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      std::vector<char*> argv;
      args.insert(args.begin(), TRUNKLINE_EMULATOR);
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    fcntl(out_, F_SETFL, O_NONBLOCK);
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // Reads output until it contains `text`, the output ends, or 5 s pass.
  bool WaitFor(const std::string& text) {
    for (int i = 0; i < 500 && output_.find(text) == std::string::npos; ++i) {
      char buffer[4096];
      const ssize_t n = read(out_, buffer, sizeof buffer);
      if (n > 0) {
        output_.append(buffer, static_cast<size_t>(n));
      } else if (n == 0) {
        break;  // the child closed its output
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return output_.find(text) != std::string::npos;
  }
  // The exit code, waiting at most 5 s; -1 when it has not exited by then.
  int Exit() {
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        WaitFor(std::string(1, '\0'));  // never printed: reads what is left, to the end
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  void Signal(int signal) { kill(pid_, signal); }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  std::string output_;
};

uint16_t PortAfter(const std::string& output, const std::string& name) {
  const std::string prefix = name + " http://127.0.0.1:";
  const size_t at = output.find(prefix);
  return at == std::string::npos
             ? 0
             : static_cast<uint16_t>(std::stoi(output.substr(at + prefix.size())));
}

TEST(EmulatorBinaryTest, ServesWithItsDefaultAccountsAndStopsOnSigterm) {
  Child child({"--twilio-port", "0", "--plivo-port", "0", "--seed", "5", "--faults", "latency=1"});
  ASSERT_TRUE(child.WaitFor("ready\n")) << child.output();
  const uint16_t twilio = PortAfter(child.output(), "twilio");
  const uint16_t plivo = PortAfter(child.output(), "plivo");
  ASSERT_NE(twilio, 0) << child.output();
  ASSERT_NE(plivo, 0) << child.output();

  http::Client client(http::ClientOptions{"127.0.0.1", twilio});
  const std::string account = "AC00000000000000000000000000000001";
  EXPECT_EQ(Send(client, "GET", "/v1/Trunks", "", Basic(account, "emulator-token")).status, 200);
  EXPECT_EQ(Send(client, "GET", "/v1/Trunks", "",
                 Basic("SK00000000000000000000000000000001", "emulator-secret"))
                .status,
            200);
  EXPECT_EQ(Send(client, "GET", "/__emulator/faults", "", "").body.at("faults"), "latency=1+0");
  http::Client plivo_client(http::ClientOptions{"127.0.0.1", plivo});
  EXPECT_EQ(Send(plivo_client, "GET", "/v1/Account/MAEMULATOR0000000001/Zentrunk/Trunk/", "",
                 Basic("MAEMULATOR0000000001", "emulator-token"))
                .status,
            200);

  child.Signal(SIGTERM);
  EXPECT_EQ(child.Exit(), 0);
  EXPECT_THAT(child.output(), HasSubstr("stopped on SIGTERM"));
}

TEST(EmulatorBinaryTest, StopsOnSigintToo) {
  Child child({"--twilio-account", "AC0123456789abcdef0123456789abcdef:t"});
  ASSERT_TRUE(child.WaitFor("ready\n")) << child.output();
  child.Signal(SIGINT);
  EXPECT_EQ(child.Exit(), 0);
}

TEST(EmulatorBinaryTest, BadFlagsAreRefusedByName) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--faults", "errors=3"}, "errors must be a number from 0 to 1"},
      {{"--faults", "nonsense=1"}, "nonsense is not a fault"},
      {{"--twilio-account", "no-colon"}, "--twilio-account"},
      {{"--twilio-api-key", "SK1:secret"}, "--twilio-api-key"},
      {{"--plivo-quirks", "maybe"}, "--plivo-quirks"},
  };
  for (const Case& c : cases) {
    Child child(c.args);
    EXPECT_EQ(child.Exit(), 2) << c.message << ": " << child.output();
    EXPECT_THAT(child.output(), HasSubstr(c.message));
    EXPECT_THAT(child.output(), ::testing::Not(HasSubstr("ready")));
  }
}

}  // namespace
}  // namespace trunkline::emulator::testing
