// Secrets kept in files (provider tokens, API tokens): read only from a file no one but its
// owner may access, as ssh does with keys.
#pragma once

#include <cstddef>
#include <string>

#include "trunkline/base/status.h"

namespace trunkline {

// The first line of the regular file at `path` (without its line end), reading at most
// `max_bytes`. kFailedPrecondition, saying why and never quoting the file's text, when it
// cannot be opened or read, is not a regular file, may be read or written by group or others
// ("permissions 0644 are too open ... (chmod 600 PATH)"), or its first line is longer than
// `max_bytes`.
Result<std::string> ReadSecretFile(const std::string& path, std::size_t max_bytes = 64 << 10);

}  // namespace trunkline
