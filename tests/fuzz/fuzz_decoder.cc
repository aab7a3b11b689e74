// libFuzzer target for one decoder of decoders.h, named by TRUNKLINE_FUZZ_DECODER at compile
// time (one executable per decoder: fuzz_<decoder>). A broken contract aborts with what
// broke; half of the mutations are libFuzzer's own, half the msgpack-aware ones of
// mutator.h.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "decoders.h"
#include "mutator.h"

namespace {

const trunkline::fuzz::Decoder& TheDecoder() {
  static const trunkline::fuzz::Decoder* decoder =
      trunkline::fuzz::FindDecoder(TRUNKLINE_FUZZ_DECODER);
  if (decoder == nullptr) {
    std::fprintf(stderr, "no decoder named %s\n", TRUNKLINE_FUZZ_DECODER);
    std::abort();
  }
  return *decoder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const trunkline::fuzz::Decoder& decoder = TheDecoder();
  const trunkline::fuzz::Decoder::Outcome outcome =
      decoder.check(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!outcome.failure.empty()) {
    std::fprintf(stderr, "%s: %s\n", decoder.name, outcome.failure.c_str());
    std::abort();
  }
  return 0;
}

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  if (seed % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
  static const std::vector<std::string> seeds = TheDecoder().seeds();
  trunkline::fuzz::Mutator mutator(seed);
  std::string out =
      mutator.Mutate(TheDecoder(), std::string(reinterpret_cast<const char*>(data), size), seeds);
  if (out.size() > max_size) out.resize(max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
