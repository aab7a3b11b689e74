// Private to core/http: the provider client's connections and their pools, one pool per
// (scheme, host, port), each with a cap on open connections and a queue of requests waiting
// for one. Everything here runs on the client's one io thread: no locks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "beast_border.h"
#include "trunkline/http/provider_client.h"

namespace trunkline::http::internal {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
class ConnectionPools;

// One connection to a server (directly or through a proxy's tunnel): plain until the TLS
// handshake moves it into `tls`.
struct Connection {
  explicit Connection(ConnectionPools& pools);  // tracked by `pools` until destroyed
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  // Whether it must not be used again: the server closed or reset it, or sent something
  // unasked (a connection at rest has nothing to read).
  bool SeemsClosed();
  void Close();

  auto Write(bhttp::request<bhttp::string_body>& req) {
    return tls ? bhttp::async_write(*tls, req, kAwait) : bhttp::async_write(*plain, req, kAwait);
  }
  auto Read(bhttp::response_parser<bhttp::string_body>& parser) {
    return tls ? bhttp::async_read(*tls, buffer, parser, kAwait)
               : bhttp::async_read(*plain, buffer, parser, kAwait);
  }

  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;

 private:
  ConnectionPools& pools_;
};

// A claim on one connection slot of a pool, holding the connection once it is open.
// Destroyed without Return(): the connection (if any) is closed and the slot freed.
class Lease {
 public:
  Lease(ConnectionPools* pools, std::string key, std::shared_ptr<Connection> connection);
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  // Gives the connection back for reuse (or to the first request waiting for one).
  void Return();

  std::shared_ptr<Connection> conn;  // null: the slot is free to open a connection into

 private:
  ConnectionPools* pools_;
  std::string key_;
};

class ConnectionPools {
 public:
  explicit ConnectionPools(asio::io_context& ioc) : ioc_(ioc) {}

  // A lease on the pool `key`: an idle connection still usable, else a free slot (under
  // options.max_connections_per_host), else the first of either to come back, waited for
  // in order of arrival until `deadline`.
  // kUnavailable: none before the deadline, or the pools are stopping.
  asio::awaitable<Result<Lease>> Acquire(const std::string& key,
                                         std::chrono::steady_clock::time_point deadline,
                                         const ProviderClientOptions& options);
  std::shared_ptr<Connection> NewConnection();  // plain, not connected yet

  // Resolves `host`, giving up at `deadline` (beast::error::timeout) even while the system's
  // resolver goes on, or when the pools stop (operation_aborted).
  using Resolved = std::pair<beast::error_code, tcp::resolver::results_type>;
  asio::awaitable<Resolved> Resolve(const std::string& host, uint16_t port,
                                    std::chrono::steady_clock::time_point deadline);

  // Closes every connection (idle or in use), cancels resolutions and wakes every waiting
  // request: what is under way fails at once. Later requests fail too.
  void Stop();
  bool stopping() const { return stopping_; }

 private:
  friend struct Connection;
  friend class Lease;
  struct Waiter {
    asio::steady_timer timer;
    std::shared_ptr<Connection> handed;  // a connection given back for this request
    bool slot = false;                   // a slot freed for this request
  };
  struct Resolution {
    explicit Resolution(asio::io_context& ioc) : resolver(ioc), timer(ioc) {}
    tcp::resolver resolver;
    asio::steady_timer timer;  // wakes the request: resolved, out of time, or stopping
    bool done = false;
    Resolved resolved;
  };
  struct Pool {
    std::vector<std::shared_ptr<Connection>> idle;
    uint32_t open = 0;  // slots taken: idle, in use, or being opened
    std::deque<Waiter*> waiters;
  };

  void Give(const std::string& key, std::shared_ptr<Connection> conn);
  void Free(const std::string& key);

  asio::io_context& ioc_;
  bool stopping_ = false;
  std::set<Connection*> live_;  // declared before pools_: connections leave it as they go
  std::set<Resolution*> resolving_;
  std::map<std::string, Pool> pools_;
};

}  // namespace trunkline::http::internal
