// Parsing of the values trunkctl's options and trunkd's query parameters take. Each parser returns
// kInvalidArgument with a message that says what the value must be (the caller names the option);
// none throws. Pure functions, safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/status.h"
#include "trunkline/base/suggest.h"
#include "trunkline/registry/registry.h"

namespace trunkline::api {

// The longest --wait-lock accepted, in seconds (a day).
inline constexpr double kMaxWaitSeconds = 86'400;

// A whole number from 0 to 2^64-1, digits only: no sign, no spaces, not empty.
Result<uint64_t> ParseCount(std::string_view text);

// A number of seconds from 0 to kMaxWaitSeconds, fractions allowed ("0.5").
Result<std::chrono::milliseconds> ParseSeconds(std::string_view text);

// "2026-11-22T14:00:00Z" (fractional seconds allowed, kept to the microsecond) or
// "2026-11-22" (midnight UTC), as microseconds since the Unix epoch. Refuses dates and times
// that do not exist (2026-02-30, month 13, hour 24).
Result<int64_t> ParseTime(std::string_view text);

// A global position (digits only, as ParseCount) or a time (as ParseTime).
Result<registry::AsOf> ParsePoint(std::string_view text);

}  // namespace trunkline::api
