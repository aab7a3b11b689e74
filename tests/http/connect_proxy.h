// A tiny HTTP CONNECT proxy on 127.0.0.1 for the provider client's tests: it records each
// request line, opens the asked-for tunnel (or refuses with a chosen status) and relays bytes
// both ways until either side closes or the proxy stops.
//
// Thread-safety: its accessors may be read from any thread while it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace trunkline::http::testing {

class ConnectProxy {
 public:
  // Listens on 127.0.0.1 (a free port). `refuse_with`: 0 to open tunnels, else the status
  // every CONNECT is answered with ("407 Proxy Authentication Required", say).
  explicit ConnectProxy(int refuse_with = 0);
  ~ConnectProxy();  // closes every tunnel and joins its threads
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  uint16_t port() const { return port_; }
  // The request lines seen, in order ("CONNECT 127.0.0.1:4431 HTTP/1.1").
  std::vector<std::string> request_lines() const;
  // The Proxy-Authorization value of the last request, if any.
  std::string last_authorization() const;

 private:
  void Accept();
  void Serve(int client);

  int refuse_with_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::string authorization_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace trunkline::http::testing
