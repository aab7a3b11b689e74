// Base64 (RFC 4648, with padding; OpenSSL underneath) and the HTTP Basic credentials built
// on it.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <string>
#include <string_view>

namespace trunkline {

std::string Base64(std::string_view bytes);

// The value of an Authorization (or Proxy-Authorization) header for HTTP Basic
// authentication: "Basic " + Base64(user ":" password). It holds the password: treat it as a
// secret.
std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace trunkline
