// Status and Result<T>: the error values every trunkline component returns.
//
// Codes are numbered as in gRPC and Abseil. What each code asks of the caller:
//   kInvalidArgument    bad input; never retry.
//   kFailedPrecondition illegal in the current state; do not retry as is.
//   kAborted            version conflict; reload, decide again, re-append.
//   kNotFound, kAlreadyExists  as named.
//   kUnavailable        transient; retry with backoff.
//   kResourceExhausted  rate limited; retry after the delay.
//   kDeadlineExceeded   may have been applied; observe before acting again.
//   kUnauthenticated, kPermissionDenied  park and alert.
//   kDataLoss           stored data is corrupt or missing; stop and alert.
//
// Thread-safety: value types; a const Status or Result may be read from many threads.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trunkline {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT", "ABORTED", ...
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "ABORTED: stream trunk-1 is at version 3, expected 2"; "OK" when ok().
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status the caller has decided not to act on.
  void IgnoreError() const {}

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Writes ToString(): test failures and logs show the code and message.
std::ostream& operator<<(std::ostream& out, const Status& status);

inline Status OkStatus() { return Status(); }
Status CancelledError(std::string message);
Status UnknownError(std::string message);
Status InvalidArgumentError(std::string message);
Status DeadlineExceededError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);
Status UnauthenticatedError(std::string message);

// True for the codes that a retry (with backoff, or after the provider's delay) may cure:
// kUnavailable, kResourceExhausted, kAborted and kDeadlineExceeded. A kDeadlineExceeded
// operation may have been applied: the caller observes before acting again.
bool IsRetryable(const Status& status);

// A value or the Status explaining its absence; shaped like std::expected<T, Status>.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    if (std::get<1>(v_).ok()) {
      v_.template emplace<1>(StatusCode::kInternal, "Result constructed from an OK status");
    }
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES for value access: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace trunkline

#define TRUNKLINE_STATUS_CONCAT_INNER(a, b) a##b
#define TRUNKLINE_STATUS_CONCAT(a, b) TRUNKLINE_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define TRUNKLINE_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::trunkline::Status trunkline_status_ = (expr);        \
    if (!trunkline_status_.ok()) return trunkline_status_; \
  } while (false)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, otherwise moves the value
// into `lhs` (a declaration such as `auto x` or an existing variable).
#define TRUNKLINE_ASSIGN_OR_RETURN(lhs, rexpr) \
  TRUNKLINE_ASSIGN_OR_RETURN_IMPL(TRUNKLINE_STATUS_CONCAT(trunkline_result_, __LINE__), lhs, rexpr)
#define TRUNKLINE_ASSIGN_OR_RETURN_IMPL(result, lhs, rexpr) \
  auto result = (rexpr);                                    \
  if (!result.ok()) return result.status();                 \
  lhs = std::move(result).value()
