// TLS contexts for the server and the provider client, and handshake failures in words.
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/error.hpp>

#include "beast_border.h"

namespace trunkline::http::internal {

Result<std::unique_ptr<ssl::context>> MakeServerContext(const TlsIdentity& identity) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (!identity.certificate_chain_pem.empty()) {
    context->use_certificate_chain(asio::buffer(identity.certificate_chain_pem), ec);
  } else {
    context->use_certificate_chain_file(identity.certificate_chain_file, ec);
  }
  if (ec) return InvalidArgumentError("TLS certificate chain: " + ec.message());
  if (!identity.private_key_pem.empty()) {
    context->use_private_key(asio::buffer(identity.private_key_pem), ssl::context::pem, ec);
  } else {
    context->use_private_key_file(identity.private_key_file, ssl::context::pem, ec);
  }
  if (ec) return InvalidArgumentError("TLS private key: " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return InvalidArgumentError("TLS private key does not match the certificate");
  }
  return context;
}

Result<std::unique_ptr<ssl::context>> MakeClientContext(const std::string& ca_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return InvalidArgumentError("the system's CA store: " + ec.message());
  } else {
    context->load_verify_file(ca_file, ec);
    if (ec) return InvalidArgumentError("CA file " + ca_file + ": " + ec.message());
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

std::string HandshakeFailure(SSL* ssl, const beast::error_code& ec) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (ec == beast::error::timeout) return "timed out";
  if (ec == ssl::error::stream_truncated || ec == asio::error::eof) {
    return "the peer closed the connection";
  }
  return ec.message();
}

}  // namespace trunkline::http::internal
