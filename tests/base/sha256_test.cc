#include "trunkline/base/sha256.h"

#include <gtest/gtest.h>

namespace trunkline {
namespace {

TEST(Sha256Test, MatchesKnownVectors) {
  EXPECT_EQ(ToHex(Sha256Of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, IncrementalEqualsOneShotAndHasherIsReusable) {
  Sha256 hasher;
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.Finish(), Sha256Of("abc"));
  hasher.Update("");
  EXPECT_EQ(hasher.Finish(), Sha256Of(""));
}

TEST(Sha256Test, HexRoundTripsAndAnythingElseIsRefused) {
  const Sha256Digest digest = Sha256Of("abc");
  EXPECT_EQ(DigestFromHex(ToHex(digest)), digest);
  EXPECT_EQ(DigestFromHex(ToHex(digest).substr(1)), std::nullopt);
  std::string upper = ToHex(digest);
  upper[0] = 'B';
  EXPECT_EQ(DigestFromHex(upper), std::nullopt);
  EXPECT_EQ(DigestFromHex(std::string(64, 'g')), std::nullopt);
}

}  // namespace
}  // namespace trunkline
