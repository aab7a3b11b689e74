// The value of an "Authorization: Basic" header, for the emulator tests.
#pragma once

#include <openssl/evp.h>

#include <string>

namespace trunkline::emulator::testing {

inline std::string Basic(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<size_t>(n));
  return "Basic " + encoded;
}

}  // namespace trunkline::emulator::testing
