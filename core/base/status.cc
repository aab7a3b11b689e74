#include "trunkline/base/status.h"

#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "trunkline/base/check.h"

namespace trunkline {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN_CODE";
}

Status::Status(StatusCode code, std::string message)
    : code_(code), message_(code == StatusCode::kOk ? std::string() : std::move(message)) {}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.ToString();
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message));
}

#define TRUNKLINE_DEFINE_ERROR(Name, Code) \
  Status Name(std::string message) { return Status(StatusCode::Code, std::move(message)); }
TRUNKLINE_DEFINE_ERROR(CancelledError, kCancelled)
TRUNKLINE_DEFINE_ERROR(UnknownError, kUnknown)
TRUNKLINE_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
TRUNKLINE_DEFINE_ERROR(DeadlineExceededError, kDeadlineExceeded)
TRUNKLINE_DEFINE_ERROR(NotFoundError, kNotFound)
TRUNKLINE_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
TRUNKLINE_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
TRUNKLINE_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
TRUNKLINE_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
TRUNKLINE_DEFINE_ERROR(AbortedError, kAborted)
TRUNKLINE_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
TRUNKLINE_DEFINE_ERROR(UnimplementedError, kUnimplemented)
TRUNKLINE_DEFINE_ERROR(InternalError, kInternal)
TRUNKLINE_DEFINE_ERROR(UnavailableError, kUnavailable)
TRUNKLINE_DEFINE_ERROR(DataLossError, kDataLoss)
TRUNKLINE_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
#undef TRUNKLINE_DEFINE_ERROR

bool IsRetryable(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kAborted:
    case StatusCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

namespace internal {
void CheckFailed(const char* file, int line, const char* condition, const char* message) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s%s%s\n", file, line, condition,
               message ? ": " : "", message ? message : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace internal

}  // namespace trunkline
