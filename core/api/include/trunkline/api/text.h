// How trunkline's tools keep their output safe whatever the journal holds, and how it notices that
// the output was not written.
//
// Stored values may contain control characters or bytes that are not UTF-8 (written before
// the domain refused them, or by another tool). Tables show them escaped, one row per line;
// JSON output is always valid UTF-8. Pure functions, safe for concurrent use; FdOutput is
// not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <streambuf>
#include <string>
#include <string_view>

namespace trunkline::api {

// The length of the well-formed UTF-8 sequence that starts at text[i] (1 to 4), or 0 when
// the byte there does not start one (a stray continuation byte, an overlong form, a
// surrogate, a code point past U+10FFFF, or a sequence cut short).
size_t Utf8SequenceLength(std::string_view text, size_t i);

// `text` as one printable line of valid UTF-8: a backslash as "\\", newline, tab and
// carriage return as "\n", "\t", "\r", other control characters (C0, DEL) and every byte
// that is not part of a well-formed sequence as "\xNN", C1 controls, the line and paragraph
// separators and the bidirectional overrides as "\u{XXXX}". Clean text is unchanged.
std::string EscapeText(std::string_view text);

// Terminal columns `escaped` (valid UTF-8, as EscapeText returns) takes: one per code point.
size_t DisplayWidth(std::string_view escaped);

// boost::json::serialize(value), valid UTF-8 whatever the strings in `value` hold: a byte
// that is not part of a well-formed sequence appears in its string as the text "\xNN"
// (the serializer copies string bytes as they are). Every control character (C0, DEL, C1)
// and the characters EscapeText shows as "\u{XXXX}" are written as JSON "\uXXXX" escapes,
// which stand for the same characters: the result is one line of printable text.
std::string SerializeJson(const boost::json::value& value);

// A stream buffer that writes to a file descriptor and remembers the first failed write:
// std::cout reports a lost line only as a state bit, without the reason. After a failure
// every further write fails too.
class FdOutput : public std::streambuf {
 public:
  explicit FdOutput(int fd);
  ~FdOutput() override;
  FdOutput(const FdOutput&) = delete;
  FdOutput& operator=(const FdOutput&) = delete;

  // The errno of the first failed write; 0 while every write succeeded.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override;
  int sync() override;

 private:
  bool Drain();

  int fd_;
  int error_ = 0;
  char buffer_[1 << 14];
};

}  // namespace trunkline::api
