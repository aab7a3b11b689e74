#include "trunkline/api/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "trunkline/api/text.h"

namespace trunkline::api {
namespace {

Status Bad(std::string_view rule, std::string_view text) {
  return InvalidArgumentError(std::string(rule) + " (got \"" + EscapeText(text) + "\")");
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The `n` digits at text[pos], if they are all digits.
std::optional<int> Digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size() || !AllDigits(text.substr(pos, n))) return std::nullopt;
  int value = 0;
  for (char c : text.substr(pos, n)) value = value * 10 + (c - '0');
  return value;
}

struct TimeParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
};

constexpr char kTimeShape[] =
    "must be a UTC time like 2026-11-22T14:00:00Z (fractional seconds allowed) or a date like "
    "2026-11-22";

// Splits "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[.fraction]Z" into its numbers, unchecked.
Result<TimeParts> SplitTime(std::string_view text) {
  TimeParts p;
  const auto y = Digits(text, 0, 4), mo = Digits(text, 5, 2), d = Digits(text, 8, 2);
  if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return Bad(kTimeShape, text);
  p.year = *y, p.month = *mo, p.day = *d;
  if (text.size() == 10) return p;
  const auto h = Digits(text, 11, 2), mi = Digits(text, 14, 2), s = Digits(text, 17, 2);
  if (text.size() < 19 || text[10] != 'T' || !h || text[13] != ':' || !mi || text[16] != ':' ||
      !s) {
    return Bad(kTimeShape, text);
  }
  p.hour = *h, p.minute = *mi, p.second = *s;
  size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    const size_t start = ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (i - start < 6) p.micros = p.micros * 10 + (text[i] - '0');
    }
    if (i == start) return Bad(kTimeShape, text);
    for (size_t digits = i - start; digits < 6; ++digits) p.micros *= 10;
  }
  if (i + 1 != text.size() || text[i] != 'Z') return Bad("must end in Z (UTC)", text);
  return p;
}

}  // namespace

Result<uint64_t> ParseCount(std::string_view text) {
  constexpr char kRule[] = "must be a whole number from 0 to 18446744073709551615";
  if (!AllDigits(text)) return Bad(kRule, text);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return Bad(kRule, text);
  return value;
}

Result<std::chrono::milliseconds> ParseSeconds(std::string_view text) {
  constexpr char kRule[] = "must be a number of seconds from 0 to 86400, e.g. 5 or 0.5";
  if (text.empty() || !((text[0] >= '0' && text[0] <= '9') || text[0] == '.')) {
    return Bad(kRule, text);
  }
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds < 0 || seconds > kMaxWaitSeconds) {
    return Bad(kRule, text);
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

Result<int64_t> ParseTime(std::string_view text) {
  TRUNKLINE_ASSIGN_OR_RETURN(TimeParts p, SplitTime(text));
  using namespace std::chrono;
  if (p.month < 1 || p.month > 12) {
    return Bad("month " + std::to_string(p.month) + " does not exist", text);
  }
  const year_month_day date{year{p.year}, month{static_cast<unsigned>(p.month)},
                            day{static_cast<unsigned>(p.day)}};
  if (!date.ok()) {
    return Bad("day " + std::to_string(p.day) + " does not exist in that month", text);
  }
  if (p.hour > 23) return Bad("the hour must be 00 to 23", text);
  if (p.minute > 59) return Bad("the minute must be 00 to 59", text);
  if (p.second > 59) return Bad("the second must be 00 to 59", text);
  const microseconds since_epoch =
      sys_days{date}.time_since_epoch() + hours{p.hour} + minutes{p.minute} + seconds{p.second};
  return since_epoch.count() + p.micros;
}

Result<registry::AsOf> ParsePoint(std::string_view text) {
  if (AllDigits(text)) {
    TRUNKLINE_ASSIGN_OR_RETURN(uint64_t position, ParseCount(text));
    return registry::AsOf{position, std::nullopt};
  }
  // Text shaped like a date gets the date's own complaint ("day 30 does not exist ...").
  if (text.size() < 5 || text[4] != '-') {
    return Bad(
        "must be a global position (a whole number) or a UTC time like "
        "2026-11-22T14:00:00Z",
        text);
  }
  TRUNKLINE_ASSIGN_OR_RETURN(int64_t time, ParseTime(text));
  return registry::AsOf{std::nullopt, time};
}

}  // namespace trunkline::api
