// The provider client against the project's own server over real sockets on 127.0.0.1:
// certificate verification with a CA made at test time, the plain-http rule, connection
// reuse and its cap, the deadline, and a CONNECT proxy.
#include "trunkline/http/provider_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <fstream>
#include <mutex>

#include "connect_proxy.h"
#include "test_ca.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "trunkline/http/http.h"

namespace trunkline::http {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::trunkline::testing::StatusIs;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Response Echo(const Request& r) {
  return Response{200,
                  {{"X-Target", r.target},
                   {"X-Host", FindHeader(r.headers, "Host").value_or("")},
                   {"X-Agent", FindHeader(r.headers, "User-Agent").value_or("")}},
                  r.method + " " + r.body};
}

// Collects the outcomes of asynchronous requests.
class Outcomes {
 public:
  std::function<void(Result<Response>)> Add() {
    return [this](Result<Response> r) {
      std::lock_guard lock(mu_);
      results_.push_back(std::move(r));
      changed_.notify_all();
    };
  }
  // Waits (at most `wait`) for `n` outcomes and returns those there are.
  std::vector<Result<Response>> Wait(size_t n, milliseconds wait = milliseconds(5000)) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, wait, [&] { return results_.size() >= n; });
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Result<Response>> results_;
};

class ProviderClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new testing::TestCa("trunkline test CA");
    good_ = new testing::TestCertificate(ca_->Issue("127.0.0.1", "IP:127.0.0.1,DNS:localhost"));
  }
  static void TearDownTestSuite() {
    delete good_;
    delete ca_;
  }

  void SetUp() override { ca_file_ = WriteFile("ca.pem", ca_->certificate_pem()); }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }

  std::unique_ptr<Server> StartServer(Handler handler,
                                      std::optional<testing::TestCertificate> cert = std::nullopt,
                                      ServerOptions options = {}) {
    if (cert) options.tls = TlsIdentity{cert->certificate_pem, "", cert->private_key_pem, ""};
    auto server = Server::Start(options, std::move(handler));
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }
  std::unique_ptr<Server> StartTlsServer(Handler handler = Echo, ServerOptions options = {}) {
    return StartServer(std::move(handler), *good_, options);
  }

  // A client trusting the test CA, with no proxy unless given.
  std::unique_ptr<ProviderClient> MakeClient(ProviderClientOptions options = {}) {
    if (options.ca_file.empty()) options.ca_file = ca_file_;
    if (!options.proxy) options.proxy = ProxyOptions{};
    options.user_agent = "trunkline-test";
    auto client = ProviderClient::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static std::string Https(const Server& server) {
    return "https://127.0.0.1:" + std::to_string(server.port());
  }

  static testing::TestCa* ca_;
  static testing::TestCertificate* good_;
  trunkline::testing::TempDir dir_;
  std::string ca_file_;
};

testing::TestCa* ProviderClientTest::ca_ = nullptr;
testing::TestCertificate* ProviderClientTest::good_ = nullptr;

TEST_F(ProviderClientTest, HttpsWithTheRightCaIsVerifiedAndAnswered) {
  auto server = StartTlsServer();
  auto client = MakeClient();
  auto res = client->Send(Https(*server), Request{"POST", "/v1/Trunks?PageSize=2", {}, "a=b"});
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST a=b");
  EXPECT_EQ(FindHeader(res->headers, "X-Target"), "/v1/Trunks?PageSize=2");
  EXPECT_EQ(FindHeader(res->headers, "X-Host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(FindHeader(res->headers, "X-Agent"), "trunkline-test");
}

TEST_F(ProviderClientTest, ACertificateFromAnotherCaIsRefusedAsUnavailable) {
  testing::TestCa other("another CA");
  auto server = StartServer(Echo, other.Issue("127.0.0.1", "IP:127.0.0.1"));
  auto client = MakeClient();
  auto res = client->Send(Https(*server), Request{"GET", "/", {}, ""});
  EXPECT_THAT(res, StatusIs(StatusCode::kUnavailable, "certificate verify failed"));
  EXPECT_THAT(res.status().message(), HasSubstr("for host 127.0.0.1"));
}

TEST_F(ProviderClientTest, ACertificateForAnotherHostIsRefusedAsUnavailable) {
  auto server = StartServer(Echo, ca_->Issue("other.example", "DNS:other.example"));
  auto client = MakeClient();
  auto res = client->Send(Https(*server), Request{"GET", "/", {}, ""});
  EXPECT_THAT(res, StatusIs(StatusCode::kUnavailable, "certificate verify failed"));
  EXPECT_THAT(res.status().message(), AllOf(HasSubstr("mismatch"), HasSubstr("127.0.0.1")));
  // The name is checked too, not only the address: the same certificate fits "localhost"
  // only when it names it.
  auto named = client->Send("https://localhost:" + std::to_string(server->port()),
                            Request{"GET", "/", {}, ""});
  EXPECT_THAT(named, StatusIs(StatusCode::kUnavailable, "for host localhost"));
}

TEST_F(ProviderClientTest, TheSystemStoreIsUsedWithoutACaFile) {
  auto server = StartTlsServer();
  auto client = ProviderClient::Create(ProviderClientOptions{.proxy = ProxyOptions{}});
  ASSERT_TRUE(client.ok()) << client.status();
  auto res = (*client)->Send(Https(*server), Request{"GET", "/", {}, ""});
  EXPECT_THAT(res, StatusIs(StatusCode::kUnavailable, "certificate verify failed"));
}

TEST_F(ProviderClientTest, AnUnreadableCaFileOrABadProxyIsRefusedAtCreation) {
  EXPECT_THAT(ProviderClient::Create({.ca_file = dir_.Sub("missing.pem")}),
              StatusIs(StatusCode::kInvalidArgument, "missing.pem"));
  ProxyOptions secure_proxy{.https_proxy = "https://user:secret@proxy.example:3128"};
  auto bad = ProviderClient::Create({.ca_file = ca_file_, .proxy = secure_proxy});
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument, "only http:// proxies"));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("secret")));
  EXPECT_THAT(ProviderClient::Create({.ca_file = ca_file_, .max_connections_per_host = 0}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(ProviderClientTest, PlainHttpToAHostThatIsNotLoopbackIsRefusedWithoutConnecting) {
  auto client = MakeClient();
  for (const char* url : {"http://192.0.2.1:9", "http://trunking.twilio.com",
                          "http://[2001:db8::1]:80", "http://localhost.example.com"}) {
    const auto start = Clock::now();
    auto res = client->Send(url, Request{"GET", "/v1/Trunks", {}, ""});
    EXPECT_THAT(res, StatusIs(StatusCode::kInvalidArgument, "\"" + std::string(url) + "\""));
    EXPECT_THAT(res.status().message(), HasSubstr("plain http is allowed to loopback hosts only"));
    EXPECT_LT(Clock::now() - start, milliseconds(100)) << url;
  }
  EXPECT_EQ(client->connections_opened(), 0u);
}

TEST_F(ProviderClientTest, PlainHttpToLoopbackGoesToThePathUnderTheBaseUrl) {
  auto server = StartServer(Echo);
  auto client = MakeClient();
  const std::string port = std::to_string(server->port());
  for (const std::string& base :
       {"http://127.0.0.1:" + port + "/prefix", "http://127.0.0.1:" + port + "/prefix/",
        "http://localhost:" + port + "/prefix"}) {
    auto res = client->Send(base, Request{"GET", "/v1/Trunks?PageSize=2", {}, ""});
    ASSERT_TRUE(res.ok()) << base << ": " << res.status();
    EXPECT_EQ(FindHeader(res->headers, "X-Target"), "/prefix/v1/Trunks?PageSize=2") << base;
  }
}

TEST_F(ProviderClientTest, AnyHttpStatusIsASuccess) {
  auto server = StartTlsServer([](const Request&) { return Response{503, {}, "busy"}; });
  auto client = MakeClient();
  auto res = client->Send(Https(*server), Request{"DELETE", "/v1/Trunks/TK1", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "busy");
}

TEST_F(ProviderClientTest, MalformedRequestsAreInvalidArgumentsAndSecretsStayOut) {
  auto server = StartServer(Echo);
  auto client = MakeClient();
  const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  EXPECT_THAT(client->Send(base, Request{"GET", "v1/Trunks", {}, ""}),
              StatusIs(StatusCode::kInvalidArgument, "target"));
  EXPECT_THAT(client->Send(base, Request{"GE T", "/", {}, ""}),
              StatusIs(StatusCode::kInvalidArgument, "method"));
  auto injected =
      client->Send(base, Request{"GET", "/", {{"Authorization", "Basic s3cret\r\nX: y"}}, ""});
  EXPECT_THAT(injected, StatusIs(StatusCode::kInvalidArgument, "Authorization"));
  EXPECT_THAT(injected.status().message(), Not(HasSubstr("s3cret")));
  EXPECT_THAT(client->Send("ftp://127.0.0.1", Request{}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(client->Send(base + "?a=b", Request{}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(server->connections_accepted(), 0u);
}

TEST_F(ProviderClientTest, AKeptAliveConnectionIsReused) {
  auto server = StartTlsServer();
  auto client = MakeClient();
  for (int i = 0; i < 5; ++i) {
    auto res = client->Send(Https(*server), Request{"GET", "/" + std::to_string(i), {}, ""});
    ASSERT_TRUE(res.ok()) << i << ": " << res.status();
  }
  EXPECT_EQ(server->connections_accepted(), 1u);
  EXPECT_EQ(client->connections_opened(), 1u);
}

TEST_F(ProviderClientTest, ConcurrentRequestsShareAtMostTheCapOfConnections) {
  auto server = StartTlsServer([](const Request& r) {
    Response out = Echo(r);
    out.delay = milliseconds(50);
    return out;
  });
  auto client = MakeClient({.max_connections_per_host = 2});
  Outcomes outcomes;
  for (int i = 0; i < 10; ++i) {
    client->AsyncSend(Https(*server), Request{"GET", "/" + std::to_string(i), {}, ""},
                      outcomes.Add());
  }
  const auto results = outcomes.Wait(10);
  ASSERT_EQ(results.size(), 10u);
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(server->connections_accepted(), 2u);
  EXPECT_EQ(client->connections_opened(), 2u);
}

TEST_F(ProviderClientTest, ASlowAnswerIsDeadlineExceeded) {
  auto server = StartTlsServer([](const Request& r) {
    Response out = Echo(r);
    out.delay = milliseconds(1500);
    return out;
  });
  auto client = MakeClient({.timeout = milliseconds(200)});
  const auto start = Clock::now();
  auto res = client->Send(Https(*server), Request{"POST", "/v1/Trunks", {}, "x"});
  EXPECT_THAT(res, StatusIs(StatusCode::kDeadlineExceeded, "may have been applied"));
  EXPECT_THAT(res.status().message(), HasSubstr("timed out"));
  EXPECT_GE(Clock::now() - start, milliseconds(150));
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

TEST_F(ProviderClientTest, WaitingForAFreeConnectionCountsAgainstTheTimeout) {
  auto server = StartTlsServer([](const Request& r) {
    Response out = Echo(r);
    out.delay = milliseconds(1500);
    return out;
  });
  auto client = MakeClient({.timeout = milliseconds(300), .max_connections_per_host = 1});
  Outcomes first;
  Outcomes second;
  const auto start = Clock::now();
  client->AsyncSend(Https(*server), Request{"POST", "/first", {}, ""}, first.Add());
  client->AsyncSend(Https(*server), Request{"POST", "/second", {}, ""}, second.Add());
  const std::vector<Result<Response>> one = first.Wait(1);
  const std::vector<Result<Response>> two = second.Wait(1);
  // The second waited for the one connection until the first gave it up, at its deadline,
  // which was (nearly) the second's own: the second ends then too, not a timeout later. Had
  // it been sent in that instant it would be kDeadlineExceeded, else kUnavailable.
  EXPECT_LT(Clock::now() - start, milliseconds(550));
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_THAT(one[0], StatusIs(StatusCode::kDeadlineExceeded));
  EXPECT_THAT(two[0],
              AnyOf(StatusIs(StatusCode::kUnavailable), StatusIs(StatusCode::kDeadlineExceeded)));
}

TEST_F(ProviderClientTest, ARequestWaitingForAConnectionIsSentWhenOneIsFree) {
  auto server = StartTlsServer([](const Request& r) {
    Response out = Echo(r);
    out.delay = milliseconds(r.target == "/slow" ? 150 : 0);
    return out;
  });
  auto client = MakeClient({.timeout = milliseconds(1000), .max_connections_per_host = 1});
  Outcomes outcomes;
  client->AsyncSend(Https(*server), Request{"POST", "/slow", {}, ""}, outcomes.Add());
  client->AsyncSend(Https(*server), Request{"POST", "/next", {}, ""}, outcomes.Add());
  const auto results = outcomes.Wait(2);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(server->connections_accepted(), 1u);
}

TEST_F(ProviderClientTest, NobodyListeningIsUnavailable) {
  uint16_t port = 0;
  {
    auto server = StartTlsServer();
    port = server->port();
  }
  auto client = MakeClient();
  auto res = client->Send("https://127.0.0.1:" + std::to_string(port), Request{"GET", "/", {}, ""});
  EXPECT_THAT(res, StatusIs(StatusCode::kUnavailable, "connecting to 127.0.0.1:"));
}

TEST_F(ProviderClientTest, ANameThatDoesNotResolveIsUnavailable) {
  auto client = MakeClient({.timeout = milliseconds(500)});
  auto res = client->Send("https://does-not-exist.invalid", Request{"GET", "/", {}, ""});
  // Not found, or out of time when no resolver answers: nothing was sent either way.
  EXPECT_THAT(res, StatusIs(StatusCode::kUnavailable, "resolving does-not-exist.invalid"));
  EXPECT_EQ(client->connections_opened(), 0u);
}

TEST_F(ProviderClientTest, AConnectionTheServerClosedWhileIdleIsReplaced) {
  std::atomic<int> requests{0};
  ServerOptions options;
  options.idle_timeout = milliseconds(50);
  auto server = StartTlsServer(
      [&](const Request& r) {
        ++requests;
        return Echo(r);
      },
      options);
  auto client = MakeClient();
  ASSERT_TRUE(client->Send(Https(*server), Request{"POST", "/a", {}, ""}).ok());
  std::this_thread::sleep_for(milliseconds(200));  // the server closes the idle connection
  auto res = client->Send(Https(*server), Request{"POST", "/b", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(server->connections_accepted(), 2u);
}

TEST_F(ProviderClientTest, AConnectionDroppedAfterTheRequestIsNotSentAgain) {
  std::atomic<int> requests{0};
  auto server = StartTlsServer([&](const Request& r) {
    ++requests;
    Response out = Echo(r);
    out.delivery = r.target == "/drop" ? Response::Delivery::kDrop : Response::Delivery::kReset;
    return out;
  });
  auto client = MakeClient();
  for (const char* target : {"/drop", "/reset"}) {
    auto res = client->Send(Https(*server), Request{"POST", target, {}, ""});
    EXPECT_THAT(res, StatusIs(StatusCode::kDeadlineExceeded, "may have been applied")) << target;
  }
  EXPECT_EQ(requests.load(), 2);
}

TEST_F(ProviderClientTest, DestroyingTheClientCompletesEveryRequestUnderWay) {
  auto server = StartTlsServer([](const Request& r) {
    Response out = Echo(r);
    out.delay = milliseconds(3000);
    return out;
  });
  Outcomes outcomes;
  const auto start = Clock::now();
  {
    auto client = MakeClient({.max_connections_per_host = 1});
    for (int i = 0; i < 3; ++i) {
      client->AsyncSend(Https(*server), Request{"GET", "/", {}, ""}, outcomes.Add());
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  const auto results = outcomes.Wait(3, milliseconds(0));
  ASSERT_EQ(results.size(), 3u);
  // One was sent (it may have been applied); two waited for the one connection.
  int sent = 0;
  int waiting = 0;
  for (const auto& r : results) {
    EXPECT_THAT(r.status().message(), HasSubstr("shut down"));
    sent += r.status().code() == StatusCode::kDeadlineExceeded;
    waiting += r.status().code() == StatusCode::kUnavailable;
  }
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(waiting, 2);
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

TEST_F(ProviderClientTest, SendFromACompletionIsAFailedPrecondition) {
  auto server = StartServer(Echo);
  auto client = MakeClient();
  const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  Outcomes outcomes;
  client->AsyncSend(base, Request{},
                    [&](Result<Response>) { outcomes.Add()(client->Send(base, Request{})); });
  const auto results = outcomes.Wait(1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_THAT(results[0], StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(ProviderClientTest, HttpsGoesThroughTheProxyByConnect) {
  auto server = StartTlsServer();
  testing::ConnectProxy proxy;
  auto client = MakeClient({.proxy = ProxyOptions{.https_proxy = "http://user:pa%20ss@127.0.0.1:" +
                                                                 std::to_string(proxy.port()),
                                                  .proxy_loopback = true}});
  for (int i = 0; i < 2; ++i) {
    auto res = client->Send(Https(*server), Request{"GET", "/v1/Trunks", {}, ""});
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_EQ(FindHeader(res->headers, "X-Target"), "/v1/Trunks");
  }
  EXPECT_THAT(proxy.request_lines(),
              ElementsAre("CONNECT 127.0.0.1:" + std::to_string(server->port()) + " HTTP/1.1"));
  EXPECT_EQ(proxy.last_authorization(), "Basic dXNlcjpwYSBzcw==");  // user:pa ss
  EXPECT_EQ(server->connections_accepted(), 1u);
}

TEST_F(ProviderClientTest, PlainHttpGoesToTheHttpProxyWithTheWholeUrl) {
  testing::ConnectProxy proxy;  // answers 502 to anything but CONNECT
  auto client = MakeClient({.proxy = ProxyOptions{.http_proxy = "http://who:pw@127.0.0.1:" +
                                                                std::to_string(proxy.port()),
                                                  .proxy_loopback = true}});
  auto res = client->Send("http://127.0.0.1:9/base", Request{"GET", "/v1/x?y=1", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 502);
  EXPECT_THAT(proxy.request_lines(), ElementsAre("GET http://127.0.0.1:9/base/v1/x?y=1 HTTP/1.1"));
  EXPECT_EQ(proxy.last_authorization(), "Basic d2hvOnB3");  // who:pw
}

TEST_F(ProviderClientTest, NoProxyAndLoopbackGoAroundTheProxy) {
  auto server = StartTlsServer();
  testing::ConnectProxy proxy;
  const std::string proxy_url = "127.0.0.1:" + std::to_string(proxy.port());
  for (const ProxyOptions& options :
       {ProxyOptions{.https_proxy = proxy_url},  // loopback is never proxied unless asked
        ProxyOptions{
            .https_proxy = proxy_url, .no_proxy = "example.com, 127.0.0.1", .proxy_loopback = true},
        ProxyOptions{.https_proxy = proxy_url, .no_proxy = "127.0.0.0/8", .proxy_loopback = true},
        ProxyOptions{.https_proxy = proxy_url, .no_proxy = "*", .proxy_loopback = true}}) {
    auto client = MakeClient({.proxy = options});
    auto res = client->Send(Https(*server), Request{"GET", "/", {}, ""});
    ASSERT_TRUE(res.ok()) << options.no_proxy << ": " << res.status();
  }
  EXPECT_THAT(proxy.request_lines(), ::testing::IsEmpty());
}

TEST_F(ProviderClientTest, AProxyRefusingTheTunnelIsUnavailable) {
  auto server = StartTlsServer();
  testing::ConnectProxy proxy(407);
  auto client = MakeClient(
      {.proxy = ProxyOptions{.https_proxy = "http://127.0.0.1:" + std::to_string(proxy.port()),
                             .proxy_loopback = true}});
  auto res = client->Send(Https(*server), Request{"GET", "/", {}, ""});
  EXPECT_THAT(res, StatusIs(StatusCode::kUnavailable, "refused CONNECT"));
  EXPECT_THAT(res.status().message(), HasSubstr("407"));
  EXPECT_EQ(server->connections_accepted(), 0u);
}

TEST(ProxyOptionsTest, BypassesFollowsNoProxy) {
  ProxyOptions options{.https_proxy = "proxy:3128",
                       .no_proxy =
                           " .twilio.com,plivo.com:443 , 10.0.0.0/8,192.0.2.7,[2001:db8::1],"
                           "fd00::/8"};
  EXPECT_TRUE(options.Bypasses("trunking.twilio.com"));
  EXPECT_TRUE(options.Bypasses("TWILIO.com"));
  EXPECT_FALSE(options.Bypasses("nottwilio.com"));
  EXPECT_TRUE(options.Bypasses("api.plivo.com"));
  EXPECT_TRUE(options.Bypasses("plivo.com."));
  EXPECT_FALSE(options.Bypasses("plivo.com.evil.example"));
  EXPECT_TRUE(options.Bypasses("10.1.2.3"));
  EXPECT_FALSE(options.Bypasses("11.1.2.3"));
  EXPECT_TRUE(options.Bypasses("192.0.2.7"));
  EXPECT_FALSE(options.Bypasses("192.0.2.8"));
  EXPECT_TRUE(options.Bypasses("2001:db8::1"));
  EXPECT_TRUE(options.Bypasses("[fd12::5]"));
  EXPECT_FALSE(options.Bypasses("2001:db8::2"));
  EXPECT_FALSE(options.Bypasses("example.com"));
  // Loopback is reached directly unless asked otherwise.
  for (const char* host : {"localhost", "127.0.0.1", "127.9.9.9", "::1", "[::1]"}) {
    EXPECT_TRUE(options.Bypasses(host)) << host;
    EXPECT_FALSE(ProxyOptions{.proxy_loopback = true}.Bypasses(host)) << host;
  }
  EXPECT_TRUE(ProxyOptions{.no_proxy = "*"}.Bypasses("anything.example"));
  EXPECT_FALSE(ProxyOptions{}.Bypasses("anything.example"));
}

TEST(ProxyOptionsTest, FromEnvironmentPrefersTheLowerCaseSpelling) {
  const char* names[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
                         "HTTP_PROXY",  "no_proxy",    "NO_PROXY"};
  std::vector<std::optional<std::string>> saved;
  for (const char* name : names) {
    const char* value = std::getenv(name);
    saved.push_back(value ? std::optional<std::string>(value) : std::nullopt);
    unsetenv(name);
  }
  setenv("HTTPS_PROXY", "http://upper:1", 1);
  setenv("https_proxy", "http://lower:2", 1);
  setenv("HTTP_PROXY", "http://plain:3", 1);
  setenv("NO_PROXY", "example.com", 1);
  const ProxyOptions options = ProxyOptions::FromEnvironment();
  for (size_t i = 0; i < std::size(names); ++i) {
    if (saved[i]) {
      setenv(names[i], saved[i]->c_str(), 1);
    } else {
      unsetenv(names[i]);
    }
  }
  EXPECT_EQ(options.https_proxy, "http://lower:2");
  EXPECT_EQ(options.http_proxy, "http://plain:3");
  EXPECT_EQ(options.no_proxy, "example.com");
  EXPECT_FALSE(options.proxy_loopback);
}

TEST_F(ProviderClientTest, TheServerTakesItsIdentityFromFilesAndRefusesAMismatchedKey) {
  const testing::TestCertificate other = ca_->Issue("127.0.0.1", "IP:127.0.0.1");
  ServerOptions options;
  options.tls =
      TlsIdentity{.certificate_chain_file = WriteFile("chain.pem", good_->certificate_pem),
                  .private_key_file = WriteFile("key.pem", good_->private_key_pem)};
  auto server = StartServer(Echo, std::nullopt, options);
  auto client = MakeClient();
  EXPECT_TRUE(client->Send(Https(*server), Request{}).ok());

  options.tls = TlsIdentity{.certificate_chain_pem = good_->certificate_pem,
                            .private_key_pem = other.private_key_pem};
  EXPECT_THAT(Server::Start(options, Echo), StatusIs(StatusCode::kInvalidArgument, "match"));
  options.tls = TlsIdentity{.certificate_chain_file = dir_.Sub("nothing.pem"),
                            .private_key_pem = good_->private_key_pem};
  EXPECT_THAT(Server::Start(options, Echo), StatusIs(StatusCode::kInvalidArgument, "chain"));
}

}  // namespace
}  // namespace trunkline::http
