// SHA-256 digests (OpenSSL underneath).
//
// Thread-safety: Sha256 is not thread-safe (one per thread); the free functions are.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace trunkline {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental hasher. Reusable: Finish() resets it for the next message.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  void Update(const Sha256Digest& digest);
  Sha256Digest Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Sha256Digest Sha256Of(std::string_view bytes);

// Lower-case hex, 64 characters.
std::string ToHex(const Sha256Digest& digest);
// The digest ToHex wrote; nullopt for anything but 64 lower-case hex digits.
std::optional<Sha256Digest> DigestFromHex(std::string_view hex);

}  // namespace trunkline
