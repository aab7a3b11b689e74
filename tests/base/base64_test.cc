#include "trunkline/base/base64.h"

#include <gtest/gtest.h>

namespace trunkline {
namespace {

TEST(Base64Test, MatchesTheRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string_view("\0\xff", 2)), "AP8=");
}

TEST(Base64Test, BasicAuthorizationJoinsUserAndPasswordWithAColon) {
  // RFC 7617's example.
  EXPECT_EQ(BasicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(BasicAuthorization("", ""), "Basic Og==");
}

}  // namespace
}  // namespace trunkline
