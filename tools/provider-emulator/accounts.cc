#include "accounts.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace trunkline::emulator {
namespace {

constexpr std::string_view kBlanks = " \t\r";

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
}

// Splits `value` into exactly `count` non-empty parts at the first count-1 colons.
Result<std::vector<std::string>> Parts(std::string_view kind, std::string_view value, size_t count,
                                       std::string_view shape) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i + 1 < count; ++i) {
    const size_t colon = value.find(':', start);
    if (colon == std::string_view::npos) break;
    parts.emplace_back(value.substr(start, colon - start));
    start = colon + 1;
  }
  parts.emplace_back(value.substr(start));
  if (parts.size() != count ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
    return InvalidArgumentError(std::string(kind) + " needs " + std::string(shape) + " (" +
                                std::to_string(count) + " non-empty parts separated by ':')");
  }
  return parts;
}

Status CheckTwilioSid(std::string_view kind, std::string_view what, const std::string& sid,
                      std::string_view prefix) {
  const bool ok = sid.size() == 34 && sid.starts_with(prefix) &&
                  std::all_of(sid.begin() + 2, sid.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (ok) return OkStatus();
  return InvalidArgumentError(std::string(kind) + ": the " + std::string(what) + " must be " +
                              std::string(prefix) + " followed by 32 lower-case hex digits");
}

Status Twice(std::string_view kind, const std::string& id) {
  return InvalidArgumentError(std::string(kind) + ": " + id + " is given twice");
}

}  // namespace

Status Accounts::Add(std::string_view kind, std::string_view value) {
  if (kind == "twilio-account") {
    TRUNKLINE_ASSIGN_OR_RETURN(auto p, Parts(kind, value, 2, "ACCOUNTSID:AUTHTOKEN"));
    TRUNKLINE_RETURN_IF_ERROR(CheckTwilioSid(kind, "account SID", p[0], "AC"));
    for (const TwilioAccount& a : twilio) {
      if (a.account_sid == p[0]) return Twice(kind, p[0]);
    }
    twilio.push_back({p[0], p[1]});
    return OkStatus();
  }
  if (kind == "twilio-api-key") {
    TRUNKLINE_ASSIGN_OR_RETURN(auto p, Parts(kind, value, 3, "KEYSID:SECRET:ACCOUNTSID"));
    TRUNKLINE_RETURN_IF_ERROR(CheckTwilioSid(kind, "key SID", p[0], "SK"));
    TRUNKLINE_RETURN_IF_ERROR(CheckTwilioSid(kind, "account SID", p[2], "AC"));
    for (const TwilioApiKey& k : twilio_api_keys) {
      if (k.key_sid == p[0]) return Twice(kind, p[0]);
    }
    twilio_api_keys.push_back({p[0], p[1], p[2]});
    return OkStatus();
  }
  if (kind == "plivo-account") {
    TRUNKLINE_ASSIGN_OR_RETURN(auto p, Parts(kind, value, 2, "AUTHID:AUTHTOKEN"));
    if (!std::all_of(p[0].begin(), p[0].end(),
                     [](unsigned char c) { return std::isalnum(c) != 0; })) {
      return InvalidArgumentError("plivo-account: the auth ID must be letters and digits");
    }
    for (const auto& [auth_id, token] : plivo) {
      if (auth_id == p[0]) return Twice(kind, p[0]);
    }
    plivo.emplace_back(p[0], p[1]);
    return OkStatus();
  }
  if (kind == "telnyx-api-key") {
    const bool ok =
        !value.empty() && value.size() <= 255 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c > ' ' && c < 127; });
    if (!ok) {
      return InvalidArgumentError(
          "telnyx-api-key needs an API key of 1 to 255 printable ASCII characters without "
          "blanks");
    }
    for (const TelnyxAccount& a : telnyx) {
      // The key is the secret: the message says which entry, never the key.
      if (a.api_key == value) {
        return InvalidArgumentError("telnyx-api-key: the same API key is given twice");
      }
    }
    telnyx.push_back({std::string(value), {}});
    return OkStatus();
  }
  return InvalidArgumentError(
      "an account line starts with twilio-account, twilio-api-key, plivo-account or "
      "telnyx-api-key");
}

Result<Accounts> ParseAccounts(std::string_view text, std::string_view source, Accounts base) {
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = Trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const size_t blank = line.find_first_of(kBlanks);
    const std::string_view kind = line.substr(0, blank);
    const std::string_view value =
        blank == std::string_view::npos ? std::string_view() : Trim(line.substr(blank));
    if (Status added = base.Add(kind, value); !added.ok()) {
      return InvalidArgumentError(std::string(source) + ":" + std::to_string(number) + ": " +
                                  std::string(added.message()));
    }
  }
  return base;
}

Result<Accounts> ReadAccountsFile(const std::string& path, Accounts base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    const std::string why = path + ": cannot read: " + std::strerror(error);
    if (error == EACCES) return PermissionDeniedError(why);
    return NotFoundError(why);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseAccounts(text.str(), path, std::move(base));
}

}  // namespace trunkline::emulator
