#include "trunkline/sync/http_transport.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/url/parse.hpp>
#include <map>
#include <mutex>

namespace trunkline::sync {
namespace {

// Blocking keep-alive clients on a pool of threads, one connection per host per thread.
class PooledTransport : public Transport {
 public:
  explicit PooledTransport(const HttpTransportOptions& options)
      : options_(options), pool_(options.max_connections_per_host) {}
  ~PooledTransport() override { pool_.join(); }

  void AsyncSend(const std::string& base_url, http::Request request,
                 std::function<void(Result<http::Response>)> done) override {
    boost::asio::post(
        pool_, [this, base_url, request = std::move(request), done = std::move(done)]() mutable {
          done(Send(base_url, std::move(request)));
        });
  }

 private:
  Result<http::Response> Send(const std::string& base_url, http::Request request) {
    auto url = boost::urls::parse_absolute_uri(base_url);
    if (!url) return InvalidArgumentError("base URL " + base_url + ": not an absolute URL");
    if (url->scheme() != "http") {
      return UnimplementedError("base URL " + base_url + ": only http is sent for now");
    }
    const std::string host(url->host());
    const uint16_t port = url->has_port() ? url->port_number() : 80;
    request.target = std::string(url->encoded_path()) + request.target;
    thread_local std::map<std::string, std::unique_ptr<http::Client>> clients;
    std::unique_ptr<http::Client>& client = clients[host + ":" + std::to_string(port)];
    if (!client) {
      client = std::make_unique<http::Client>(http::ClientOptions{host, port, options_.timeout});
    }
    return client->Send(request);
  }

  HttpTransportOptions options_;
  boost::asio::thread_pool pool_;
};

}  // namespace

std::unique_ptr<Transport> MakeHttpTransport(const HttpTransportOptions& options) {
  return std::make_unique<PooledTransport>(options);
}

}  // namespace trunkline::sync
