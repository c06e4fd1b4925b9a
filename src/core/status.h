// core/status: the one way faults travel between modules.
//
// A Status is a cheap value (code + message). StatusOr<T> holds either a value or a non-OK Status.
// No exception crosses a module boundary in authgent: functions that can fail return one of these.
// Messages are for operators' logs; they are never sent to an HTTP client.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace authgent {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed
  kNotFound,            // the record does not exist (or has expired, where the contract says so)
  kAlreadyExists,       // a unique key is taken
  kFailedPrecondition,  // the record exists but its state forbids the operation (used, revoked)
  kForeignKey,          // a referenced record does not exist
  kUnavailable,         // a dependency (database, network) cannot be reached now; retrying may help
  kInternal,            // a bug or a broken invariant
  kDataLoss,            // stored data could not be decoded (corrupt row, wrong encryption key)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NOT_FOUND: client abc" style text for logs.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }

// Either a T or a non-OK Status. Accessing value() of an error is a programming bug (asserted).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like absl::StatusOr
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "StatusOr needs a non-OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace authgent

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define AUTHGENT_RETURN_IF_ERROR(expr)       \
  do {                                       \
    ::authgent::Status _st = (expr);         \
    if (!_st.ok()) return _st;               \
  } while (false)

#define AUTHGENT_CONCAT_INNER(a, b) a##b
#define AUTHGENT_CONCAT(a, b) AUTHGENT_CONCAT_INNER(a, b)
// Declares `lhs` from a StatusOr expression, returning its Status from the function on error.
#define AUTHGENT_ASSIGN_OR_RETURN(lhs, expr) \
  AUTHGENT_ASSIGN_OR_RETURN_IMPL(AUTHGENT_CONCAT(_so_, __LINE__), lhs, expr)
#define AUTHGENT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
