// The HTTP server and client over real TCP on 127.0.0.1.
#include "trunkline/http/http.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace trunkline::http {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Server> StartServer(Handler handler, int threads = 1) {
  auto server = Server::Start(ServerOptions{"127.0.0.1", 0, threads}, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

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

}  // namespace
}  // namespace trunkline::http
