// Private to core/http: the parts of a provider URL and of a proxy URL that the provider
// client needs, parsed with Boost.URL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "trunkline/base/status.h"

namespace trunkline::http::internal {

// Where requests to one base URL go.
struct Origin {
  bool https = true;
  std::string host;  // a lower-case name, or an IP address (IPv6 without brackets)
  uint16_t port = 443;
  bool host_is_ip = false;
  bool loopback = false;
  std::string path;  // the base URL's path without its trailing "/"; may be empty

  std::string Key() const;         // "https://host:port": what kept-alive connections share
  std::string Authority() const;   // "host:port" ("[::1]:443"): a CONNECT target
  std::string HostHeader() const;  // "host", or "host:port" when the port is not the default
};

// kInvalidArgument (naming the URL): not an absolute http or https URL with a host, or with
// user info, a query or a fragment, or plain http to a host that is not loopback.
Result<Origin> ParseBaseUrl(const std::string& url);

struct ProxyEndpoint {
  std::string host;
  uint16_t port = 1080;
  std::string authorization;  // "Basic ..." when the URL has a user; else empty
};

// nullopt for an empty `url`. A URL without a scheme is taken as http.
// kInvalidArgument: malformed, not http, or without a host.
Result<std::optional<ProxyEndpoint>> ParseProxyUrl(std::string_view url);

// localhost, 127.0.0.0/8 and ::1 (brackets allowed).
bool IsLoopbackHost(std::string_view host);

}  // namespace trunkline::http::internal
