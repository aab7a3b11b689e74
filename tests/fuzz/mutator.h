// Mutator: turns a valid decoder input into a malformed one, both at the byte level (bit
// flips, truncation, insertions, deletions, lying headers) and at the msgpack level (values
// of the wrong type, unknown keys of every type, non-string keys, deep nesting, counts and
// lengths that claim more than follows). Used by the generated-input test and as the custom
// mutator of the libFuzzer targets.
//
// Thread-safety: not thread-safe; one Mutator per thread. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "decoders.h"

namespace trunkline::fuzz {

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  // A mutation of `input`, an input of `decoder` (its framing around one msgpack value is
  // kept apart when the middle still parses). `others` are inputs to splice from.
  std::string Mutate(const Decoder& decoder, const std::string& input,
                     const std::vector<std::string>& others);

  // What the last Mutate did, for failure messages ("flip a bit of byte 17; ...").
  const std::string& last() const { return last_; }

  struct Node;  // a msgpack value being edited (mutator.cc)

 private:
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }

  std::string MutateBytes(std::string bytes, const std::vector<std::string>& others);
  void MutateTree(Node& root);
  void Nest(Node& n);
  void SwapType(Node& n);
  Node RandomValue(int depth);
  Node NonStringKey();
  Node* PickNode(Node& root, bool maps_only);

  std::mt19937_64 rng_;
  std::string last_;
};

// Lowercase hex of at most `max` bytes of `bytes`, with "..." when cut.
std::string Hex(std::string_view bytes, size_t max = 256);

}  // namespace trunkline::fuzz
