// TRUNKLINE_CHECK: aborts the process when an invariant of the program itself is broken.
// Not for bad input or failed I/O: those are Status values.
#pragma once

namespace trunkline::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message);
}  // namespace trunkline::internal

#define TRUNKLINE_CHECK(condition)                                                 \
  do {                                                                             \
    if (!(condition)) {                                                            \
      ::trunkline::internal::CheckFailed(__FILE__, __LINE__, #condition, nullptr); \
    }                                                                              \
  } while (false)

#define TRUNKLINE_CHECK_MSG(condition, message)                                    \
  do {                                                                             \
    if (!(condition)) {                                                            \
      ::trunkline::internal::CheckFailed(__FILE__, __LINE__, #condition, message); \
    }                                                                              \
  } while (false)
