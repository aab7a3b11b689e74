// A certificate authority made at test time (OpenSSL, P-256 keys, SHA-256 signatures), and
// leaf certificates it issues, all as PEM text: what the TLS tests serve and trust.
//
// Thread-safety: a const TestCa may issue from many threads.
#pragma once

#include <string>

namespace trunkline::http::testing {

struct TestCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

class TestCa {
 public:
  // A new self-signed CA whose common name is `name`. Aborts the test binary on an OpenSSL
  // failure (a broken test setup, not a case under test).
  explicit TestCa(const std::string& name);

  // A leaf certificate for a server, valid from an hour ago for a day, signed by this CA,
  // whose subject alternative names are `alt_names` in OpenSSL's syntax
  // ("IP:127.0.0.1,DNS:localhost").
  TestCertificate Issue(const std::string& common_name, const std::string& alt_names) const;

  const std::string& certificate_pem() const { return ca_.certificate_pem; }

 private:
  TestCertificate ca_;
};

}  // namespace trunkline::http::testing
