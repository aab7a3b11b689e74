// The value of an "Authorization: Basic" header, for the emulator tests.
#pragma once

#include <string>

#include "trunkline/base/base64.h"

namespace trunkline::emulator::testing {

inline std::string Basic(const std::string& user, const std::string& password) {
  return BasicAuthorization(user, password);
}

}  // namespace trunkline::emulator::testing
