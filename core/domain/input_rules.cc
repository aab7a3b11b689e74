#include "trunkline/domain/input_rules.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace trunkline::domain {
namespace {

Status Invalid(std::string_view path, const std::string& rule) {
  return InvalidArgumentError(std::string(path) + ": " + rule);
}

std::string CodePoint(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// The code point starting at text[i] and its length in bytes; length 0 when the bytes there
// are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
struct Decoded {
  uint32_t cp = 0;
  size_t length = 0;
};

Decoded DecodeUtf8(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  size_t length = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1Fu, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0Fu, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07u, min = 0x10000;
  } else {
    return {};
  }
  if (i + length > text.size()) return {};
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, length};
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

// Lower-cased ASCII.
std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The scheme of a URL ("https", "sip"), or empty when `text` does not start with one.
std::string_view Scheme(std::string_view text) {
  size_t i = 0;
  const auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (text.empty() || !alpha(text[0])) return {};
  while (i < text.size() && (alpha(text[i]) || (text[i] >= '0' && text[i] <= '9') ||
                             text[i] == '+' || text[i] == '.' || text[i] == '-')) {
    ++i;
  }
  if (i == text.size() || text[i] != ':') return {};
  return text.substr(0, i);
}

}  // namespace

Status CheckText(std::string_view path, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const Decoded d = DecodeUtf8(text, i);
    if (d.length == 0) {
      return Invalid(path,
                     "must be valid UTF-8 (invalid byte at offset " + std::to_string(i) + ")");
    }
    if (IsControl(d.cp)) {
      return Invalid(path, "must not contain control characters (" + CodePoint(d.cp) +
                               " at offset " + std::to_string(i) + ")");
    }
    i += d.length;
  }
  return OkStatus();
}

Status CheckId(std::string_view path, std::string_view id) {
  if (id.empty()) return Invalid(path, "must not be empty");
  if (id.size() > kMaxIdLength) {
    return Invalid(path, "must be at most " + std::to_string(kMaxIdLength) + " characters (got " +
                             std::to_string(id.size()) + ")");
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (IsIdChar(id[i])) continue;
    const Decoded d = DecodeUtf8(id, i);
    const std::string what = d.length == 0 ? "an invalid UTF-8 byte" : CodePoint(d.cp);
    return Invalid(path, "may hold only letters A-Z a-z, digits 0-9 and . _ : - (" + what +
                             " at offset " + std::to_string(i) + ")");
  }
  return OkStatus();
}

Status CheckNoCredentials(std::string_view path, std::string_view text) {
  const std::string_view scheme = Scheme(text);
  if (scheme.empty()) return OkStatus();
  std::string_view rest = text.substr(scheme.size() + 1);
  const bool hierarchical = rest.substr(0, 2) == "//";
  if (hierarchical) rest.remove_prefix(2);
  // The user part ends at '@'; it never spans a path, parameters, a query or a fragment.
  const size_t at = rest.find('@');
  if (at == std::string_view::npos) return OkStatus();
  const std::string_view user = rest.substr(0, at);
  if (user.find_first_of(hierarchical ? "/?#" : ";?#") != std::string_view::npos) return OkStatus();
  const std::string lower = Lower(scheme);
  const bool http = lower == "http" || lower == "https";
  if (user.find(':') == std::string_view::npos && !http) return OkStatus();
  return Invalid(path, "must not embed credentials; secrets never enter the journal");
}

}  // namespace trunkline::domain
