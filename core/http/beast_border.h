// Private to core/http: what its .cc files share of Asio, Beast and OpenSSL. Errors from them
// are values here (as_tuple, error_code), never exceptions across a completion.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <string>

#include "trunkline/base/status.h"
#include "trunkline/http/http.h"

namespace trunkline::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// A server context (TLS 1.2 or later) holding `identity`.
// kInvalidArgument: a file unreadable, a PEM block malformed, or a key not matching.
Result<std::unique_ptr<ssl::context>> MakeServerContext(const TlsIdentity& identity);

// A client context (TLS 1.2 or later) that verifies the peer's chain against `ca_file`, or
// the system's store when it is empty. kInvalidArgument: the file cannot be used.
Result<std::unique_ptr<ssl::context>> MakeClientContext(const std::string& ca_file);

// Why a TLS handshake failed, in words: the certificate verification result when the peer's
// certificate was refused ("certificate verify failed: Hostname mismatch"), else the error.
std::string HandshakeFailure(SSL* ssl, const beast::error_code& ec);

}  // namespace trunkline::http::internal
