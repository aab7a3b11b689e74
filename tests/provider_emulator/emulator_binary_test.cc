// The trunkline-emulator binary: it prints the URLs it serves, answers with its default
// accounts or those of an accounts file or the environment, refuses bad flags and bad
// account lines by name (never quoting a secret), and stops cleanly on SIGTERM and SIGINT.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator_test_util.h"
#include "testutil/temp_dir.h"

namespace trunkline::emulator::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAccountsVariable[] = "TRUNKLINE_EMULATOR_ACCOUNTS";

// A child process running the emulator, its stdout and stderr merged into one pipe;
// TRUNKLINE_EMULATOR_ACCOUNTS is set to `accounts` when given, else unset.
class Child {
 public:
  explicit Child(std::vector<std::string> args,
                 std::optional<std::string> accounts = std::nullopt) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      if (accounts) {
        setenv(kAccountsVariable, accounts->c_str(), 1);
      } else {
        unsetenv(kAccountsVariable);
      }
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
  const uint16_t telnyx = PortAfter(child.output(), "telnyx");
  ASSERT_NE(twilio, 0) << child.output();
  ASSERT_NE(plivo, 0) << child.output();
  ASSERT_NE(telnyx, 0) << child.output();

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
  http::Client telnyx_client(http::ClientOptions{"127.0.0.1", telnyx});
  EXPECT_EQ(Send(telnyx_client, "GET", "/v2/phone_numbers", "",
                 "Bearer KEYEMULATOR0000000001_emulator-key")
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
      {{"--telnyx-quirks", "maybe"}, "--telnyx-quirks"},
      {{"--telnyx-numbers", "10000"}, "--telnyx-numbers"},
      {{"--telnyx-api-key", "two words"}, "--telnyx-api-key needs an API key"},
  };
  for (const Case& c : cases) {
    Child child(c.args);
    EXPECT_EQ(child.Exit(), 2) << c.message << ": " << child.output();
    EXPECT_THAT(child.output(), HasSubstr(c.message));
    EXPECT_THAT(child.output(), Not(HasSubstr("ready")));
  }
}

constexpr char kFileAccount[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kFileToken[] = "file-token:with-colon";
constexpr char kFileKey[] = "SK0123456789abcdef0123456789abcdef";
constexpr char kFilePlivo[] = "MAFILE00000000000001";
constexpr char kFileTelnyx[] = "KEYFILE0000000001_file-key";

std::string WriteFile(const ::trunkline::testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.Sub("accounts");
  std::ofstream(path) << text;
  return path;
}

// The status of one request to each port with the given credentials.
struct Statuses {
  int twilio = 0, plivo = 0;
};
int TryTelnyx(const std::string& output, const std::string& key) {
  http::Client telnyx(http::ClientOptions{"127.0.0.1", PortAfter(output, "telnyx")});
  return Send(telnyx, "GET", "/v2/fqdn_connections", "", "Bearer " + key).status;
}
Statuses Try(const std::string& output, const std::string& twilio_user,
             const std::string& twilio_secret, const std::string& plivo_user,
             const std::string& plivo_secret) {
  http::Client twilio(http::ClientOptions{"127.0.0.1", PortAfter(output, "twilio")});
  http::Client plivo(http::ClientOptions{"127.0.0.1", PortAfter(output, "plivo")});
  return {Send(twilio, "GET", "/v1/Trunks", "", Basic(twilio_user, twilio_secret)).status,
          Send(plivo, "GET", "/v1/Account/" + plivo_user + "/Zentrunk/Trunk/", "",
               Basic(plivo_user, plivo_secret))
              .status};
}

TEST(EmulatorBinaryTest, AccountsComeFromAFile) {
  ::trunkline::testing::TempDir dir;
  const std::string path =
      WriteFile(dir, std::string("# accounts for the test\n\n  twilio-account ") + kFileAccount +
                         ":" + kFileToken + "  \ntwilio-api-key\t" + kFileKey +
                         ":key-secret:" + kFileAccount + "\nplivo-account " + kFilePlivo +
                         ":plivo-secret\ntelnyx-api-key " + kFileTelnyx + "\n");
  // The environment is ignored when a file is given.
  Child child({"--accounts-file", path}, "plivo-account MAENV:env-token");
  ASSERT_TRUE(child.WaitFor("ready\n")) << child.output();
  Statuses file = Try(child.output(), kFileAccount, kFileToken, kFilePlivo, "plivo-secret");
  EXPECT_EQ(file.twilio, 200);
  EXPECT_EQ(file.plivo, 200);
  EXPECT_EQ(Try(child.output(), kFileKey, "key-secret", kFilePlivo, "plivo-secret").twilio, 200);
  // The defaults are not added to a provider the file gave accounts for.
  Statuses defaults = Try(child.output(), "AC00000000000000000000000000000001", "emulator-token",
                          "MAEMULATOR0000000001", "emulator-token");
  EXPECT_EQ(defaults.twilio, 401);
  EXPECT_EQ(defaults.plivo, 401);
  EXPECT_EQ(TryTelnyx(child.output(), kFileTelnyx), 200);
  EXPECT_EQ(TryTelnyx(child.output(), "KEYEMULATOR0000000001_emulator-key"), 401);
}

TEST(EmulatorBinaryTest, AccountsComeFromTheEnvironmentUnlessFlagsGiveSome) {
  const std::string env = std::string("twilio-account ") + kFileAccount + ":" + kFileToken;
  {
    Child child({}, env);
    ASSERT_TRUE(child.WaitFor("ready\n")) << child.output();
    Statuses from_env =
        Try(child.output(), kFileAccount, kFileToken, "MAEMULATOR0000000001", "emulator-token");
    EXPECT_EQ(from_env.twilio, 200);
    EXPECT_EQ(from_env.plivo, 200);  // Plivo, given nothing, keeps its default account
  }
  Child flags({"--plivo-account", std::string(kFilePlivo) + ":flag-token"}, env);
  ASSERT_TRUE(flags.WaitFor("ready\n")) << flags.output();
  EXPECT_EQ(Try(flags.output(), kFileAccount, kFileToken, kFilePlivo, "flag-token").plivo, 200);
  EXPECT_EQ(Try(flags.output(), kFileAccount, kFileToken, kFilePlivo, "flag-token").twilio, 401);
}

TEST(EmulatorBinaryTest, BadAccountLinesAreRefusedNamingTheLineAndTheRule) {
  ::trunkline::testing::TempDir dir;
  const std::string sid = kFileAccount;
  struct Case {
    std::string text;
    std::string message;  // after "<source>:"
  };
  const std::vector<Case> cases = {
      {"# fine\n\nbogus-kind " + sid + ":tok-secret-1\n",
       "3: an account line starts with twilio-account, twilio-api-key, plivo-account or "
       "telnyx-api-key"},
      {sid + ":tok-secret-1\n", "1: an account line starts with twilio-account"},
      {"twilio-account ACxyz:tok-secret-1\n",
       "1: twilio-account: the account SID must be AC followed by 32 lower-case hex digits"},
      {"twilio-account " + sid + "\n",
       "1: twilio-account needs ACCOUNTSID:AUTHTOKEN (2 non-empty parts separated by ':')"},
      {"twilio-account\n", "1: twilio-account needs ACCOUNTSID:AUTHTOKEN"},
      {"twilio-api-key " + std::string(kFileKey) + ":tok-secret-1\n",
       "1: twilio-api-key needs KEYSID:SECRET:ACCOUNTSID (3 non-empty parts"},
      {"twilio-api-key " + std::string(kFileKey) + ":tok-secret-1:AC1\n",
       "1: twilio-api-key: the account SID must be AC followed by 32"},
      {"plivo-account MA-1:tok-secret-1\n", "1: plivo-account: the auth ID must be letters"},
      {"plivo-account MAX:tok-secret-1\nplivo-account MAX:tok-secret-1\n",
       "2: plivo-account: MAX is given twice"},
      {"telnyx-api-key tok-secret-1 and-more\n",
       "1: telnyx-api-key needs an API key of 1 to 255 printable ASCII characters"},
      {"telnyx-api-key tok-secret-1\ntelnyx-api-key tok-secret-1\n",
       "2: telnyx-api-key: the same API key is given twice"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile(dir, c.text);
    for (bool from_file : {true, false}) {
      Child child(from_file ? std::vector<std::string>{"--accounts-file", path}
                            : std::vector<std::string>{},
                  from_file ? std::nullopt : std::optional<std::string>(c.text));
      const std::string source = from_file ? path : kAccountsVariable;
      EXPECT_EQ(child.Exit(), 2) << c.text << child.output();
      EXPECT_THAT(child.output(), HasSubstr(source + ":" + c.message)) << c.text;
      EXPECT_THAT(child.output(), Not(HasSubstr("tok-secret-1"))) << c.text;
      EXPECT_THAT(child.output(), Not(HasSubstr("ready"))) << c.text;
    }
  }
  Child missing({"--accounts-file", dir.Sub("none")});
  EXPECT_EQ(missing.Exit(), 2);
  EXPECT_THAT(missing.output(), HasSubstr(dir.Sub("none") + ": cannot read"));
}

}  // namespace
}  // namespace trunkline::emulator::testing
