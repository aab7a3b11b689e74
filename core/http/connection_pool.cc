// Connection pools of the provider client.
#include "connection_pool.h"

#include <openssl/ssl.h>
#include <poll.h>

#include <algorithm>

namespace trunkline::http::internal {

using Clock = std::chrono::steady_clock;

Connection::Connection(ConnectionPools& pools)
    : plain(std::make_unique<beast::tcp_stream>(pools.ioc_)), pools_(pools) {
  pools_.live_.insert(this);
}

Connection::~Connection() { pools_.live_.erase(this); }

bool Connection::SeemsClosed() {
  if (!tcp().socket().is_open() || buffer.size() != 0) return true;
  if (tls && SSL_pending(tls->native_handle()) > 0) return true;
  pollfd p{tcp().socket().native_handle(), POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) != 0;
}

void Connection::Close() { tcp().close(); }

Lease::Lease(ConnectionPools* pools, std::string key, std::shared_ptr<Connection> connection)
    : conn(std::move(connection)), pools_(pools), key_(std::move(key)) {}

Lease::Lease(Lease&& other) noexcept
    : conn(std::move(other.conn)), pools_(other.pools_), key_(std::move(other.key_)) {
  other.pools_ = nullptr;
}

Lease::~Lease() {
  if (pools_ == nullptr) return;
  if (conn) conn->Close();
  pools_->Free(key_);
}

void Lease::Return() {
  pools_->Give(key_, std::move(conn));
  pools_ = nullptr;
}

asio::awaitable<Result<Lease>> ConnectionPools::Acquire(const std::string& key,
                                                        Clock::time_point deadline,
                                                        const ProviderClientOptions& options) {
  Pool& pool = pools_[key];
  if (stopping_) co_return UnavailableError(key + ": the client shut down");
  while (!pool.idle.empty()) {
    std::shared_ptr<Connection> conn = std::move(pool.idle.back());
    pool.idle.pop_back();
    if (Clock::now() - conn->idle_since < options.idle_timeout && !conn->SeemsClosed()) {
      co_return Lease(this, key, std::move(conn));
    }
    conn->Close();
    --pool.open;
  }
  if (pool.open < options.max_connections_per_host) {
    ++pool.open;
    co_return Lease(this, key, nullptr);
  }
  Waiter waiter{asio::steady_timer(ioc_, deadline)};
  pool.waiters.push_back(&waiter);
  co_await waiter.timer.async_wait(kAwait);
  if (waiter.handed) co_return Lease(this, key, std::move(waiter.handed));
  if (waiter.slot) co_return Lease(this, key, nullptr);
  pool.waiters.erase(std::find(pool.waiters.begin(), pool.waiters.end(), &waiter));
  if (stopping_) co_return UnavailableError(key + ": the client shut down");
  co_return UnavailableError(key + ": no connection free within " +
                             std::to_string(options.timeout.count()) + " ms (" +
                             std::to_string(pool.open) + " open, all in use)");
}

std::shared_ptr<Connection> ConnectionPools::NewConnection() {
  return std::make_shared<Connection>(*this);
}

asio::awaitable<ConnectionPools::Resolved> ConnectionPools::Resolve(const std::string& host,
                                                                    uint16_t port,
                                                                    Clock::time_point deadline) {
  auto resolution = std::make_shared<Resolution>(ioc_);
  resolution->timer.expires_at(deadline);
  resolution->resolver.async_resolve(
      host, std::to_string(port),
      [resolution](const beast::error_code& ec, tcp::resolver::results_type results) {
        resolution->done = true;
        resolution->resolved = {ec, std::move(results)};
        resolution->timer.cancel();
      });
  resolving_.insert(resolution.get());
  co_await resolution->timer.async_wait(kAwait);
  resolving_.erase(resolution.get());
  if (resolution->done) co_return resolution->resolved;
  const beast::error_code why = stopping_ ? beast::error_code(asio::error::operation_aborted)
                                          : beast::error_code(beast::error::timeout);
  co_return Resolved{why, {}};
}

void ConnectionPools::Give(const std::string& key, std::shared_ptr<Connection> conn) {
  Pool& pool = pools_[key];
  if (stopping_) {
    conn->Close();
    Free(key);
    return;
  }
  if (!pool.waiters.empty()) {
    Waiter* waiter = pool.waiters.front();
    pool.waiters.pop_front();
    waiter->handed = std::move(conn);
    waiter->timer.cancel();
    return;
  }
  conn->idle_since = Clock::now();
  pool.idle.push_back(std::move(conn));
}

void ConnectionPools::Free(const std::string& key) {
  Pool& pool = pools_[key];
  --pool.open;
  if (!pool.waiters.empty() && !stopping_) {
    Waiter* waiter = pool.waiters.front();
    pool.waiters.pop_front();
    waiter->slot = true;
    ++pool.open;
    waiter->timer.cancel();
  }
}

void ConnectionPools::Stop() {
  stopping_ = true;
  for (auto& [key, pool] : pools_) {
    pool.open -= static_cast<uint32_t>(pool.idle.size());
    pool.idle.clear();
    for (Waiter* waiter : pool.waiters) waiter->timer.cancel();
  }
  for (Connection* conn : live_) conn->Close();
  for (Resolution* resolution : resolving_) {
    resolution->resolver.cancel();
    resolution->timer.cancel();
  }
}

}  // namespace trunkline::http::internal
