// ProxyOptions: the environment's proxy settings, and which hosts go around the proxy.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <cctype>
#include <cstdlib>

#include "origin.h"
#include "trunkline/http/provider_client.h"

namespace trunkline::http {
namespace {

namespace ip = boost::asio::ip;

std::string Env(const char* lower, const char* upper) {
  for (const char* name : {lower, upper}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return "";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Whether one NO_PROXY entry (trimmed, lower case, not empty) matches `host`, whose address
// is `address` when it is an IP address.
bool Matches(std::string_view entry, const std::string& host,
             const std::optional<ip::address>& address) {
  if (entry == "*") return true;
  boost::system::error_code ec;
  if (entry.find('/') != std::string_view::npos) {  // a CIDR range
    if (!address) return false;
    if (address->is_v4()) {
      const auto net = ip::make_network_v4(entry, ec);
      return !ec &&
             (address->to_v4().to_uint() & net.netmask().to_uint()) == net.network().to_uint();
    }
    const auto net = ip::make_network_v6(entry, ec);
    if (ec) return false;
    const auto hosts = ip::network_v6(address->to_v6(), net.prefix_length()).network();
    return hosts == net.network();
  }
  if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') {
    entry = entry.substr(1, entry.size() - 2);
  }
  const auto entry_address = ip::make_address(entry, ec);
  if (!ec) return address && *address == entry_address;
  // A name, maybe with a leading dot or a port (ignored).
  if (entry.front() == '.') entry.remove_prefix(1);
  if (const size_t colon = entry.find(':'); colon != std::string_view::npos) {
    entry = entry.substr(0, colon);
  }
  if (entry.empty() || address) return false;
  if (host == entry) return true;
  return host.size() > entry.size() && host.ends_with(entry) &&
         host[host.size() - entry.size() - 1] == '.';
}

}  // namespace

ProxyOptions ProxyOptions::FromEnvironment() {
  ProxyOptions options;
  options.https_proxy = Env("https_proxy", "HTTPS_PROXY");
  options.http_proxy = Env("http_proxy", "HTTP_PROXY");
  options.no_proxy = Env("no_proxy", "NO_PROXY");
  return options;
}

bool ProxyOptions::Bypasses(std::string_view host) const {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!proxy_loopback && internal::IsLoopbackHost(host)) return true;
  std::string name = Lower(host);
  if (!name.empty() && name.back() == '.') name.pop_back();
  boost::system::error_code ec;
  std::optional<ip::address> address = ip::make_address(name, ec);
  if (ec) address.reset();
  std::string_view rest = no_proxy;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string entry = Lower(Trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (!entry.empty() && Matches(entry, name, address)) return true;
  }
  return false;
}

}  // namespace trunkline::http
