// StatusIs and the OK assertions fail when they should, and say why in words.
#include "testutil/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace trunkline::testing {
namespace {

using ::testing::Not;

TEST(StatusIsTest, MatchesTheCodeAndASubstringOfTheMessage) {
  const Status aborted = AbortedError("stream trunk-1 is at version 3, expected 2");
  EXPECT_THAT(aborted, StatusIs(StatusCode::kAborted));
  EXPECT_THAT(aborted, StatusIs(StatusCode::kAborted, "expected 2"));
  EXPECT_THAT(aborted, Not(StatusIs(StatusCode::kNotFound)));
  EXPECT_THAT(aborted, Not(StatusIs(StatusCode::kAborted, "expected 7")));
  EXPECT_THAT(OkStatus(), IsOk());
  EXPECT_THAT(aborted, Not(IsOk()));
}

TEST(StatusIsTest, MatchesAResultByItsStatus) {
  EXPECT_THAT(Result<int>(7), IsOk());
  EXPECT_THAT(Result<int>(NotFoundError("no trunk hq")), StatusIs(StatusCode::kNotFound, "hq"));
  EXPECT_THAT(Result<int>(7), Not(StatusIs(StatusCode::kNotFound)));
}

TEST(StatusIsTest, ExplainsAMismatchInWords) {
  const Status status = NotFoundError("no trunk hq");
  EXPECT_EQ(::testing::DescribeMatcher<Status>(StatusIs(StatusCode::kAborted, "expected")),
            "has code ABORTED and a message containing \"expected\"");
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(StatusIs(StatusCode::kAborted), status, &listener));
  EXPECT_EQ(listener.str(), "whose code is NOT_FOUND");
  ::testing::StringMatchResultListener message_listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(StatusIs(StatusCode::kNotFound, "branch"), status,
                                             &message_listener));
  EXPECT_EQ(message_listener.str(), "whose message \"no trunk hq\" does not contain \"branch\"");
}

TEST(StatusMacrosTest, FailWithTheCodeAndMessageNotBytes) {
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(InternalError("disk on fire")), "INTERNAL: disk on fire");
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(Result<int>(NotFoundError("no trunk hq"))),
                          "NOT_FOUND: no trunk hq");
  EXPECT_FATAL_FAILURE(ASSERT_OK(DataLossError("bad checksum at 12")),
                       "DATA_LOSS: bad checksum at 12");
  EXPECT_OK(OkStatus());
  ASSERT_OK(Result<int>(1));
}

}  // namespace
}  // namespace trunkline::testing
