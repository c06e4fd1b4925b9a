// storage/store: the one interface through which authgent keeps state. Every backend (SQLite,
// PostgreSQL) implements it and passes the conformance suite in storage/testing.
//
// Contract for every method:
//  - Faults (database unreachable, corrupt data) are a non-OK Status; callers turn them into 500/503.
//  - Constraint violations are precise: kAlreadyExists (unique key taken), kForeignKey (referenced
//    record missing), kNotFound (no such record). No method throws.
//  - Methods that take `now` treat records whose expiry is <= now as absent.
//  - The single-use and rotation operations (RedeemCode, ConsumeTransaction, RotateRefreshToken)
//    are atomic across threads, processes and instances sharing one database.
#pragma once

#include "storage/account_store.h"
#include "storage/client_store.h"
#include "storage/counter_store.h"
#include "storage/flow_store.h"
#include "storage/grant_store.h"
#include "storage/signing_key_store.h"
#include "storage/storage_metrics.h"

namespace authgent::storage {

// Everything authgent keeps, by concern. A consumer that needs one part takes that interface
// (the key ring a SigningKeyStore&, the rate limiter a CounterStore&, ...).
class Store : public ClientStore,
              public AccountStore,
              public AuthorizationFlowStore,
              public GrantStore,
              public SigningKeyStore,
              public CounterStore {
 public:
  ~Store() override = default;

  // ---- health and schema ----
  // Applies every pending migration; safe when several instances start at once (exactly one
  // applies each migration). Returns how many this call applied.
  virtual StatusOr<int> Migrate() = 0;
  // The highest applied migration and the highest this build knows.
  virtual StatusOr<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
  // A round trip to the database.
  virtual Status Ping() = 0;
  // True when reads run on the calling thread (SQLite, in-process): a caller that must not block
  // reads on a worker. False when they complete on the store's own thread (PostgreSQL's shared
  // flights), so that a network thread can start one and wait without a thread
  // (ReadSessionAndConsent).
  virtual bool ReadsInProcess() const = 0;
  // Where to report how long transactions and connection waits take; call before serving.
  virtual void SetMetrics(const StorageMetrics& metrics) = 0;

  // Deletes expired sessions, transactions, codes, revoked-token entries, counters and dead
  // refresh families. Returns how many rows went.
  virtual StatusOr<int64_t> PurgeExpired(int64_t now) = 0;
};

}  // namespace authgent::storage
