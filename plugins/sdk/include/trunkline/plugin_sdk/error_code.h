// The status codes a plugin reports to the host: trunkline's numbering (gRPC's and Abseil's),
// used in tl_result.code and in SyncError::code. What each one tells the host, and so what a
// plugin should pick:
//   kInvalidArgument     the input or a value is refused; never retried.
//   kNotFound            the thing asked about does not exist.
//   kPermissionDenied    the credentials may not do this: the host parks and alerts.
//   kResourceExhausted   rate limited (429): retried after the delay given.
//   kFailedPrecondition  illegal in the current state (a referenced resource is missing).
//   kUnimplemented       the plugin does not offer this call.
//   kInternal            the plugin's own fault.
//   kUnavailable         transient (5xx, an unreadable answer): retried with backoff.
//   kUnauthenticated     the credentials are refused: the host parks and alerts.
//
// Header-only, no dependencies. Thread-safety: constants only.
#pragma once

#include <cstdint>

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

enum class ErrorCode : int32_t {
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// The code as it crosses the ABI (tl_result.code, SyncError::code).
constexpr int32_t ToCode(ErrorCode code) { return static_cast<int32_t>(code); }

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
