// Generated inputs for every decoder of stored or received bytes (decoders.h): each valid
// encoding cut at every length and with every bit flipped, then thousands of seeded
// mutations. Every input must leave the decoder's contract intact (see decoders.h).
//
// The seed is fixed and printed; TRUNKLINE_FUZZ_SEED=<n> runs another, TRUNKLINE_FUZZ_CASES=<n>
// changes the number of mutations per decoder, and TRUNKLINE_FUZZ_VERBOSE=1 prints each input
// before it is decoded (to find the one that crashed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "decoders.h"
#include "mutator.h"

namespace trunkline::fuzz {
namespace {

constexpr uint64_t kDefaultSeed = 20240611;
constexpr size_t kDefaultCases = 4000;
constexpr int kMaxReports = 5;  // failures reported per test; the rest are counted

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 0) : fallback;
}

// FNV-1a: a stable hash of a decoder's name, whatever the standard library.
uint64_t NameHash(std::string_view name) {
  uint64_t h = 14695981039346656037ull;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

struct Tally {
  size_t decoded = 0;
  size_t refused = 0;
  int failures = 0;
};

class DecoderFuzzTest : public ::testing::TestWithParam<std::string> {
 protected:
  const Decoder& decoder() const { return *FindDecoder(GetParam()); }

  // Decodes one input and records a broken contract with the input and how it was made.
  void Run(std::string_view input, const std::string& how) {
    const Decoder& d = decoder();
    if (EnvOr("TRUNKLINE_FUZZ_VERBOSE", 0) != 0) {
      std::cerr << d.name << " (" << how << "): " << Hex(input, input.size()) << std::endl;
    }
    Decoder::Outcome outcome;
    try {
      outcome = d.check(input);
    } catch (const std::exception& e) {  // the checks catch what the decoder documents
      outcome.failure = std::string("threw: ") + e.what();
    }
    ++(outcome.decoded ? tally_.decoded : tally_.refused);
    if (outcome.failure.empty()) return;
    if (++tally_.failures <= kMaxReports) {
      ADD_FAILURE() << d.name << ": " << outcome.failure << "\n  input (" << how
                    << "): " << Hex(input);
    }
  }

  void Report(const char* what) {
    std::cout << decoder().name << " " << what << ": " << tally_.decoded << " decoded, "
              << tally_.refused << " refused";
    std::cout << std::endl;
    EXPECT_LE(tally_.failures, kMaxReports) << tally_.failures << " broke the contract in all";
  }

  Tally tally_;
};

TEST_P(DecoderFuzzTest, EverySeedDecodes) {
  const std::vector<std::string> seeds = decoder().seeds();
  ASSERT_FALSE(seeds.empty());
  for (const std::string& seed : seeds) {
    const Decoder::Outcome outcome = decoder().check(seed);
    EXPECT_TRUE(outcome.decoded) << Hex(seed);
    EXPECT_EQ(outcome.failure, "") << Hex(seed);
  }
}

TEST_P(DecoderFuzzTest, EveryTruncationAndBitFlipOfTheSeedsKeepsTheContract) {
  for (const std::string& seed : decoder().seeds()) {
    for (size_t n = 0; n < seed.size(); ++n) Run(seed.substr(0, n), "cut to " + std::to_string(n));
    for (size_t i = 0; i < seed.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = seed;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        Run(flipped, "bit " + std::to_string(bit) + " of byte " + std::to_string(i) + " flipped");
      }
    }
  }
  Report("cut and flipped");
  EXPECT_GT(tally_.refused, 0u);
}

TEST_P(DecoderFuzzTest, MutatedInputsKeepTheContract) {
  const uint64_t seed = EnvOr("TRUNKLINE_FUZZ_SEED", kDefaultSeed);
  const size_t cases = EnvOr("TRUNKLINE_FUZZ_CASES", kDefaultCases);
  std::cout << decoder().name << ": seed " << seed << ", " << cases << " mutations" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  // One stream of mutations per decoder, so that each decoder's cases stay the same when
  // another decoder is added.
  Mutator mutator(seed ^ NameHash(GetParam()));
  const std::vector<std::string> seeds = decoder().seeds();
  std::string input;
  for (size_t i = 0; i < cases; ++i) {
    // Mostly from a valid input; sometimes a mutation of the last mutation.
    const bool again = i % 4 == 3;
    const std::string base = again ? input : seeds[i % seeds.size()];
    input = mutator.Mutate(decoder(), base, seeds);
    Run(input, "case " + std::to_string(i) + ": " + mutator.last());
  }
  Report("mutated");
  // Both outcomes occur, or the mutations miss one side of the decoder.
  EXPECT_GT(tally_.decoded, cases / 100);
  EXPECT_GT(tally_.refused, cases / 100);
}

std::vector<std::string> DecoderNames() {
  std::vector<std::string> names;
  for (const Decoder& d : Decoders()) names.push_back(d.name);
  return names;
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Decoders, DecoderFuzzTest, ::testing::ValuesIn(DecoderNames()), ParamName);

}  // namespace
}  // namespace trunkline::fuzz
