// Every decoder of stored or received bytes, as the fuzz tests drive them: a name, valid
// inputs to start from, and a check that runs the decoder on any input and says whether it
// kept its contract. Shared by the generated-input test (decoder_fuzz_test.cc), the
// libFuzzer targets (fuzz_decoder.cc) and the seed corpus writer (write_seeds.cc).
//
// The contract checked, for every input: no crash, no undefined behaviour, no exception
// other than the one the decoder documents; either a success or an error whose message is
// not empty (with the code the decoder documents); and a success re-encodes to bytes that
// decode to the same value and re-encode to the same bytes.
//
// Thread-safety: the checks of the trunk snapshot file share one scratch file; call them
// from one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trunkline::fuzz {

struct Decoder {
  struct Outcome {
    bool decoded = false;  // the input decoded (else the decoder refused it)
    std::string failure;   // empty when the decoder kept its contract; else what went wrong
  };

  const char* name;
  // An input is prefix bytes, then one msgpack value (when `msgpack`), then suffix bytes:
  // e.g. the event decoder's input starts with a byte that selects the type and version,
  // and a record ends with its 32-byte hash.
  size_t prefix = 0;
  size_t suffix = 0;
  bool msgpack = true;
  std::vector<std::string> (*seeds)() = nullptr;  // valid inputs; each decodes
  // Runs the decoder on `input` and checks what it did.
  Outcome (*check)(std::string_view input) = nullptr;
};

const std::vector<Decoder>& Decoders();
// Null when no decoder has that name.
const Decoder* FindDecoder(std::string_view name);

}  // namespace trunkline::fuzz
