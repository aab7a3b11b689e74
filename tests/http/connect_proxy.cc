#include "connect_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string_view>

namespace trunkline::http::testing {
namespace {

constexpr int kPollMs = 20;          // how often a blocked thread looks at the stop flag
constexpr size_t kMaxHeader = 8192;  // a CONNECT request is small

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int ConnectTo(const std::string& authority) {
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::stoi(authority.substr(colon + 1))));
  if (inet_pton(AF_INET, authority.substr(0, colon).c_str(), &to.sin_addr) != 1) return -1;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

ConnectProxy::ConnectProxy(int refuse_with) : refuse_with_(refuse_with) {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof at;
  if (bind(listener_, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&at), &size) != 0) {
    return;  // port() stays 0: the test fails on connecting
  }
  port_ = ntohs(at.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

ConnectProxy::~ConnectProxy() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  for (std::thread& t : threads_) t.join();
  if (listener_ >= 0) close(listener_);
}

std::vector<std::string> ConnectProxy::request_lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

std::string ConnectProxy::last_authorization() const {
  std::lock_guard lock(mu_);
  return authorization_;
}

void ConnectProxy::Accept() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    threads_.emplace_back([this, client] { Serve(client); });
  }
}

// Reads the request header, answers it, and relays until a side closes or the proxy stops.
void ConnectProxy::Serve(int client) {
  std::string header;
  while (!stopping_ && header.find("\r\n\r\n") == std::string::npos && header.size() < kMaxHeader) {
    pollfd p{client, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    char buffer[1024];
    const ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    header.append(buffer, static_cast<size_t>(n));
  }
  const std::string line = header.substr(0, header.find("\r\n"));
  std::string authorization;
  if (const size_t at = header.find("\r\nProxy-Authorization: "); at != std::string::npos) {
    const size_t from = at + 23;
    authorization = header.substr(from, header.find("\r\n", from) - from);
  }
  {
    std::lock_guard lock(mu_);
    lines_.push_back(line);
    authorization_ = authorization;
  }
  int server = -1;
  if (refuse_with_ == 0 && line.starts_with("CONNECT ")) {
    server = ConnectTo(line.substr(8, line.find(' ', 8) - 8));
  }
  if (server < 0) {
    const int status = refuse_with_ != 0 ? refuse_with_ : 502;
    SendAll(client, "HTTP/1.1 " + std::to_string(status) + " Refused\r\nContent-Length: 0\r\n\r\n");
    close(client);
    return;
  }
  SendAll(client, "HTTP/1.1 200 Connection established\r\n\r\n");
  bool open = true;
  while (open && !stopping_) {
    pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (poll(p, 2, kPollMs) <= 0) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if (p[i].revents == 0) continue;
      char buffer[16384];
      const ssize_t n = recv(p[i].fd, buffer, sizeof buffer, 0);
      open = n > 0 && SendAll(p[1 - i].fd, std::string_view(buffer, static_cast<size_t>(n)));
    }
  }
  close(server);
  close(client);
}

}  // namespace trunkline::http::testing
