// Hostile inputs for a plugin function: a fixed list (empty, every msgpack type at the top,
// lying counts and lengths, 100 000 levels of nesting, huge values, trailing bytes, a valid
// input cut at every length, every node of a valid input replaced by a value of each other
// type) and seeded mutations of valid inputs, at the msgpack level (wrong types, removed
// and unknown keys, non-string keys, deep nesting, huge and odd strings, boundary ints) and
// at the byte level (bit flips, cuts, insertions, type-header bytes, trailing garbage).
//
// Deterministic for a given Rng state. Not thread-safe.
#pragma once

#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "inputs.h"

namespace trunkline::plugin_check {

struct Case {
  std::string name;  // says what the input is, for failure messages
  std::string bytes;
};

// The fixed hostile cases derived from `valid` (an encoded valid input of the function),
// at most `max_cases` of them (cuts and type swaps are thinned evenly past that).
std::vector<Case> HostileCases(const std::string& valid, size_t max_cases);

// The first msgpack value of `bytes`, read into `zone` (`offset` moves past it), refused
// (msgpack's exceptions) when a count or length claims more than `bytes` could hold or it
// nests deeper than 1000: the checker reads hostile bytes too, and must not reserve memory
// for what they merely claim.
msgpack::object UnpackBounded(msgpack::zone& zone, std::string_view bytes, size_t& offset);

// 1 to 3 mutations of the msgpack value `valid`; *what says which.
std::string Mutate(const std::string& valid, Rng& rng, std::string* what);

}  // namespace trunkline::plugin_check
