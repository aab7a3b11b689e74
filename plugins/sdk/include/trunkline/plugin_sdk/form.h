// application/x-www-form-urlencoded bodies and query strings, for adapters of providers whose
// API takes form parameters (Twilio's does). Pure functions on strings.
//
// Header-only, no dependencies. Thread-safety: safe for concurrent use.
#pragma once

#include <string>
#include <string_view>

#include "trunkline/plugin_sdk/sync.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

// `text` with every byte but the unreserved A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex), as
// Twilio's own client encodes form values (a space is %20, ':' is %3A, '+' is %2B).
inline std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// "a=b&c=d" from name/value pairs, in their order, each side FormEncode'd.
inline std::string FormBody(const NameValues& params) {
  std::string body;
  for (const auto& [name, value] : params) {
    if (!body.empty()) body += '&';
    body += FormEncode(name);
    body += '=';
    body += FormEncode(value);
  }
  return body;
}

namespace form_internal {

inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' as a space and %XX as its byte; a '%' not followed by two hex digits stays as it is.
inline std::string Decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
               HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace form_internal

// "a=b&c=d" (a query string without its '?', or a form body) as decoded name/value pairs, in
// their order; "flag" alone is ("flag", ""); empty pairs are skipped.
inline NameValues ParseQuery(std::string_view query) {
  NameValues out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      out.emplace_back(
          form_internal::Decode(pair.substr(0, eq)),
          eq == std::string_view::npos ? "" : form_internal::Decode(pair.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
