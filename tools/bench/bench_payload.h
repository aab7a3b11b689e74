// Synthetic event payloads for benchmarks (msgpack maps shaped like trunk events).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trunkline::bench {

// A msgpack map of about `approx_bytes` bytes, different for every `seed`.
std::string MakePayload(uint64_t seed, size_t approx_bytes);

// Decodes a payload fully; returns its number of map entries, or -1 if it does not decode.
int DecodePayload(std::string_view payload);

}  // namespace trunkline::bench
