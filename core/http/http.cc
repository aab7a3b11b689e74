// The simple blocking keep-alive client on plain TCP, and header lookup. Errors from
// Asio/Beast are values (error_code), never exceptions across a completion.
#include "trunkline/http/http.h"

#include <poll.h>
#include <strings.h>

#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "beast_border.h"

namespace trunkline::http {

using namespace internal;  // NOLINT: the Asio and Beast aliases

std::optional<std::string> FindHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return h.value;
    }
  }
  return std::nullopt;
}

struct Client::Impl {
  ClientOptions options;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Whether the server has closed the kept-alive connection (or sent something unasked,
  // such as a timeout answer before closing): an idle connection has nothing to read.
  bool PeerClosed() {
    pollfd p{stream->socket().native_handle(), POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) != 0;
  }

  // Runs the pending asynchronous operation to completion (or its deadline).
  void RunPending() {
    ioc.restart();
    ioc.run();
  }

  Status Connect() {
    stream.emplace(ioc);
    buffer.clear();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec) return UnavailableError("resolving " + options.host + ": " + ec.message());
    stream->expires_after(options.timeout);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    RunPending();
    if (ec) {
      stream.reset();
      return UnavailableError("connecting to " + options.host + ":" + std::to_string(options.port) +
                              ": " + ec.message());
    }
    return OkStatus();
  }

  beast::error_code Write(bhttp::request<bhttp::string_body>& req) {
    beast::error_code ec;
    stream->expires_after(options.timeout);
    bhttp::async_write(*stream, req, [&](beast::error_code e, size_t) { ec = e; });
    RunPending();
    return ec;
  }

  beast::error_code Read(bhttp::response<bhttp::string_body>& res) {
    beast::error_code ec;
    stream->expires_after(options.timeout);
    bhttp::async_read(*stream, buffer, res, [&](beast::error_code e, size_t) { ec = e; });
    RunPending();
    return ec;
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Client::~Client() = default;

Result<Response> Client::Send(const Request& request) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
  if (req.method() == bhttp::verb::unknown) req.method_string(request.method);
  for (const Header& h : request.headers) req.set(h.name, h.value);
  if (!FindHeader(request.headers, "Host")) {
    req.set(bhttp::field::host, impl_->options.host + ":" + std::to_string(impl_->options.port));
  }
  req.body() = request.body;
  req.keep_alive(true);
  req.prepare_payload();

  // A kept-alive connection the server has since closed is seen here, or fails on write:
  // either way, reconnect once.
  if (impl_->stream && impl_->PeerClosed()) impl_->stream.reset();
  const bool reused = impl_->stream.has_value();
  if (!reused) TRUNKLINE_RETURN_IF_ERROR(impl_->Connect());
  beast::error_code ec = impl_->Write(req);
  if (ec && reused) {
    TRUNKLINE_RETURN_IF_ERROR(impl_->Connect());
    ec = impl_->Write(req);
  }
  if (ec) {
    impl_->stream.reset();
    return DeadlineExceededError("sending " + request.method + " " + request.target + ": " +
                                 ec.message() + "; it may have been applied");
  }
  bhttp::response<bhttp::string_body> res;
  if (ec = impl_->Read(res); ec) {
    impl_->stream.reset();
    return DeadlineExceededError("no answer to " + request.method + " " + request.target + ": " +
                                 ec.message() + "; it may have been applied");
  }
  if (!res.keep_alive()) impl_->stream.reset();
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace trunkline::http
