// storage/sql/sql_task: the coroutine type of the store's batched writes.
//
// A write that a batch may share (storage/sql/write_batcher.h) is written once, as a coroutine
// that awaits its statements (`co_await c.Pipelined(sql, params)`). On a connection that runs
// statements at once (SQLite) every await completes on the spot and the coroutine runs straight
// through, as a plain function would. On one that pipelines (PostgreSQL), the batch runs the
// coroutines of all its jobs side by side: each suspends at its next statement, the statements
// of all of them go to the database in one flight, and each resumes with its own result. A batch
// of 30 code exchanges then costs three round trips (with its COMMIT) instead of 90.
//
// SqlTask is lazy (it starts when first resumed or awaited), owns its frame, and hands control
// back to its awaiting coroutine when it ends. Coroutines here take their arguments by value or
// by reference to something that outlives them (a batch job's work); never a lambda coroutine
// with captures, whose captures die with the lambda.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "core/status.h"

namespace authgent::storage::sql {

template <typename T>
class [[nodiscard]] SqlTask {
 public:
  struct promise_type {
    std::optional<T> value;
    std::exception_ptr error;
    std::coroutine_handle<> continuation;  // the coroutine awaiting this one, if any

    SqlTask get_return_object() {
      return SqlTask(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        std::coroutine_handle<> next = h.promise().continuation;
        return next ? next : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_value(T v) { value.emplace(std::move(v)); }
    void unhandled_exception() { error = std::current_exception(); }
  };
  using Handle = std::coroutine_handle<promise_type>;

  SqlTask() = default;
  explicit SqlTask(Handle h) : handle_(h) {}
  SqlTask(SqlTask&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  SqlTask& operator=(SqlTask&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  SqlTask(const SqlTask&) = delete;
  SqlTask& operator=(const SqlTask&) = delete;
  // Destroying a task that is suspended destroys its frame and those of the tasks it awaits.
  ~SqlTask() {
    if (handle_) handle_.destroy();
  }

  // Awaited by another coroutine: runs this one, which resumes the awaiter when it ends.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;
  }
  T await_resume() { return Take(); }

  // Driven from outside (a batch): starts the task; it runs until its first suspension.
  void Start() { handle_.resume(); }
  bool done() const { return handle_ && handle_.done(); }
  // The value of a task that is done; rethrows what escaped it.
  T Take() {
    promise_type& p = handle_.promise();
    if (p.error) std::rethrow_exception(p.error);
    return std::move(*p.value);
  }

 private:
  Handle handle_;
};

}  // namespace authgent::storage::sql

// AUTHGENT_RETURN_IF_ERROR and AUTHGENT_ASSIGN_OR_RETURN for coroutines (co_return).
#define AUTHGENT_CO_RETURN_IF_ERROR(expr) \
  do {                                    \
    ::authgent::Status _st = (expr);      \
    if (!_st.ok()) co_return _st;         \
  } while (false)
#define AUTHGENT_CO_ASSIGN_OR_RETURN(lhs, expr) \
  AUTHGENT_CO_ASSIGN_OR_RETURN_IMPL(AUTHGENT_CONCAT(_so_, __LINE__), lhs, expr)
#define AUTHGENT_CO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) co_return tmp.status();                  \
  lhs = std::move(tmp).value()
