#include "auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace trunkline::trunkd {
namespace {

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string RandomToken() {
  std::array<unsigned char, 32> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<Tokens> Tokens::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("tokens file " + path + ": cannot be read");
  Tokens tokens;
  std::map<std::string, int> names;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = "tokens file " + path + ": line " + std::to_string(number) + ": ";
    std::istringstream fields(line);
    std::string name, role, hash, extra;
    fields >> name;
    if (name.empty() || name[0] == '#') continue;
    fields >> role >> hash >> extra;
    if (!ValidName(name)) {
      return InvalidArgumentError(where + "name: must be 1-64 letters, digits, '.', '_' or '-'");
    }
    if (role != "read" && role != "write") {
      return InvalidArgumentError(where + "role: must be read or write");
    }
    const std::optional<Sha256Digest> digest = DigestFromHex(hash);
    if (!digest) {
      return InvalidArgumentError(where +
                                  "hash: must be the token's SHA-256, 64 lower-case hex digits "
                                  "(trunkd hash-token prints it)");
    }
    if (!extra.empty()) {
      return InvalidArgumentError(where + "must be NAME ROLE HASH, nothing after the hash");
    }
    if (names.count(name)) {
      return InvalidArgumentError(where + "name: " + name + " was given already on line " +
                                  std::to_string(names[name]));
    }
    names[name] = number;
    tokens.by_hash_[*digest] = Caller{name, role == "write" ? Role::kWrite : Role::kRead};
  }
  if (tokens.by_hash_.empty()) {
    return InvalidArgumentError("tokens file " + path + ": holds no token");
  }
  return tokens;
}

Tokens Tokens::Single(const std::string& name, std::string_view token) {
  Tokens tokens;
  tokens.by_hash_[Sha256Of(token)] = Caller{name, Role::kWrite};
  return tokens;
}

Result<std::pair<Tokens, std::string>> Tokens::Generate(const std::string& path) {
  const std::string token = RandomToken();
  const std::string temporary = path + ".new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return UnavailableError("writing " + temporary + ": " + std::strerror(errno));
  const std::string text = token + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    return UnavailableError("writing " + path + ": " + std::strerror(errno));
  }
  return std::make_pair(Single("local", token), path);
}

std::optional<Caller> Tokens::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  const Sha256Digest presented = Sha256Of(authorization.substr(kBearer.size()));
  // Every known hash is compared, in constant time, so the time taken tells nothing.
  const Caller* found = nullptr;
  for (const auto& [hash, caller] : by_hash_) {
    if (CRYPTO_memcmp(hash.data(), presented.data(), hash.size()) == 0) found = &caller;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

}  // namespace trunkline::trunkd
