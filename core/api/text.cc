#include "trunkline/api/text.h"

#include <errno.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

namespace trunkline::api {
namespace {

std::string HexByte(unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02X", byte);
  return text;
}

// The code point of the well-formed sequence of `length` bytes at text[i].
uint32_t CodePoint(std::string_view text, size_t i, size_t length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (length == 1) return byte(0);
  uint32_t cp = byte(0) & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(k) & 0x3F);
  return cp;
}

bool ShownAsCodePoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

// Well-formed UTF-8 (Unicode table 3-7): the second byte's range depends on the first.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto at = [&](size_t k) -> int {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : -1;
  };
  const int b0 = at(0);
  if (b0 < 0) return 0;
  if (b0 < 0x80) return 1;
  const auto in = [](int b, int lo, int hi) { return b >= lo && b <= hi; };
  size_t length = 0;
  int lo = 0x80, hi = 0xBF;
  if (in(b0, 0xC2, 0xDF)) {
    length = 2;
  } else if (in(b0, 0xE0, 0xEF)) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (in(b0, 0xF0, 0xF4)) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (!in(at(1), lo, hi)) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (!in(at(k), 0x80, 0xBF)) return 0;
  }
  return length;
}

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out += HexByte(c);
      ++i;
      continue;
    }
    if (length == 1) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c < 0x20 || c == 0x7F) {
        out += HexByte(c);
      } else {
        out.push_back(static_cast<char>(c));
      }
    } else if (const uint32_t cp = CodePoint(text, i, length); ShownAsCodePoint(cp)) {
      char escaped[16];
      std::snprintf(escaped, sizeof escaped, "\\u{%04X}", static_cast<unsigned>(cp));
      out += escaped;
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

size_t DisplayWidth(std::string_view escaped) {
  size_t width = 0;
  for (char c : escaped) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string SerializeJson(const boost::json::value& value) {
  const std::string json = boost::json::serialize(value);
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size();) {
    // Only a string's contents can hold anything but printable ASCII: the serializer
    // writes the rest in ASCII. So these replacements stay inside strings.
    const size_t length = Utf8SequenceLength(json, i);
    if (length == 0) {
      out += "\\" + HexByte(static_cast<unsigned char>(json[i]));  // "\\" is one backslash
      ++i;
      continue;
    }
    const uint32_t cp = CodePoint(json, i, length);
    if (cp == 0x7F || ShownAsCodePoint(cp)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(cp));
      out += escaped;  // the same character, as a JSON escape
    } else {
      out.append(json, i, length);
    }
    i += length;
  }
  return out;
}

FdOutput::FdOutput(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }

FdOutput::~FdOutput() { Drain(); }

bool FdOutput::Drain() {
  const char* data = pbase();
  size_t left = static_cast<size_t>(pptr() - pbase());
  setp(buffer_, buffer_ + sizeof buffer_);
  if (error_ != 0) return false;
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      return false;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

FdOutput::int_type FdOutput::overflow(int_type ch) {
  if (!Drain()) return traits_type::eof();
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  *pptr() = traits_type::to_char_type(ch);
  pbump(1);
  return ch;
}

int FdOutput::sync() { return Drain() ? 0 : -1; }

}  // namespace trunkline::api
