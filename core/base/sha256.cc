// The OpenSSL border file for hashing.
#include "trunkline/base/sha256.h"

#include <openssl/evp.h>

#include "trunkline/base/check.h"

namespace trunkline {
namespace {
// Fetched once: an implicit fetch on every EVP_DigestInit costs more than hashing a record.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  TRUNKLINE_CHECK_MSG(md != nullptr, "OpenSSL has no SHA256");
  return md;
}
}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  TRUNKLINE_CHECK(impl_->ctx != nullptr);
  TRUNKLINE_CHECK(EVP_DigestInit_ex2(impl_->ctx, Sha256Md(), nullptr) == 1);
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) {
  TRUNKLINE_CHECK(EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size()) == 1);
}

void Sha256::Update(const Sha256Digest& digest) {
  TRUNKLINE_CHECK(EVP_DigestUpdate(impl_->ctx, digest.data(), digest.size()) == 1);
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out{};
  unsigned int len = 0;
  TRUNKLINE_CHECK(EVP_DigestFinal_ex(impl_->ctx, out.data(), &len) == 1 && len == out.size());
  TRUNKLINE_CHECK(EVP_DigestInit_ex2(impl_->ctx, nullptr, nullptr) == 1);
  return out;
}

Sha256Digest Sha256Of(std::string_view bytes) {
  Sha256 hasher;
  hasher.Update(bytes);
  return hasher.Finish();
}

std::string ToHex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::optional<Sha256Digest> DigestFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Sha256Digest digest{};
  for (size_t i = 0; i < digest.size(); ++i) {
    unsigned value = 0;
    for (char c : hex.substr(2 * i, 2)) {
      const int nibble = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (nibble < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(nibble);
    }
    digest[i] = static_cast<uint8_t>(value);
  }
  return digest;
}

}  // namespace trunkline
