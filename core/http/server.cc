// The HTTP/1.1 server, on plain TCP or TLS: one coroutine per connection, the same session
// code over either stream.
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdio>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "beast_border.h"
#include "trunkline/http/http.h"

namespace trunkline::http {
namespace {

using namespace internal;  // NOLINT: the Asio and Beast aliases

// A failed accept is retried after a pause that doubles while failures go on.
constexpr std::chrono::milliseconds kFirstAcceptPause{10};
constexpr std::chrono::milliseconds kLongestAcceptPause{1000};
// After refusing a request, what the client still sends is read (and dropped) for this long
// or up to this much before the connection closes, so that the refusal is not lost to a
// TCP RST triggered by unread bytes.
constexpr std::chrono::milliseconds kDrainTime{500};
constexpr size_t kDrainBytes = 1024 * 1024;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

Request FromBeast(const bhttp::request<bhttp::string_body>& in) {
  Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& field : in) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = in.body();
  return out;
}

// The answer the server itself gives to a request it could not read, if any: 431 and 413
// over the limits, 400 for anything malformed. nullopt: the connection broke, the client
// closed it, or it timed out; nothing is answered.
std::optional<bhttp::status> RefusalFor(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return bhttp::status::request_header_fields_too_large;
  if (ec == bhttp::error::body_limit) return bhttp::status::payload_too_large;
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category() ||
      ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == bhttp::error::short_read) {
    return std::nullopt;
  }
  return bhttp::status::bad_request;
}

// Half-closes, then reads and drops what the client still sends, for a bounded time and
// size: closing with unread bytes would reset the connection and could destroy the answer
// before the client reads it.
template <typename Stream>
asio::awaitable<void> DrainAndClose(Stream& stream) {
  beast::error_code ignored;
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
  tcp.expires_after(kDrainTime);
  char sink[4096];
  for (size_t drained = 0; drained < kDrainBytes;) {
    auto [error, n] = co_await stream.async_read_some(asio::buffer(sink), kAwait);
    if (error) break;
    drained += n;
  }
  tcp.socket().close(ignored);
}

}  // namespace

struct Server::Impl {
  // Both are destroyed by Stop(): destroying the context destroys every suspended session,
  // which closes its socket, so clients see the connection end at once.
  std::optional<asio::io_context> ioc{std::in_place};
  std::optional<tcp::acceptor> acceptor{std::in_place, *ioc};
  std::unique_ptr<ssl::context> tls;  // null: plain TCP
  ServerOptions options;
  AsyncHandler handler;
  std::vector<std::thread> threads;
  std::once_flag stopped;
  uint16_t port = 0;
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> accept_failures{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<bool> draining{false};  // Shutdown: live answers end

  asio::awaitable<void> PlainSession(tcp::socket socket);
  asio::awaitable<void> TlsSession(tcp::socket socket);
  template <typename Stream>
  asio::awaitable<void> Session(Stream& stream);
  template <typename Stream>
  asio::awaitable<void> Refuse(Stream& stream, bhttp::status status);
  asio::awaitable<void> Listen();
  template <typename Stream>
  asio::awaitable<void> WriteLive(Stream& stream, unsigned version, Response out);
  asio::awaitable<Response> Answer(const bhttp::request<bhttp::string_body>& req);
};

namespace {

Response HandlerFailed(const char* what) {
  return Response{500, {{"Content-Type", "text/plain"}}, std::string("handler failed: ") + what};
}

// Hands the handler's answer to the waiting session on the session's executor, once.
template <typename Completion>
class OneAnswer {
 public:
  explicit OneAnswer(Completion completion) : completion_(std::move(completion)) {}
  void operator()(Response response) {
    if (answered_.exchange(true)) return;
    auto executor = asio::get_associated_executor(completion_);
    asio::dispatch(executor, [c = std::move(completion_), r = std::move(response)]() mutable {
      std::move(c)(std::move(r));
    });
  }

 private:
  Completion completion_;
  std::atomic<bool> answered_{false};
};

}  // namespace

asio::awaitable<Response> Server::Impl::Answer(const bhttp::request<bhttp::string_body>& req) {
  const Request request = FromBeast(req);
  auto [response] = co_await asio::async_initiate<decltype(kAwait), void(Response)>(
      [&](auto completion) {
        auto once = std::make_shared<OneAnswer<decltype(completion)>>(std::move(completion));
        Respond respond = [once](Response r) { (*once)(std::move(r)); };
        try {
          handler(request, respond);
        } catch (const std::exception& e) {
          respond(HandlerFailed(e.what()));
        } catch (...) {
          respond(HandlerFailed("an exception that is not a std::exception"));
        }
      },
      kAwait);
  co_return std::move(response);
}

template <typename Stream>
asio::awaitable<void> Server::Impl::Refuse(Stream& stream, bhttp::status status) {
  bhttp::response<bhttp::string_body> res{status, 11};
  res.set(bhttp::field::content_type, "text/plain");
  std::string why(bhttp::obsolete_reason(status));
  if (status == bhttp::status::request_header_fields_too_large) {
    why += ": the request line and header fields may take " +
           std::to_string(options.max_header_bytes) + " bytes";
  } else if (status == bhttp::status::payload_too_large) {
    why += ": a body may take " + std::to_string(options.max_body_bytes) + " bytes";
  }
  res.body() = why + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(options.write_timeout);
  auto [error, written] = co_await bhttp::async_write(stream, res, kAwait);
  if (!error) co_await DrainAndClose(stream);
}

// One connection: wait (idle_timeout) for the first byte of a request, read the whole
// request (request_timeout, within the size limits), answer it (write_timeout), and again
// while it is kept alive.
template <typename Stream>
asio::awaitable<void> Server::Impl::Session(Stream& stream) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  beast::error_code ignored;
  for (;;) {
    if (buffer.size() == 0) {
      tcp.expires_after(options.idle_timeout);
      auto [idle_error, n] = co_await stream.async_read_some(buffer.prepare(4096), kAwait);
      if (idle_error) break;  // closed by the client, or idle too long
      buffer.commit(n);
    }
    // In flight from its first byte: Shutdown waits for a request the server has begun to read.
    ++in_flight;
    struct Done {
      std::atomic<uint64_t>* n;
      void Now() {
        if (n != nullptr) --*n;
        n = nullptr;
      }
      ~Done() { Now(); }
    } done{&in_flight};
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(
        std::min<size_t>(options.max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser.body_limit(options.max_body_bytes);
    tcp.expires_after(options.request_timeout);
    auto [read_error, read_bytes] = co_await bhttp::async_read(stream, buffer, parser, kAwait);
    if (read_error) {
      if (auto status = RefusalFor(read_error)) co_await Refuse(stream, *status);
      break;
    }
    const bhttp::request<bhttp::string_body> req = parser.release();
    tcp.expires_never();
    Response out = co_await Answer(req);
    if (out.delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, out.delay);
      co_await timer.async_wait(kAwait);
    }
    if (out.delivery == Response::Delivery::kReset) {
      tcp.socket().set_option(asio::socket_base::linger(true, 0), ignored);
      tcp.socket().close(ignored);
      co_return;
    }
    if (out.delivery == Response::Delivery::kDrop) break;
    if (out.stream) {
      done.Now();  // a live answer is not a request in flight: Shutdown ends it
      co_await WriteLive(stream, req.version(), std::move(out));
      break;
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), req.version()};
    for (const Header& h : out.headers) res.set(h.name, h.value);
    res.body() = std::move(out.body);
    res.keep_alive(req.keep_alive() && !draining.load());  // draining: the last one
    res.prepare_payload();
    tcp.expires_after(options.write_timeout);
    auto [write_error, written] = co_await bhttp::async_write(stream, res, kAwait);
    if (write_error || !res.keep_alive()) break;
  }
  tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// A live answer: the header, then a chunk whenever `out.stream` has something, until it
// says the end, the client goes away or the server stops. The connection then closes.
template <typename Stream>
asio::awaitable<void> Server::Impl::WriteLive(Stream& stream, unsigned version, Response out) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(out.status), version};
  for (const Header& h : out.headers) res.set(h.name, h.value);
  res.keep_alive(false);
  res.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer{res};
  tcp.expires_after(options.write_timeout);
  auto [header_error, header_bytes] =
      co_await bhttp::async_write_header(stream, serializer, kAwait);
  if (header_error) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (bool more = true; more && !draining.load();) {
    std::string chunk;
    try {
      more = out.stream(chunk);
    } catch (...) {
      more = false;  // the source failed: end the answer rather than the server
    }
    if (!chunk.empty()) {
      tcp.expires_after(options.write_timeout);
      auto [error, n] =
          co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(chunk)), kAwait);
      if (error) co_return;
    } else if (more) {
      timer.expires_after(out.stream_poll);
      co_await timer.async_wait(kAwait);
    }
  }
  tcp.expires_after(options.write_timeout);
  co_await asio::async_write(stream, bhttp::make_chunk_last(), kAwait);
}

asio::awaitable<void> Server::Impl::PlainSession(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  co_await Session(stream);
}

// The TLS handshake (within request_timeout), then the session over the TLS stream.
asio::awaitable<void> Server::Impl::TlsSession(tcp::socket socket) {
  TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
  beast::get_lowest_layer(stream).expires_after(options.request_timeout);
  auto [error] = co_await stream.async_handshake(ssl::stream_base::server, kAwait);
  if (error) co_return;
  co_await Session(stream);
}

// Accepts until the acceptor closes. A failed accept (EMFILE, ENFILE, ENOBUFS, ...) would
// fail again at once while its cause lasts, so it is retried after a pause; the first
// failure of a run and the recovery go to stderr.
asio::awaitable<void> Server::Impl::Listen() {
  std::chrono::milliseconds pause = kFirstAcceptPause;
  uint64_t failures_in_run = 0;
  for (;;) {
    auto [error, socket] = co_await acceptor->async_accept(kAwait);
    if (!error) {
      if (failures_in_run > 0) {
        std::fprintf(stderr, "trunkline http: port %u accepting again after %llu failed accepts\n",
                     port, static_cast<unsigned long long>(failures_in_run));
      }
      failures_in_run = 0;
      pause = kFirstAcceptPause;
      ++accepted;
      if (tls) {
        asio::co_spawn(*ioc, TlsSession(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(*ioc, PlainSession(std::move(socket)), asio::detached);
      }
      continue;
    }
    if (error == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    ++accept_failures;
    if (failures_in_run++ == 0) {
      std::fprintf(stderr, "trunkline http: port %u cannot accept: %s; retrying\n", port,
                   error.message().c_str());
    }
    asio::steady_timer timer(*ioc, pause);
    co_await timer.async_wait(kAwait);
    pause = std::min(pause * 2, kLongestAcceptPause);
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler) {
  return Start(options, [handler = std::move(handler)](const Request& request, Respond respond) {
    respond(handler(request));
  });
}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, AsyncHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  if (options.tls) {
    auto context = internal::MakeServerContext(*options.tls);
    if (!context.ok()) return context.status();
    impl->tls = std::move(*context);
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgumentError("address: " + ec.message());
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.address + ":" + std::to_string(options.port);
  tcp::acceptor& acceptor = *impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return UnavailableError("opening " + where + ": " + ec.message());
  }
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    return UnavailableError("binding " + where + ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("listening on " + where + ": " + ec.message());
  }
  impl->port = acceptor.local_endpoint(ec).port();
  asio::co_spawn(*impl->ioc, impl->Listen(), asio::detached);
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    impl->threads.emplace_back([io = &*impl->ioc] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

uint64_t Server::connections_accepted() const { return impl_->accepted.load(); }

uint64_t Server::accept_failures() const { return impl_->accept_failures.load(); }

uint64_t Server::requests_in_flight() const { return impl_->in_flight.load(); }

void Server::Shutdown(std::chrono::milliseconds grace) {
  impl_->draining = true;
  if (impl_->ioc) {
    asio::post(*impl_->ioc, [impl = impl_.get()] {
      beast::error_code ignored;
      if (impl->acceptor) impl->acceptor->close(ignored);
    });
  }
  const auto until = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Stop();
}

void Server::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->ioc->stop();
    for (std::thread& t : impl_->threads) t.join();
    impl_->acceptor.reset();
    impl_->ioc.reset();
  });
}

}  // namespace trunkline::http
