// Classifying a provider's answers, the part every adapter shares (ABI.md, Sync: "Classify
// errors"): what an HTTP status means in trunkline's codes and whether a retry can help,
// Retry-After, the operator's message, and the error for an answer that cannot be read. The
// provider-specific part (its error body, which field a refusal is about, a missing
// reference) stays in the plugin, which refines what ClassifyStatus gives.
//
// Header-only, no dependencies. Thread-safety: safe for concurrent use.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "trunkline/plugin_sdk/error_code.h"
#include "trunkline/plugin_sdk/sync.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

// Thrown by an adapter's answer parsing when an answer that should be a resource of a known
// shape is not (not JSON, a list missing, a value of the wrong type). Absorb catches it and
// answers UnreadableAnswer: something between answered for the provider, or it misspoke.
class MalformedAnswer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether two header names are the same (HTTP compares them ignoring ASCII case).
inline bool SameHeaderName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The value of the first header named `name`, or nullopt.
inline std::optional<std::string_view> FindHeader(const NameValues& headers,
                                                  std::string_view name) {
  for (const auto& [n, value] : headers) {
    if (SameHeaderName(n, name)) return value;
  }
  return std::nullopt;
}

// Retry-After in milliseconds, when it is delta-seconds from 0 to a day. An HTTP-date is not
// read: it needs a clock, and an adapter has none.
inline std::optional<int64_t> RetryAfterMs(const NameValues& headers) {
  for (const auto& [name, value] : headers) {
    if (!SameHeaderName(name, "Retry-After")) continue;
    int64_t seconds = 0;
    const char* end = value.data() + value.size();
    auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
    if (ec == std::errc() && ptr == end && seconds >= 0 && seconds <= 86'400) {
      return seconds * 1000;
    }
  }
  return std::nullopt;
}

// What an answer of `status` that is not the success the step expects amounts to, before the
// provider's body is read: the code, whether a retry can help, and Retry-After for a 429.
//   429 -> kResourceExhausted, retryable      5xx -> kUnavailable, retryable
//   401 -> kUnauthenticated                   403 -> kPermissionDenied
//   404 -> kNotFound                          405, 415 -> kInternal (a request the API
//   other 4xx -> kInvalidArgument (refused)              does not take: the adapter's fault)
//   anything else (1xx-3xx) -> kUnavailable, retryable (not the answer expected)
// The plugin refines it: a 404 about a referenced resource is kFailedPrecondition with the
// field, a refused value names its field, and the provider's code and message are added.
inline SyncError ClassifyStatus(int status, const NameValues& headers) {
  SyncError e;
  e.retryable = false;
  if (status == 429) {
    e.code = ToCode(ErrorCode::kResourceExhausted);
    e.retryable = true;
    e.retry_after_ms = RetryAfterMs(headers);
  } else if (status >= 500) {
    e.code = ToCode(ErrorCode::kUnavailable);
    e.retryable = true;
  } else if (status == 401) {
    e.code = ToCode(ErrorCode::kUnauthenticated);
  } else if (status == 403) {
    e.code = ToCode(ErrorCode::kPermissionDenied);
  } else if (status == 404) {
    e.code = ToCode(ErrorCode::kNotFound);
  } else if (status == 405 || status == 415) {
    e.code = ToCode(ErrorCode::kInternal);
  } else if (status >= 400) {
    e.code = ToCode(ErrorCode::kInvalidArgument);
  } else {
    e.code = ToCode(ErrorCode::kUnavailable);
    e.retryable = true;
  }
  return e;
}

// "<provider> answered <status> to <METHOD> <path> (<target>)": the start of an error's
// message for operators (never holds a credential: requests carry none).
inline std::string DescribeAnswer(std::string_view provider, const Step& step, int status) {
  return std::string(provider) + " answered " + std::to_string(status) + " to " +
         step.request.method + " " + step.request.path + " (" + step.target + ")";
}

// The error for an answer that could not be read (MalformedAnswer): kUnavailable, retryable,
// "<provider>'s answer (<status>) to <METHOD> <path> <what>".
inline SyncError UnreadableAnswer(std::string_view provider, const Step& step, int status,
                                  std::string_view what) {
  SyncError e;
  e.code = ToCode(ErrorCode::kUnavailable);
  e.retryable = true;
  e.message = std::string(provider) + "'s answer (" + std::to_string(status) + ") to " +
              step.request.method + " " + step.request.path + " " + std::string(what);
  return e;
}

// Whether `word` occurs in `text` as a whole word: not preceded or followed by a letter, a
// digit or one of `also_letters` (e.g. "_" for snake_case names). An empty word never does.
inline bool MentionsWord(std::string_view text, std::string_view word,
                         std::string_view also_letters = "") {
  if (word.empty()) return false;
  const auto letter = [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           also_letters.find(c) != std::string_view::npos;
  };
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !letter(text[at - 1])) && (end == text.size() || !letter(text[end]))) {
      return true;
    }
  }
  return false;
}

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
