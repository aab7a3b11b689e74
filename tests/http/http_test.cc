// The HTTP server and client over real TCP on 127.0.0.1.
#include "trunkline/http/http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace trunkline::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::unique_ptr<Server> StartServer(Handler handler, int threads = 1) {
  auto server = Server::Start(ServerOptions{"127.0.0.1", 0, threads}, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<Server> StartServer(ServerOptions options, Handler handler) {
  auto server = Server::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

// A plain TCP connection to 127.0.0.1, for sending what the Client never would.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }

  // False once the server has closed the connection (or reset it).
  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads what arrives within `wait`; `closed()` tells whether the server closed the
  // connection meanwhile. Stops early at `stop_at` (when given) or at the close.
  std::string Read(milliseconds wait, std::string_view stop_at = {}) {
    const auto deadline = Clock::now() + wait;
    std::string out;
    while (!closed_ && Clock::now() < deadline &&
           (stop_at.empty() || out.find(stop_at) == std::string::npos)) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) continue;
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        closed_at_ = Clock::now();
      } else {
        out.append(buffer, static_cast<size_t>(n));
      }
    }
    return out;
  }
  bool closed() const { return closed_; }
  Clock::time_point closed_at() const { return closed_at_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  Clock::time_point closed_at_;
};

Response Echo(const Request& r) {
  return Response{201,
                  {{"X-Method", r.method},
                   {"X-Target", r.target},
                   {"X-Auth", FindHeader(r.headers, "authorization").value_or("none")}},
                  r.body};
}

TEST(HttpTest, RequestAndAnswerMakeTheRoundTrip) {
  auto server = StartServer(Echo);
  Client client(ClientOptions{"127.0.0.1", server->port()});
  auto res = client.Send(Request{
      "POST",
      "/v1/Trunks?PageSize=2",
      {{"Authorization", "Basic abc"}, {"Content-Type", "application/x-www-form-urlencoded"}},
      "FriendlyName=My%20trunk"});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "FriendlyName=My%20trunk");
  EXPECT_EQ(FindHeader(res->headers, "x-method"), "POST");
  EXPECT_EQ(FindHeader(res->headers, "X-TARGET"), "/v1/Trunks?PageSize=2");
  EXPECT_EQ(FindHeader(res->headers, "X-Auth"), "Basic abc");
}

TEST(HttpTest, OneClientKeepsItsConnectionAcrossManyRequests) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](const Request& r) {
    ++requests;
    return Response{200, {}, r.target};
  });
  Client client(ClientOptions{"127.0.0.1", server->port()});
  for (int i = 0; i < 200; ++i) {
    auto res = client.Send(Request{"GET", "/n/" + std::to_string(i), {}, ""});
    ASSERT_TRUE(res.ok()) << i << ": " << res.status().ToString();
    ASSERT_EQ(res->body, "/n/" + std::to_string(i));
  }
  EXPECT_EQ(requests.load(), 200);
  EXPECT_EQ(server->connections_accepted(), 1u);
}

TEST(HttpTest, AThrowingHandlerAnswers500AndTheServerGoesOn) {
  auto server = StartServer([](const Request& r) -> Response {
    if (r.target == "/boom") throw std::runtime_error("kaput");
    return Response{200, {}, "fine"};
  });
  Client client(ClientOptions{"127.0.0.1", server->port()});
  auto boom = client.Send(Request{"GET", "/boom", {}, ""});
  ASSERT_TRUE(boom.ok());
  EXPECT_EQ(boom->status, 500);
  EXPECT_THAT(boom->body, HasSubstr("kaput"));
  EXPECT_EQ(client.Send(Request{"GET", "/", {}, ""})->body, "fine");
}

TEST(HttpTest, ASlowAnswerIsDeadlineExceededAndTheClientRecovers) {
  auto server = StartServer(
      [](const Request& r) {
        if (r.target == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(400));
        return Response{200, {}, "done"};
      },
      2);
  Client client(ClientOptions{"127.0.0.1", server->port(), std::chrono::milliseconds(100)});
  const auto start = std::chrono::steady_clock::now();
  auto slow = client.Send(Request{"POST", "/slow", {}, "x"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(350));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(slow.status().message(), HasSubstr("may have been applied"));
  auto next = client.Send(Request{"GET", "/fast", {}, ""});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->body, "done");
}

TEST(HttpTest, DeliveryControlsDelayDropAndResetTheAnswer) {
  std::atomic<int> handled{0};
  auto server = StartServer([&](const Request& r) {
    ++handled;
    Response out{200, {}, "ok"};
    if (r.target == "/delay") out.delay = std::chrono::milliseconds(150);
    if (r.target == "/drop") out.delivery = Response::Delivery::kDrop;
    if (r.target == "/reset") out.delivery = Response::Delivery::kReset;
    return out;
  });
  Client client(ClientOptions{"127.0.0.1", server->port(), std::chrono::milliseconds(1000)});
  const auto start = std::chrono::steady_clock::now();
  auto delayed = client.Send(Request{"GET", "/delay", {}, ""});
  ASSERT_TRUE(delayed.ok()) << delayed.status();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(delayed->body, "ok");
  // A delay longer than the client waits is an answer lost after the handler ran.
  Client impatient(ClientOptions{"127.0.0.1", server->port(), std::chrono::milliseconds(50)});
  EXPECT_EQ(impatient.Send(Request{"GET", "/delay", {}, ""}).status().code(),
            StatusCode::kDeadlineExceeded);
  for (const char* target : {"/drop", "/reset"}) {
    auto lost = client.Send(Request{"POST", target, {}, "x"});
    ASSERT_FALSE(lost.ok()) << target;
    EXPECT_EQ(lost.status().code(), StatusCode::kDeadlineExceeded)
        << target << ": " << lost.status();
    auto next = client.Send(Request{"GET", "/", {}, ""});  // a new connection works
    ASSERT_TRUE(next.ok()) << target << ": " << next.status();
  }
  EXPECT_EQ(handled.load(), 6);
}

TEST(HttpTest, NobodyListeningIsUnavailable) {
  uint16_t port = 0;
  {
    auto server = StartServer(Echo);
    port = server->port();
  }  // stopped: the port is closed now
  Client client(ClientOptions{"127.0.0.1", port, std::chrono::milliseconds(500)});
  auto res = client.Send(Request{"GET", "/", {}, ""});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable);
}

TEST(HttpTest, StoppingTheServerBreaksKeptConnectionsWithoutHanging) {
  auto server = StartServer(Echo);
  Client client(ClientOptions{"127.0.0.1", server->port(), std::chrono::seconds(3)});
  ASSERT_TRUE(client.Send(Request{"GET", "/", {}, ""}).ok());
  server->Stop();
  const auto start = std::chrono::steady_clock::now();
  auto res = client.Send(Request{"GET", "/", {}, ""});
  EXPECT_FALSE(res.ok());
  // The connection was closed by Stop(), not left to the client's 3-second timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(HttpTest, ManyClientsAtOnce) {
  std::atomic<int> requests{0};
  auto server = StartServer(
      [&](const Request& r) {
        ++requests;
        return Response{200, {}, r.body};
      },
      2);
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      Client client(ClientOptions{"127.0.0.1", server->port()});
      for (int i = 0; i < 50; ++i) {
        const std::string body = std::to_string(c) + "/" + std::to_string(i);
        auto res = client.Send(Request{"POST", "/", {}, body});
        if (!res.ok() || res->body != body) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(requests.load(), 400);
}

TEST(HttpTest, AnUnusableAddressIsRefusedClearly) {
  auto bad = Server::Start(ServerOptions{"not-an-address", 0, 1}, Echo);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto first = StartServer(Echo);
  auto taken = Server::Start(ServerOptions{"127.0.0.1", first->port(), 1}, Echo);
  EXPECT_EQ(taken.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(taken.status().message(), HasSubstr("binding 127.0.0.1:"));
}

// Fills the process's file descriptor table (under a lowered limit) and gives everything
// back, limit included, when it goes out of scope, whatever the test's outcome.
class FullDescriptorTable {
 public:
  FullDescriptorTable() {
    if (getrlimit(RLIMIT_NOFILE, &saved_) != 0) return;
    rlimit low = saved_;
    low.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 256);  // a small table to fill
    lowered_ = setrlimit(RLIMIT_NOFILE, &low) == 0;
    for (int fd = open("/dev/null", O_RDONLY); fd >= 0 && filler_.size() < 4096; fd = dup(fd)) {
      filler_.push_back(fd);
    }
  }
  ~FullDescriptorTable() { Release(); }
  bool full() const { return lowered_ && filler_.size() >= 2; }
  // Frees one descriptor.
  void FreeOne() {
    close(filler_.back());
    filler_.pop_back();
  }
  void Release() {
    for (int fd : filler_) close(fd);
    filler_.clear();
    if (lowered_) setrlimit(RLIMIT_NOFILE, &saved_);
    lowered_ = false;
  }

 private:
  rlimit saved_{};
  bool lowered_ = false;
  std::vector<int> filler_;
};

TEST(HttpTest, AcceptingGoesOnAfterRunningOutOfFileDescriptors) {
#ifdef TRUNKLINE_SANITIZE_VPTR
  // UBSan checks a vtable by writing it into a pipe; with no descriptor left for the pipe it
  // reports every virtual call (the first inside Asio's scheduler) as an invalid vptr.
  GTEST_SKIP() << "the vptr check needs free descriptors (scripts/sanitize.sh)";
#endif
  auto server = StartServer(Echo);
  FullDescriptorTable table;
  ASSERT_TRUE(table.full());
  table.FreeOne();  // the client's socket takes it
  RawConnection client(server->port());
  const bool connected = client.connected();
  // The kernel completed the connection; the server's accept finds no descriptor for it.
  for (int i = 0; i < 200 && server->accept_failures() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  const uint64_t failures = server->accept_failures();
  const uint64_t accepted_while_full = server->connections_accepted();
  table.Release();
  ASSERT_TRUE(connected);
  EXPECT_GT(failures, 0u);
  EXPECT_EQ(accepted_while_full, 0u);

  ASSERT_TRUE(client.Send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(client.Read(milliseconds(3000), "\r\n\r\n"), StartsWith("HTTP/1.1 201"));
  Client next(ClientOptions{"127.0.0.1", server->port(), milliseconds(3000)});
  auto res = next.Send(Request{"GET", "/next", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(FindHeader(res->headers, "X-Target"), "/next");
  EXPECT_EQ(server->connections_accepted(), 2u);
}

TEST(HttpTest, ARequestTricklingInIsCutOffAtTheRequestTimeout) {
  std::atomic<int> handled{0};
  ServerOptions options;
  options.request_timeout = milliseconds(300);
  options.idle_timeout = milliseconds(5000);
  auto server = StartServer(options, [&](const Request& r) {
    ++handled;
    return Echo(r);
  });
  RawConnection slow(server->port());
  ASSERT_TRUE(slow.connected());
  const auto start = Clock::now();
  // One header byte every 20 ms, for at most 3 s: a request that never ends.
  const std::string header = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(150, 'a');
  for (size_t i = 0; !slow.closed() && Clock::now() - start < milliseconds(3000); ++i) {
    if (!slow.Send(std::string(1, header[i % header.size()]))) break;
    slow.Read(milliseconds(20));
  }
  slow.Read(milliseconds(200));  // a failed send means it closed: see the close itself
  ASSERT_TRUE(slow.closed());
  EXPECT_LT(slow.closed_at() - start, milliseconds(1000));
  EXPECT_EQ(handled.load(), 0);
  // Others are still served.
  Client client(ClientOptions{"127.0.0.1", server->port()});
  EXPECT_EQ(client.Send(Request{"GET", "/", {}, ""})->status, 201);
}

TEST(HttpTest, AnIdleConnectionIsClosedAtTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  auto server = StartServer(options, Echo);
  // Kept alive after an answer, then silent.
  RawConnection kept(server->port());
  ASSERT_TRUE(kept.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_THAT(kept.Read(milliseconds(2000), "\r\n\r\n"), StartsWith("HTTP/1.1 201"));
  const auto answered = Clock::now();
  kept.Read(milliseconds(3000));
  ASSERT_TRUE(kept.closed());
  EXPECT_GE(kept.closed_at() - answered, milliseconds(150));
  EXPECT_LT(kept.closed_at() - answered, milliseconds(1500));
  // Connected, and never a byte.
  RawConnection silent(server->port());
  const auto connected = Clock::now();
  silent.Read(milliseconds(3000));
  ASSERT_TRUE(silent.closed());
  EXPECT_LT(silent.closed_at() - connected, milliseconds(1500));
}

TEST(HttpTest, TheClientReconnectsWhenTheServerClosedItsIdleConnection) {
  ServerOptions options;
  options.idle_timeout = milliseconds(100);
  auto server = StartServer(options, Echo);
  Client client(ClientOptions{"127.0.0.1", server->port(), milliseconds(2000)});
  ASSERT_TRUE(client.Send(Request{"POST", "/one", {}, "x"}).ok());
  std::this_thread::sleep_for(milliseconds(400));  // the server closes it meanwhile
  auto second = client.Send(Request{"POST", "/two", {}, "y"});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->body, "y");
  EXPECT_EQ(server->connections_accepted(), 2u);
}

TEST(HttpTest, AnAnswerTheClientDoesNotTakeIsAbandonedAtTheWriteTimeout) {
  constexpr size_t kBig = 32 * 1024 * 1024;  // more than both socket buffers hold
  ServerOptions options;
  options.write_timeout = milliseconds(300);
  auto server = StartServer(options, [](const Request& r) {
    return Response{200, {}, r.target == "/big" ? std::string(kBig, 'x') : "small"};
  });
  RawConnection reader(server->port());
  ASSERT_TRUE(reader.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(milliseconds(1200));  // not reading meanwhile
  const std::string got = reader.Read(milliseconds(5000));
  EXPECT_TRUE(reader.closed());
  EXPECT_THAT(got, StartsWith("HTTP/1.1 200"));
  EXPECT_LT(got.size(), kBig);
  Client client(ClientOptions{"127.0.0.1", server->port()});
  auto next = client.Send(Request{"GET", "/", {}, ""});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "small");
}

TEST(HttpTest, OversizedAndMalformedRequestsAreRefusedWithoutTheHandler) {
  std::atomic<int> handled{0};
  ServerOptions options;
  options.max_header_bytes = 1024;
  options.max_body_bytes = 1000;
  auto server = StartServer(options, [&](const Request& r) {
    ++handled;
    return Echo(r);
  });
  struct Case {
    std::string name;
    std::string request;
    std::string status_line;
  };
  const std::string chunk = "3e8\r\n" + std::string(1000, 'c') + "\r\n";
  const std::vector<Case> cases = {
      {"long header field",
       "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'h') + "\r\n\r\n",
       "HTTP/1.1 431"},
      {"many header fields",
       "GET / HTTP/1.1\r\nHost: x\r\n" +
           [] {
             std::string fields;
             for (int i = 0; i < 200; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
             return fields;
           }() +
           "\r\n",
       "HTTP/1.1 431"},
      {"long target", "GET /" + std::string(2000, 't') + " HTTP/1.1\r\nHost: x\r\n\r\n",
       "HTTP/1.1 431"},
      {"declared body over the limit",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'),
       "HTTP/1.1 413"},
      {"chunked body over the limit",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk +
           "0\r\n\r\n",
       "HTTP/1.1 413"},
      {"not HTTP", "HELLO THERE\r\n\r\n", "HTTP/1.1 400"},
      {"bad version", "GET / HTTP/7\r\nHost: x\r\n\r\n", "HTTP/1.1 400"},
      {"space in a field name", "GET / HTTP/1.1\r\nBad Field: x\r\n\r\n", "HTTP/1.1 400"},
      {"bad content length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
       "HTTP/1.1 400"},
      {"bad chunk", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "HTTP/1.1 400"},
  };
  Client good(ClientOptions{"127.0.0.1", server->port()});
  for (const Case& c : cases) {
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.Send(c.request)) << c.name;
    const std::string answer = raw.Read(milliseconds(3000));
    EXPECT_THAT(answer, StartsWith(c.status_line)) << c.name;
    EXPECT_TRUE(raw.closed()) << c.name;
    // Others are still served, on their kept-alive connection.
    auto fine = good.Send(Request{"POST", "/", {}, std::string(1000, 'k')});
    ASSERT_TRUE(fine.ok()) << c.name << ": " << fine.status();
    EXPECT_EQ(fine->status, 201) << c.name;
  }
  EXPECT_EQ(handled.load(), static_cast<int>(cases.size()));
  EXPECT_EQ(server->connections_accepted(), cases.size() + 1);
}

// An answer given later, from another thread, holds no server thread meanwhile: with one
// server thread, a request waits for its answer while another is served.
TEST(HttpTest, AnAsyncHandlerAnswersLaterWithoutHoldingAServerThread) {
  std::mutex mu;
  std::vector<Respond> held;
  auto server =
      Server::Start(ServerOptions{"127.0.0.1", 0, 1}, [&](const Request& r, Respond respond) {
        if (r.target == "/later") {
          std::lock_guard lock(mu);
          held.push_back(std::move(respond));
          return;
        }
        respond(Response{200, {}, "now"});
      });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::optional<Result<Response>> later;
  std::thread waiting([&] {
    Client client(ClientOptions{"127.0.0.1", (*server)->port()});
    later = client.Send(Request{"GET", "/later", {}, ""});
  });
  for (int i = 0; i < 500 && (*server)->requests_in_flight() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ((*server)->requests_in_flight(), 1u);
  Client client(ClientOptions{"127.0.0.1", (*server)->port()});
  auto now = client.Send(Request{"GET", "/now", {}, ""});
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_EQ(now->body, "now");
  std::thread answering([&] {
    std::lock_guard lock(mu);
    ASSERT_EQ(held.size(), 1u);
    held[0](Response{202, {}, "later"});
    held[0](Response{500, {}, "twice"});  // ignored
  });
  answering.join();
  waiting.join();
  ASSERT_TRUE(later && later->ok());
  EXPECT_EQ((*later)->status, 202);
  EXPECT_EQ((*later)->body, "later");
  // The count drops once the server has written the answer, which may be just after the
  // client has read it.
  for (int i = 0; i < 500 && (*server)->requests_in_flight() != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ((*server)->requests_in_flight(), 0u);
}

TEST(HttpTest, AThrowingAsyncHandlerAnswers500) {
  auto server = Server::Start(ServerOptions{"127.0.0.1", 0, 1},
                              [](const Request&, Respond) { throw std::runtime_error("kaput"); });
  ASSERT_TRUE(server.ok());
  Client client(ClientOptions{"127.0.0.1", (*server)->port()});
  auto res = client.Send(Request{"GET", "/", {}, ""});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 500);
  EXPECT_THAT(res->body, HasSubstr("kaput"));
}

// Shutdown stops taking connections at once but lets the request under way be answered.
TEST(HttpTest, ShutdownAnswersTheRequestsInFlightAndRefusesNewConnections) {
  std::atomic<bool> release{false};
  auto server = StartServer(
      [&](const Request&) {
        for (int i = 0; i < 2000 && !release.load(); ++i)
          std::this_thread::sleep_for(milliseconds(1));
        return Response{200, {}, "finished"};
      },
      2);
  const uint16_t port = server->port();
  std::optional<Result<Response>> slow;
  std::thread waiting([&] {
    Client client(ClientOptions{"127.0.0.1", port, milliseconds(5000)});
    slow = client.Send(Request{"GET", "/slow", {}, ""});
  });
  for (int i = 0; i < 500 && server->requests_in_flight() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  ASSERT_EQ(server->requests_in_flight(), 1u);
  std::thread stopping([&] { server->Shutdown(milliseconds(5000)); });
  // The listener closes first: a new connection is refused while the slow request runs.
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    refused = !RawConnection(port).connected();
    if (!refused) std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_TRUE(refused);
  release = true;
  stopping.join();
  waiting.join();
  ASSERT_TRUE(slow && slow->ok()) << (slow ? slow->status().ToString() : "no answer");
  EXPECT_EQ((*slow)->body, "finished");
}

// A live answer goes out in chunks as its source has them, and ends when the source says so.
TEST(HttpTest, ALiveAnswerIsSentInChunksAsItsSourceHasThem) {
  auto server = StartServer([](const Request&) {
    Response r;
    r.headers = {{"Content-Type", "text/event-stream"}};
    auto calls = std::make_shared<int>(0);
    r.stream = [calls](std::string& out) {
      const int n = ++*calls;
      if (n % 2 == 0) out += "data: " + std::to_string(n) + "\n\n";  // every other call: none
      return n < 6;
    };
    r.stream_poll = milliseconds(5);
    return r;
  });
  RawConnection c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string got = c.Read(milliseconds(3000), "0\r\n\r\n");
  EXPECT_THAT(got, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(got, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(got, HasSubstr("text/event-stream"));
  EXPECT_THAT(got, HasSubstr("data: 2\n\n"));
  EXPECT_THAT(got, HasSubstr("data: 4\n\n"));
  EXPECT_THAT(got, HasSubstr("data: 6\n\n"));
  EXPECT_THAT(got, HasSubstr("\r\n0\r\n\r\n"));  // the last chunk
}

}  // namespace
}  // namespace trunkline::http
