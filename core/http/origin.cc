// Base URLs and proxy URLs, parsed with Boost.URL.
#include "origin.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>

#include "trunkline/base/base64.h"

namespace trunkline::http::internal {
namespace {

namespace urls = boost::urls;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The host of `u` without brackets: a lower-case name or an IP address.
std::string HostOf(const urls::url_view& u) {
  if (u.host_type() == urls::host_type::ipv6) return u.host_ipv6_address().to_string();
  if (u.host_type() == urls::host_type::ipv4) return u.host_ipv4_address().to_string();
  return Lower(u.host());
}

}  // namespace

std::string Origin::Key() const { return (https ? "https://" : "http://") + Authority(); }

std::string Origin::Authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Origin::HostHeader() const {
  if (port == (https ? 443 : 80)) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
  }
  return Authority();
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string lower = Lower(host);
  if (lower == "localhost" || lower == "localhost.") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(lower, ec);
  return !ec && address.is_loopback();
}

Result<Origin> ParseBaseUrl(const std::string& url) {
  auto parsed = urls::parse_uri(url);
  if (!parsed) return InvalidArgumentError("URL \"" + url + "\": " + parsed.error().message());
  const urls::url_view& u = *parsed;
  Origin origin;
  const std::string scheme = Lower(u.scheme());
  if (scheme != "https" && scheme != "http") {
    return InvalidArgumentError("URL \"" + url + "\": the scheme must be https or http");
  }
  origin.https = scheme == "https";
  if (!u.has_authority() || u.encoded_host().empty()) {
    return InvalidArgumentError("URL \"" + url + "\": no host");
  }
  if (u.has_userinfo() || u.has_query() || u.has_fragment()) {
    return InvalidArgumentError("URL \"" + url +
                                "\": a base URL has no user info, query or fragment");
  }
  origin.host = HostOf(u);
  origin.host_is_ip =
      u.host_type() == urls::host_type::ipv4 || u.host_type() == urls::host_type::ipv6;
  if (!origin.host_is_ip && u.host_type() != urls::host_type::name) {
    return InvalidArgumentError("URL \"" + url + "\": unsupported host");
  }
  origin.loopback = IsLoopbackHost(origin.host);
  if (u.has_port()) {
    if (u.port_number() == 0) return InvalidArgumentError("URL \"" + url + "\": bad port");
    origin.port = u.port_number();
  } else {
    origin.port = origin.https ? 443 : 80;
  }
  if (!origin.https && !origin.loopback) {
    return InvalidArgumentError("URL \"" + url +
                                "\": plain http is allowed to loopback hosts only "
                                "(localhost, 127.0.0.0/8, ::1); use https");
  }
  origin.path = std::string(u.encoded_path());
  if (!origin.path.empty() && origin.path.back() == '/') origin.path.pop_back();
  return origin;
}

Result<std::optional<ProxyEndpoint>> ParseProxyUrl(std::string_view url) {
  if (url.empty()) return std::optional<ProxyEndpoint>();
  std::string full(url);
  if (full.find("://") == std::string::npos) full = "http://" + full;
  auto parsed = urls::parse_uri(full);
  if (!parsed) return InvalidArgumentError("proxy URL: " + parsed.error().message());
  const urls::url_view& u = *parsed;
  if (Lower(u.scheme()) != "http") {
    return InvalidArgumentError("proxy URL: only http:// proxies are supported");
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    return InvalidArgumentError("proxy URL: no host");
  }
  ProxyEndpoint proxy;
  proxy.host = HostOf(u);
  if (u.has_port()) {
    if (u.port_number() == 0) return InvalidArgumentError("proxy URL: bad port");
    proxy.port = u.port_number();
  }
  if (u.has_userinfo()) {
    proxy.authorization = BasicAuthorization(u.user(), u.password());
  }
  return std::optional<ProxyEndpoint>(std::move(proxy));
}

}  // namespace trunkline::http::internal
