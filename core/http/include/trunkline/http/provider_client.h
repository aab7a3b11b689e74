// ProviderClient: how trunkline reaches provider APIs (Twilio, Plivo, ...) over HTTPS. It
// verifies the server's certificate chain and host name, goes through a proxy when one is
// configured (CONNECT for https), keeps connections alive and reuses them per (scheme, host,
// port) within a cap, gives each request one deadline, and completes asynchronously with a
// Result: errors are values, and their code says whether the request may have been applied.
// Plain http is allowed to loopback hosts only (the emulators in tests). It prints nothing:
// request headers carry credentials and never appear in messages.
//
// Thread-safety: safe for concurrent use. `done` callbacks run on the client's own io thread:
// they must not block or throw, may call AsyncSend, and must not destroy the client. The client
// owns its thread; destroying it completes every request still under way (see ~ProviderClient).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "trunkline/base/status.h"
#include "trunkline/http/http.h"

namespace trunkline::http {

// Which requests go through a proxy. A proxy is an HTTP proxy given as
// "http://[user:password@]host[:port]" (the scheme may be left out; the port defaults to
// 1080); its user and password, if any, go in a Proxy-Authorization header (Basic).
struct ProxyOptions {
  std::string https_proxy;  // https requests are tunnelled through it (CONNECT); empty: none
  std::string http_proxy;   // plain http requests are forwarded through it; empty: none
  // Hosts reached directly, a comma-separated list: "*" (every host), host names (each also
  // matching its subdomains; a leading dot is allowed: "example.com" and ".example.com" both
  // match "api.example.com"), IP addresses, and CIDR ranges ("10.0.0.0/8"). Case-insensitive.
  std::string no_proxy;
  // Loopback hosts (localhost, 127.0.0.0/8, ::1) are always reached directly unless this is
  // set (tests that run a proxy on 127.0.0.1).
  bool proxy_loopback = false;

  // From HTTPS_PROXY / https_proxy, HTTP_PROXY / http_proxy and NO_PROXY / no_proxy; when both
  // spellings are set, the lower-case one wins.
  static ProxyOptions FromEnvironment();

  // Whether a request to `host` (a name, or an IP address; IPv6 with or without brackets) is
  // made directly rather than through the proxy.
  bool Bypasses(std::string_view host) const;
};

struct ProviderClientOptions {
  // A PEM file of the certificate authorities to trust; empty: the system's store.
  std::string ca_file;
  // The whole of one request: waiting for a free connection, resolving, connecting, the
  // proxy's CONNECT, the TLS handshake, sending, and reading the complete answer.
  std::chrono::milliseconds timeout{30'000};
  // Connections open at once to one (scheme, host, port); requests beyond wait for one.
  uint32_t max_connections_per_host = 4;
  std::string user_agent = "trunkline";  // sent unless the request has a User-Agent
  // Unset: ProxyOptions::FromEnvironment() when the client is created.
  std::optional<ProxyOptions> proxy;
  // A kept-alive connection unused for this long is closed instead of reused.
  std::chrono::milliseconds idle_timeout{30'000};
  // An answer whose body is larger fails the request (kDeadlineExceeded: it was sent).
  size_t max_response_bytes = 64 * 1024 * 1024;
};

class ProviderClient {
 public:
  // Loads the trust store and the proxy settings and starts the io thread.
  // kInvalidArgument: the CA file (or the system's store) cannot be loaded, an option is out
  //   of range (a zero timeout or connection cap), or a proxy URL is malformed or not http.
  static Result<std::unique_ptr<ProviderClient>> Create(ProviderClientOptions options);

  // Completes every request still under way before returning: each one's `done` is called,
  // with kUnavailable if nothing of it was sent, else kDeadlineExceeded.
  // REQUIRES: not called from a `done` callback.
  ~ProviderClient();
  ProviderClient(const ProviderClient&) = delete;
  ProviderClient& operator=(const ProviderClient&) = delete;

  // Sends `request` to `base_url` ("https://trunking.twilio.com", "http://127.0.0.1:8123/pre")
  // with request.target ("/v1/Trunks?PageSize=50") appended to the base URL's path, and calls
  // `done` exactly once, on the client's io thread, never before AsyncSend has returned.
  // A Host header is set from the URL; User-Agent is added if the request has none.
  // Success: an answer arrived, whatever its HTTP status (the caller classifies it).
  // Errors, and what they ask of the caller:
  //   kInvalidArgument: the URL or the request is unusable (not http or https, a query or
  //     user info in the base URL, a target not starting with "/", a method or header that is
  //     not a valid token or contains a line break), or the URL is plain http to a host that
  //     is not loopback. Nothing was sent; do not retry.
  //   kUnavailable: nothing of the request was sent: no free connection within the timeout,
  //     the name did not resolve, the connection or the proxy's CONNECT failed, or the TLS
  //     handshake did (the server's certificate refused: "certificate verify failed: <why>
  //     for host <host>"), or the client was being destroyed. Safe to retry with backoff.
  //   kDeadlineExceeded: the request went out (some of it at least) but no complete answer
  //     came back within the timeout, or the connection broke, or the answer was malformed or
  //     too large. It may have been applied: observe before sending it again.
  // A kept-alive connection that the server closed is never used: one seen closed is
  // dropped before sending; one whose write fails before any byte is accepted is replaced by a
  // new connection and the request sent again, once.
  void AsyncSend(const std::string& base_url, Request request,
                 std::function<void(Result<Response>)> done);

  // AsyncSend, waiting for the outcome. kFailedPrecondition when called from a `done`
  // callback (on the io thread, where it would wait forever).
  Result<Response> Send(const std::string& base_url, Request request);

  // Connections opened since the client was created (through a proxy or not).
  uint64_t connections_opened() const;

 private:
  struct Impl;
  explicit ProviderClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trunkline::http
