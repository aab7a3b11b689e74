// Who may call trunkd's API. Every request but /healthz carries `Authorization: Bearer
// <token>`; a token has a name (the actor of the commands it sends) and a role: `read`
// (queries only) or `write` (everything). Only the SHA-256 of each token is kept.
//
// Where tokens come from, in order: a tokens file (--tokens FILE), one token per line
//   NAME ROLE SHA256-HEX        e.g.  ops write 9f86d081884c7d65...
// (blank lines and lines starting with '#' are skipped; `trunkd hash-token` prints the hash
// of a token read from stdin); else TRUNKLINE_TOKEN in the environment (one write token
// named `env`); else a random write token made at start-up and stored in
// <data-dir>/api-token (mode 0600), whose path trunkd prints.
//
// Thread-safety: Authenticate is safe for concurrent use.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "trunkline/base/sha256.h"
#include "trunkline/base/status.h"

namespace trunkline::trunkd {

enum class Role { kRead, kWrite };

struct Caller {
  std::string name;
  Role role = Role::kRead;
};

class Tokens {
 public:
  // Reads a tokens file. kInvalidArgument naming the file, the line and the rule (a name
  // must be 1-64 letters, digits, '.', '_' or '-'; the role read or write; the hash 64
  // lower-case hex digits; a name may appear once); kNotFound when it cannot be read.
  static Result<Tokens> Load(const std::string& path);
  // One write token named `name`.
  static Tokens Single(const std::string& name, std::string_view token);
  // Makes a random write token named `local`, writes it to `path` (mode 0600; replaces a
  // previous one) and returns both.
  static Result<std::pair<Tokens, std::string>> Generate(const std::string& path);

  // The caller a request's Authorization header names; nullopt when the header is missing,
  // malformed or names no token (the hash is compared in constant time).
  std::optional<Caller> Authenticate(std::string_view authorization) const;

  size_t size() const { return by_hash_.size(); }

 private:
  std::map<Sha256Digest, Caller> by_hash_;
};

// 32 random bytes as 64 hex digits (OpenSSL's generator).
std::string RandomToken();

}  // namespace trunkline::trunkd
