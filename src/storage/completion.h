// storage/completion: how a store hands back the result of a call that completes on a thread of
// its own: the grant writes (RedeemCode, RotateRefreshToken, ApproveTransaction, TouchClient),
// the first connection's CreateClient and CreateTransaction, the rate counts
// (AddToRateCounters) and a signed-in browser's ReadSessionAndConsent.
//
// The caller passes a Completion and returns at once; the store calls it exactly once, after the
// commit that made the write durable (or with the error that stopped it), on the store's thread:
// the batch writer (storage/sql/write_batcher), on SQLite and on PostgreSQL, or PostgreSQL's
// reads' flights. So a network thread can start a grant's write and park no thread while it
// waits. (Exceptions, each documented where it is declared: a call with nothing to do, and
// SQLite's ReadSessionAndConsent, complete at once on the caller's thread.) A Completion must be
// quick, must not block and must not call the store.
//
// Await() turns such a call into a blocking one, for a thread that may sleep: a worker, a
// command-line tool, a test. Never on a network thread.
#pragma once

#include <functional>
#include <future>
#include <memory>

#include "core/status.h"

namespace authgent::storage {

template <typename T>
using Completion = std::function<void(StatusOr<T>)>;
using StatusCompletion = std::function<void(Status)>;

// Starts `start(completion)` and waits for the value the completion is given.
template <typename T, typename Start>
T Await(Start&& start) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> result = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  return result.get();
}

}  // namespace authgent::storage
