#include "trunkline/base/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace trunkline {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("x: must be even, got " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  TRUNKLINE_ASSIGN_OR_RETURN(int half, Half(x));
  TRUNKLINE_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status MustBeQuarterable(int x) {
  TRUNKLINE_RETURN_IF_ERROR(Quarter(x).status());
  return OkStatus();
}

TEST(StatusTest, OkHasNoMessage) {
  Status s(StatusCode::kOk, "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(AbortedError("stream s at 3, expected 2").ToString(),
            "ABORTED: stream s at 3, expected 2");
  EXPECT_EQ(DataLossError("x").code(), StatusCode::kDataLoss);
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = NotFoundError("no such key").WithContext("reading position 7");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "reading position 7: no such key");
  EXPECT_TRUE(OkStatus().WithContext("anything").ok());
}

TEST(StatusTest, RetryableCodesAreExactlyTheTransientOnes) {
  EXPECT_TRUE(IsRetryable(UnavailableError("")));
  EXPECT_TRUE(IsRetryable(ResourceExhaustedError("")));
  EXPECT_TRUE(IsRetryable(AbortedError("")));
  EXPECT_TRUE(IsRetryable(DeadlineExceededError("")));
  EXPECT_FALSE(IsRetryable(InvalidArgumentError("")));
  EXPECT_FALSE(IsRetryable(DataLossError("")));
  EXPECT_FALSE(IsRetryable(UnauthenticatedError("")));
  EXPECT_FALSE(IsRetryable(OkStatus()));
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "x: must be even, got 3");
  EXPECT_TRUE(MustBeQuarterable(4).ok());
  EXPECT_EQ(MustBeQuarterable(5).code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, OkStatusIsNotAValue) {
  Result<int> r{OkStatus()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(ResultTest, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

}  // namespace
}  // namespace trunkline
