// gMock matchers and assertions for Status and Result<T>, in the manner of Abseil's:
//
//   EXPECT_OK(journal->Append(request));            // a Status or a Result<T>
//   ASSERT_OK(registry->Get("hq", at));
//   EXPECT_THAT(result, StatusIs(StatusCode::kAborted));
//   EXPECT_THAT(result, StatusIs(StatusCode::kAborted, "expected 2"));  // message substring
//
// Failures print the code and message (and a Result's value when it has one), never bytes.
//
// Thread-safety: as gMock's matchers.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "trunkline/base/status.h"

namespace trunkline {

// gtest prints a Result as its status, or as "OK: " and its value.
template <typename T>
void PrintTo(const Result<T>& result, std::ostream* out) {
  if (result.ok()) {
    *out << "OK: " << ::testing::PrintToString(*result);
  } else {
    *out << result.status();
  }
}

namespace testing {

inline Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.status();
}

class StatusIsMatcher {
 public:
  StatusIsMatcher(StatusCode code, std::optional<std::string> substring)
      : code_(code), substring_(std::move(substring)) {}

  template <typename StatusOrResult>
  bool MatchAndExplain(const StatusOrResult& value,
                       ::testing::MatchResultListener* listener) const {
    const Status status = StatusOf(value);
    if (status.code() != code_) {
      *listener << "whose code is " << StatusCodeName(status.code());
      return false;
    }
    if (substring_ && status.message().find(*substring_) == std::string::npos) {
      *listener << "whose message \"" << status.message() << "\" does not contain \"" << *substring_
                << "\"";
      return false;
    }
    return true;
  }

  void DescribeTo(std::ostream* out) const {
    *out << "has code " << StatusCodeName(code_);
    if (substring_) *out << " and a message containing \"" << *substring_ << "\"";
  }
  void DescribeNegationTo(std::ostream* out) const {
    *out << "does not have code " << StatusCodeName(code_);
    if (substring_) *out << " or has a message without \"" << *substring_ << "\"";
  }

 private:
  StatusCode code_;
  std::optional<std::string> substring_;
};

// Matches a Status or Result<T> with this code.
inline ::testing::PolymorphicMatcher<StatusIsMatcher> StatusIs(StatusCode code) {
  return ::testing::MakePolymorphicMatcher(StatusIsMatcher(code, std::nullopt));
}
// Matches a Status or Result<T> with this code and a message containing `substring`.
inline ::testing::PolymorphicMatcher<StatusIsMatcher> StatusIs(StatusCode code,
                                                               std::string substring) {
  return ::testing::MakePolymorphicMatcher(StatusIsMatcher(code, std::move(substring)));
}
// Matches an OK Status, or a Result<T> that holds a value.
inline ::testing::PolymorphicMatcher<StatusIsMatcher> IsOk() { return StatusIs(StatusCode::kOk); }

}  // namespace testing
}  // namespace trunkline

// The test fails (ASSERT_: and returns) unless `expr`, a Status or Result<T>, is OK.
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::trunkline::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::trunkline::testing::IsOk())
