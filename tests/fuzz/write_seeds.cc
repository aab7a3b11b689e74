// trunkline_fuzz_seeds DIR: writes the valid inputs of every decoder of decoders.h, as
// DIR/<decoder>/seed-<n>: the seed corpora of the libFuzzer targets.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "decoders.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  for (const trunkline::fuzz::Decoder& decoder : trunkline::fuzz::Decoders()) {
    const std::filesystem::path dir = std::filesystem::path(argv[1]) / decoder.name;
    std::filesystem::create_directories(dir);
    int n = 0;
    for (const std::string& seed : decoder.seeds()) {
      std::ofstream out(dir / ("seed-" + std::to_string(n++)), std::ios::binary);
      out.write(seed.data(), static_cast<std::streamsize>(seed.size()));
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", dir.c_str());
        return 1;
      }
    }
  }
  return 0;
}
