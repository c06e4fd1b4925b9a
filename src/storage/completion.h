// storage/completion: how a store hands back the result of a write that completes on a thread of
// its own (the grant writes: RedeemCode, RotateRefreshToken, ApproveTransaction, TouchClient).
//
// The caller passes a Completion and returns at once; the store calls it exactly once, after the
// commit that made the write durable (or with the error that stopped it), on the store's thread:
// the batch writer (storage/sql/write_batcher), on SQLite and on PostgreSQL. So a network
// thread can start a grant's write and park no thread while it waits. A Completion must be quick,
// must not block and must not call the store.
#pragma once

#include <functional>

#include "core/status.h"

namespace authgent::storage {

template <typename T>
using Completion = std::function<void(StatusOr<T>)>;
using StatusCompletion = std::function<void(Status)>;

}  // namespace authgent::storage
