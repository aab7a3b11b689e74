// HTTP/1.1 for trunkline's own servers (today the provider emulators, on TCP or TLS) and a
// simple client: a small server that runs a handler per request, and a blocking keep-alive
// client on plain TCP with timeouts whose failures are Status values. The client for
// provider APIs (HTTPS, proxies, a connection pool, asynchronous completion) is
// ProviderClient in provider_client.h. No third-party type appears here; the .cc files of
// core/http are the only Beast code of the core.
//
// Thread-safety: a Server is safe to stop from any thread; its handler is called from the
// server's threads, concurrently when it has more than one. A Client is not thread-safe
// (one connection, one request at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/status.h"

namespace trunkline::http {

struct Header {
  std::string name;
  std::string value;
};

// Case-insensitive header lookup: the first header named `name`, if any.
std::optional<std::string> FindHeader(const std::vector<Header>& headers, std::string_view name);

struct Request {
  std::string method = "GET";
  std::string target = "/";  // path and query, e.g. "/v1/Trunks?PageSize=50"
  std::vector<Header> headers;
  std::string body;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  // How the server delivers it; the emulators use these to play a faulty network.
  enum class Delivery {
    kAnswer,  // send it
    kDrop,    // close the connection without answering
    kReset,   // abort the connection (TCP RST) without answering
  };
  Delivery delivery = Delivery::kAnswer;
  // Wait this long first (on a timer: no server thread is held meanwhile).
  std::chrono::milliseconds delay{0};

  // Set: a live answer (Server-Sent Events, JSON Lines that go on): the headers go out at
  // once and the body in chunks (Transfer-Encoding: chunked) from `stream`, not `body`. The
  // server calls it again and again, on its threads (it must not block): it appends what it
  // has to `out` (maybe nothing) and returns false to end the answer. After a call that gave
  // nothing the server waits `stream_poll` before the next. The answer also ends when the
  // client goes away or the server stops; write_timeout applies to each chunk.
  std::function<bool(std::string& out)> stream;
  std::chrono::milliseconds stream_poll{100};
};

// Answers one request. An exception escaping it becomes a 500 answer.
using Handler = std::function<Response(const Request&)>;

// Answers one request later, without holding a server thread meanwhile: the handler passes
// `respond` on (to a completion of its own, say) and calls it once, from any thread. A
// second call is ignored; an exception escaping the handler itself becomes a 500 answer.
// While no answer comes, the connection waits (no timeout applies): answer every request.
using Respond = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, Respond)>;

// A certificate chain and its private key, in PEM, each given as text or as a file path
// (the text wins when both are set). The chain starts with the server's own certificate.
struct TlsIdentity {
  std::string certificate_chain_pem;
  std::string certificate_chain_file;
  std::string private_key_pem;
  std::string private_key_file;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port())
  int threads = 1;

  // A connection with no request under way (just accepted, or kept alive after an answer)
  // is closed when no byte of a request arrives for this long.
  std::chrono::milliseconds idle_timeout{60'000};
  // From its first byte, a request (header and body) must arrive within this, however
  // steadily its bytes trickle in; otherwise the connection is closed unanswered.
  std::chrono::milliseconds request_timeout{10'000};
  // An answer must be taken by the client within this; otherwise the connection is closed.
  std::chrono::milliseconds write_timeout{10'000};
  // Requests over these limits, and malformed requests, are answered by the server itself
  // without calling the handler: 431 (request line and header fields over
  // max_header_bytes), 413 (body over max_body_bytes), 400 (malformed: not HTTP/1.x, a bad
  // field, length or chunk); the connection is then closed. Other connections go on.
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  // Set: every connection is TLS (1.2 or later) with this identity; the handshake must end
  // within request_timeout. Unset: plain TCP.
  std::optional<TlsIdentity> tls;
};

class Server {
 public:
  // Binds, listens, and starts serving on its own threads. A failed accept (out of file
  // descriptors, say) is written to stderr and retried after a short pause (10 ms, doubling
  // up to 1 s while failures go on): the server keeps accepting once the cause has passed.
  // kInvalidArgument: `options.address` is not an IP address, or `options.tls` cannot be
  //   used (a file unreadable, a PEM block malformed, a key not matching the certificate).
  // kUnavailable: the address cannot be bound (message says why).
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler);
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, AsyncHandler handler);
  ~Server();  // Stop()s

  uint16_t port() const;
  // Connections accepted since the start.
  uint64_t connections_accepted() const;
  // Accepts that failed since the start (each one retried after the pause).
  uint64_t accept_failures() const;
  // Requests read and not yet answered (or whose answer is being written).
  uint64_t requests_in_flight() const;
  // A graceful stop: closes the listener, ends live answers (Response::stream), waits up to
  // `grace` for the requests in flight to be answered, then Stop()s. Connections idle meanwhile are closed by the Stop.
  void Shutdown(std::chrono::milliseconds grace);
  // Closes the listener and every connection and joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::chrono::milliseconds timeout{5000};  // for connecting, and for each request
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` over the kept-alive connection (connecting first when needed, and
  // again when the server has closed the kept-alive one, e.g. on its idle timeout) and
  // returns the answer, whatever its status code. A "Host" header is added if missing.
  // Errors:
  //   kUnavailable: no connection could be made; the request was not sent.
  //   kDeadlineExceeded: no complete answer in time, or the connection broke after the
  //     request went out; it may have been applied: observe before sending it again.
  Result<Response> Send(const Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trunkline::http
