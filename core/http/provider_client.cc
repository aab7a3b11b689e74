// ProviderClient. Design: one io thread runs everything (the pools, the connections, the
// request coroutines), so no state here needs a lock; AsyncSend posts each request to it as
// a coroutine: Acquire (an idle kept-alive connection, a slot to open one, or a place in the
// host's queue), Open (resolve, connect, CONNECT through a proxy, TLS handshake), Transfer
// (write the request, read the answer), then the connection goes back to the pool or is
// closed. Every step of a request runs against one deadline. What a failure means follows
// from how far the request got: before any byte of it was written, kUnavailable; after,
// kDeadlineExceeded.
#include "trunkline/http/provider_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <future>
#include <thread>

#include "connection_pool.h"
#include "origin.h"

namespace trunkline::http {

using namespace internal;  // NOLINT: the Asio and Beast aliases

namespace {

using Clock = std::chrono::steady_clock;

// One request as it goes through the client.
struct Job {
  Origin origin;
  const ProxyEndpoint* proxy = nullptr;  // the route; null: direct
  bhttp::request<bhttp::string_body> req;
  std::string what;  // "POST https://host:443/v1/Trunks": for messages (no query, no header)
  Clock::time_point deadline;
  std::function<void(Result<Response>)> done;
  std::optional<Result<Response>> result;
};

// The outcome of one attempt on one connection.
struct Transferred {
  Result<Response> result;
  bool nothing_sent = false;  // no byte of the request was accepted: safe to send again
  bool keep = false;          // the connection may serve another request
};

bool IsToken(std::string_view s) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && kExtra.find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool IsTarget(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  for (unsigned char c : s) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

Response FromBeast(bhttp::response<bhttp::string_body>& in) {
  Response out;
  out.status = static_cast<int>(in.result_int());
  for (const auto& field : in) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = std::move(in.body());
  return out;
}

}  // namespace

struct ProviderClient::Impl {
  ProviderClientOptions options;
  ProxyOptions proxy;
  std::optional<ProxyEndpoint> https_proxy;
  std::optional<ProxyEndpoint> http_proxy;
  std::unique_ptr<ssl::context> tls;
  // Declared before what holds sockets and timers, so that it is destroyed after them.
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  ConnectionPools pools{ioc};
  std::thread thread;
  std::atomic<uint64_t> opened{0};

  std::string Reason(const beast::error_code& ec) const;
  Status Prepare(Job& job, const std::string& base_url, Request& request) const;
  asio::awaitable<void> Run(std::shared_ptr<Job> job);
  asio::awaitable<Result<Response>> Exchange(Job& job);
  asio::awaitable<Result<std::shared_ptr<Connection>>> Open(const Job& job);
  asio::awaitable<Status> Tunnel(Connection& conn, const Job& job);
  asio::awaitable<Status> Handshake(Connection& conn, const Job& job);
  asio::awaitable<Transferred> Transfer(Connection& conn, Job& job);
};

std::string ProviderClient::Impl::Reason(const beast::error_code& ec) const {
  if (pools.stopping()) return "the client shut down";
  if (ec == beast::error::timeout) {
    return "timed out (" + std::to_string(options.timeout.count()) + " ms for the request)";
  }
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated ||
      ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return "the connection was closed";
  }
  return ec.message();
}

// Checks the URL and the request and builds what goes on the wire.
Status ProviderClient::Impl::Prepare(Job& job, const std::string& base_url,
                                     Request& request) const {
  TRUNKLINE_ASSIGN_OR_RETURN(job.origin, ParseBaseUrl(base_url));
  if (!IsToken(request.method)) return InvalidArgumentError("method is not an HTTP token");
  if (!IsTarget(request.target)) {
    return InvalidArgumentError("target must start with \"/\" and hold no space or control");
  }
  for (const Header& h : request.headers) {
    if (!IsToken(h.name) || !IsFieldValue(h.value)) {
      return InvalidArgumentError("header \"" + h.name + "\" is malformed (its value not shown)");
    }
  }
  const ProxyEndpoint* route = job.origin.https ? (https_proxy ? &*https_proxy : nullptr)
                                                : (http_proxy ? &*http_proxy : nullptr);
  if (route != nullptr && !proxy.Bypasses(job.origin.host)) job.proxy = route;

  const std::string path = job.origin.path + request.target;
  const std::string url = job.origin.Key() + path.substr(0, path.find('?'));
  job.what = request.method + " " + url;
  // Plain http through a proxy names the whole URL; https is tunnelled, so the path alone.
  const bool absolute = job.proxy != nullptr && !job.origin.https;
  auto& req = job.req;
  req.version(11);
  req.method_string(request.method);
  req.target(absolute ? (job.origin.Key() + path) : path);
  for (Header& h : request.headers) req.insert(h.name, h.value);
  req.set(bhttp::field::host, job.origin.HostHeader());
  if (req.find(bhttp::field::user_agent) == req.end()) {
    req.set(bhttp::field::user_agent, options.user_agent);
  }
  if (absolute && !job.proxy->authorization.empty()) {
    req.set(bhttp::field::proxy_authorization, job.proxy->authorization);
  }
  req.body() = std::move(request.body);
  req.keep_alive(true);
  req.prepare_payload();
  return OkStatus();
}

asio::awaitable<void> ProviderClient::Impl::Run(std::shared_ptr<Job> job) {
  job->result.emplace(co_await Exchange(*job));
}

// Acquire, Open when no kept-alive connection is free, Transfer; once more on a new
// connection when a kept-alive one turned out closed before any byte was accepted.
asio::awaitable<Result<Response>> ProviderClient::Impl::Exchange(Job& job) {
  const std::string key = job.origin.Key();
  for (int attempt = 0;; ++attempt) {
    auto grant = co_await pools.Acquire(key, job.deadline, options);
    if (!grant.ok()) co_return grant.status();
    Lease lease = std::move(*grant);
    const bool reused = lease.conn != nullptr;
    if (!reused) {
      auto opened_conn = co_await Open(job);
      if (!opened_conn.ok()) co_return opened_conn.status();
      lease.conn = std::move(*opened_conn);
    }
    Transferred out = co_await Transfer(*lease.conn, job);
    if (out.nothing_sent && reused && attempt == 0 && !pools.stopping()) continue;
    if (out.keep) lease.Return();
    co_return std::move(out.result);
  }
}

// Resolves and connects to the server or the proxy, tunnels through the proxy for https,
// and shakes hands.
asio::awaitable<Result<std::shared_ptr<Connection>>> ProviderClient::Impl::Open(const Job& job) {
  const std::string& host = job.proxy ? job.proxy->host : job.origin.host;
  const uint16_t port = job.proxy ? job.proxy->port : job.origin.port;
  const std::string where = (job.proxy ? "proxy " : "") + host + ":" + std::to_string(port);
  if (pools.stopping()) co_return UnavailableError(job.what + ": the client shut down");
  auto [resolve_error, endpoints] = co_await pools.Resolve(host, port, job.deadline);
  if (resolve_error) {
    co_return UnavailableError(job.what + ": resolving " + host + ": " + Reason(resolve_error));
  }
  auto conn = pools.NewConnection();
  conn->plain->expires_at(job.deadline);
  auto [connect_error, endpoint] = co_await conn->plain->async_connect(endpoints, kAwait);
  if (connect_error) {
    co_return UnavailableError(job.what + ": connecting to " + where + ": " +
                               Reason(connect_error));
  }
  ++opened;
  if (job.proxy && job.origin.https) {
    if (Status s = co_await Tunnel(*conn, job); !s.ok()) co_return s;
  }
  if (job.origin.https) {
    if (Status s = co_await Handshake(*conn, job); !s.ok()) co_return s;
  }
  co_return conn;
}

// Asks the proxy for a tunnel to the server (CONNECT host:port) and reads its answer.
asio::awaitable<Status> ProviderClient::Impl::Tunnel(Connection& conn, const Job& job) {
  const std::string via = job.proxy->host + ":" + std::to_string(job.proxy->port);
  const std::string authority = job.origin.Authority();
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, authority, 11};
  req.set(bhttp::field::host, authority);
  req.set(bhttp::field::user_agent, options.user_agent);
  if (!job.proxy->authorization.empty()) {
    req.set(bhttp::field::proxy_authorization, job.proxy->authorization);
  }
  auto [write_error, written] = co_await bhttp::async_write(*conn.plain, req, kAwait);
  if (write_error) {
    co_return UnavailableError(job.what + ": CONNECT to proxy " + via + ": " + Reason(write_error));
  }
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // an answer to CONNECT has no body: the tunnel follows
  auto [read_error, read] = co_await bhttp::async_read(*conn.plain, conn.buffer, parser, kAwait);
  if (read_error) {
    co_return UnavailableError(job.what + ": CONNECT to proxy " + via + ": " + Reason(read_error));
  }
  const auto& res = parser.get();
  if (res.result_int() / 100 != 2) {
    co_return UnavailableError(job.what + ": proxy " + via + " refused CONNECT " + authority +
                               ": " + std::to_string(res.result_int()) + " " +
                               std::string(res.reason()));
  }
  if (conn.buffer.size() != 0) {
    co_return UnavailableError(job.what + ": proxy " + via + " sent data before the tunnel");
  }
  co_return OkStatus();
}

// The TLS handshake, verifying the chain and the host name (an IP address against the
// certificate's IP entries); SNI names the host unless it is an IP address.
asio::awaitable<Status> ProviderClient::Impl::Handshake(Connection& conn, const Job& job) {
  conn.tls = std::make_unique<TlsStream>(std::move(*conn.plain), *tls);
  conn.plain.reset();
  SSL* ssl = conn.tls->native_handle();
  const std::string& host = job.origin.host;
  bool named = false;
  if (job.origin.host_is_ip) {
    named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  } else {
    named =
        SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
  }
  if (!named) co_return UnavailableError(job.what + ": cannot verify host " + host);
  auto [error] = co_await conn.tls->async_handshake(ssl::stream_base::client, kAwait);
  if (error) {
    co_return UnavailableError(job.what + ": TLS handshake with " + job.origin.Authority() + ": " +
                               (pools.stopping() ? Reason(error) : HandshakeFailure(ssl, error)) +
                               " for host " + host);
  }
  co_return OkStatus();
}

// Writes the request and reads the whole answer, within the deadline.
asio::awaitable<Transferred> ProviderClient::Impl::Transfer(Connection& conn, Job& job) {
  conn.tcp().expires_at(job.deadline);
  auto [write_error, written] = co_await conn.Write(job.req);
  if (write_error) {
    if (written == 0) {
      co_return Transferred{UnavailableError(job.what + ": sending: " + Reason(write_error)), true,
                            false};
    }
    co_return Transferred{DeadlineExceededError(job.what + ": sending: " + Reason(write_error) +
                                                "; it may have been applied"),
                          false, false};
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  if (job.req.method() == bhttp::verb::head) parser.skip(true);
  auto [read_error, read] = co_await conn.Read(parser);
  if (read_error) {
    co_return Transferred{DeadlineExceededError(job.what + ": no complete answer: " +
                                                Reason(read_error) + "; it may have been applied"),
                          false, false};
  }
  auto res = parser.release();
  conn.tcp().expires_never();
  const bool keep = res.keep_alive() && conn.buffer.size() == 0;
  co_return Transferred{FromBeast(res), false, keep};
}

ProviderClient::ProviderClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ProviderClient>> ProviderClient::Create(ProviderClientOptions options) {
  if (options.timeout.count() <= 0) return InvalidArgumentError("timeout must be positive");
  if (options.max_connections_per_host == 0) {
    return InvalidArgumentError("max_connections_per_host must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->proxy = options.proxy ? *options.proxy : ProxyOptions::FromEnvironment();
  TRUNKLINE_ASSIGN_OR_RETURN(impl->https_proxy, ParseProxyUrl(impl->proxy.https_proxy));
  TRUNKLINE_ASSIGN_OR_RETURN(impl->http_proxy, ParseProxyUrl(impl->proxy.http_proxy));
  TRUNKLINE_ASSIGN_OR_RETURN(impl->tls, MakeClientContext(options.ca_file));
  impl->options = std::move(options);
  impl->work.emplace(impl->ioc.get_executor());
  impl->thread = std::thread([io = &impl->ioc] { io->run(); });
  return std::unique_ptr<ProviderClient>(new ProviderClient(std::move(impl)));
}

ProviderClient::~ProviderClient() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->pools.Stop(); });
  impl_->work.reset();
  impl_->thread.join();
}

void ProviderClient::AsyncSend(const std::string& base_url, Request request,
                               std::function<void(Result<Response>)> done) {
  auto job = std::make_shared<Job>();
  job->deadline = Clock::now() + impl_->options.timeout;
  job->done = std::move(done);
  if (Status s = impl_->Prepare(*job, base_url, request); !s.ok()) {
    asio::post(impl_->ioc, [job, s] { job->done(s); });
    return;
  }
  asio::post(impl_->ioc, [impl = impl_.get(), job] {
    asio::co_spawn(impl->ioc, impl->Run(job), [job](std::exception_ptr e) {
      if (e || !job->result) job->result.emplace(InternalError(job->what + ": failed"));
      job->done(std::move(*job->result));
    });
  });
}

Result<Response> ProviderClient::Send(const std::string& base_url, Request request) {
  if (impl_->ioc.get_executor().running_in_this_thread()) {
    return FailedPreconditionError("ProviderClient::Send called from a completion callback");
  }
  std::promise<Result<Response>> promise;
  auto future = promise.get_future();
  AsyncSend(base_url, std::move(request),
            [&promise](Result<Response> r) { promise.set_value(std::move(r)); });
  return future.get();
}

uint64_t ProviderClient::connections_opened() const { return impl_->opened.load(); }

}  // namespace trunkline::http
