// Trunk ids for tests of values moving between two trunks: pair k's trunks, <prefix><kk>a and
// <prefix><kk>b, sit next to each other in id order, so the sync worker (which takes trunks
// in id order) starts their reconciles together.
#pragma once

#include <cstdio>
#include <string>

namespace trunkline::sync {

inline std::string PairedId(char prefix, int pair, char side) {
  char text[16];
  std::snprintf(text, sizeof text, "%c%02d%c", prefix, pair, side);
  return text;
}

}  // namespace trunkline::sync
