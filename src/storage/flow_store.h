// storage/flow_store: the authorization flow: transactions between /oauth/authorize and the
// consent decision, the approval that ends one (with its consent and code), and the standing
// consents. Part of the Store (storage/store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/completion.h"
#include "storage/records.h"

namespace authgent::storage {

// What a consent approval stores: the consent and the authorization code.
struct Approval {
  Consent consent;
  AuthorizationCode code;
};
// Decides, inside the approval's transaction, on the live transaction and the live session the
// caller presented (their match, the CSRF token): the approval to store, or nothing. Like
// IssueForCode, it should only compare and build records.
using DecideApproval =
    std::function<std::optional<Approval>(const AuthorizationTransaction&, const LoginSession&)>;
enum class ApprovalOutcome { kApproved, kRefused, kNotFound };

class AuthorizationFlowStore {
 public:
  virtual ~AuthorizationFlowStore() = default;

  // A new transaction; `done` gets the status after the commit (storage/completion.h):
  // kAlreadyExists when its hash (or upstream state hash) is taken.
  virtual void CreateTransaction(AuthorizationTransaction txn, StatusCompletion done) = 0;
  // kNotFound when missing, expired or consumed.
  virtual StatusOr<AuthorizationTransaction> GetTransaction(const std::string& transaction_hash,
                                                            int64_t now) = 0;
  // Updates session_hash, user_id, csrf_hash and the upstream_* fields of a live transaction.
  virtual Status UpdateTransaction(const AuthorizationTransaction& txn) = 0;
  // Marks the transaction consumed and returns it; exactly one caller ever succeeds.
  virtual StatusOr<AuthorizationTransaction> ConsumeTransaction(const std::string& transaction_hash,
                                                                int64_t now) = 0;
  // The same, found by the upstream `state` the IdP sends back.
  virtual StatusOr<AuthorizationTransaction> ConsumeTransactionByUpstreamState(
      const std::string& upstream_state_hash, int64_t now) = 0;
  // The user's approval, as one commit: reads the live transaction and the live login session
  // the caller presents, asks `decide`, and when it approves consumes the transaction, records
  // the consent (inserted; or, over a standing consent, the union of both scopes, space-separated,
  // sorted, each once, with `consent.updated_at` and the standing `created_at`) and stores the
  // code. The merge happens inside the commit, so two approvals at once cannot lose each other's
  // scopes. kNotFound, with nothing written, when the transaction is missing, expired or consumed
  // or the session missing or expired; kRefused, with nothing written, when `decide` refuses.
  // `done` gets the outcome (storage/completion.h); the store keeps `decide` until it has run.
  virtual void ApproveTransaction(std::string transaction_hash, std::string session_hash,
                                  int64_t now, DecideApproval decide,
                                  Completion<ApprovalOutcome> done) = 0;


  // Consents (written only by ApproveTransaction).
  virtual StatusOr<Consent> GetConsent(const std::string& user_id, const std::string& client_id,
                                       const std::string& resource) = 0;
  // A live session (as AccountStore::GetSession: kNotFound when missing, expired or its user
  // disabled) with its user's consent for `client_id` and `resource`, read together: what an
  // authorization request of a signed-in browser needs, in one statement.
  virtual StatusOr<SessionAndConsent> GetSessionAndConsent(const std::string& session_hash,
                                                           int64_t now,
                                                           const std::string& client_id,
                                                           const std::string& resource) = 0;
  // The same for a caller that must not block (storage/completion.h): on PostgreSQL the read
  // joins the reads' shared flights and `done` runs on their thread. SQLite reads in-process:
  // there `done` runs at once on the caller's thread, which must be one that may block
  // (Store::ReadsInProcess).
  virtual void ReadSessionAndConsent(std::string session_hash, int64_t now, std::string client_id,
                                     std::string resource, Completion<SessionAndConsent> done) = 0;
  virtual StatusOr<std::vector<Consent>> ListConsents(const std::string& user_id) = 0;
};

// CreateTransaction waited for, by a thread that may block (a worker, a test).
inline Status CreateTransactionAndWait(AuthorizationFlowStore& store,
                                       AuthorizationTransaction txn) {
  return Await<Status>(
      [&](StatusCompletion done) { store.CreateTransaction(std::move(txn), std::move(done)); });
}

}  // namespace authgent::storage
