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

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/records.h"

namespace authgent::storage {

// The refresh family (and its first token) to create for a redeemed code.
struct IssuedFamily {
  RefreshFamily family;
  RefreshToken first_token;
  // When set, written in the same commit as the family's client's use mark (last_used_at), so
  // a new client's first code exchange needs no write of its own for it.
  int64_t client_used_at = 0;
};

// The result of presenting an authorization code at the token endpoint.
struct CodeRedemption {
  enum class Outcome {
    kRedeemed,  // this caller consumed the code: it alone may issue tokens for it
    kReplayed,  // the code had been consumed before: tokens issued from it are now revoked
    kRetried,   // consumed before, and `is_retry` says its client is retrying: nothing revoked
    kExpired,
    kNotFound,
  };
  Outcome outcome = Outcome::kNotFound;
  AuthorizationCode code;  // set for kRedeemed, kReplayed, kRetried and kExpired
  bool family_issued = false;  // kRedeemed and the caller's `issue` returned a family
};

// Decides, inside the redemption's transaction, what a redeemed code is worth: the family to
// create for it, or nothing when the request does not match the code (the code stays consumed).
// It runs before the code is marked consumed; when a concurrent redemption wins meanwhile
// (PostgreSQL), the outcome is kReplayed and what it returned is dropped. It should only compare:
// anything slower lengthens SQLite's serialised write.
using IssueForCode = std::function<std::optional<IssuedFamily>(const AuthorizationCode&)>;
// Decides, inside the transaction, whether a presentation of an already consumed code is its own
// client retrying an answer it never received (the caller compares the client, the PKCE
// verifier, the redirect URI and the time since consumption). True makes the outcome kRetried,
// which revokes nothing.
using IsRetryOfCode = std::function<bool(const AuthorizationCode&)>;

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

// The result of presenting a refresh token (docs/mcp-clients.md §5).
struct Rotation {
  enum class Outcome {
    kRotated,        // first use: `new_token` is now live, the presented one used, and new_token
                     // recorded as its successor
    kGraceReissued,  // reuse within the grace window while its successor is unused (parallel
                     // refreshes): nothing is stored; `successor` is that successor, to hand out
                     // again (with the access token it names)
    kReuseDetected,  // reuse after the grace window, or after its successor was used: theft;
                     // the whole family is now revoked
    kRevoked,        // the family was already revoked
    kExpired,        // the token's idle lifetime or the family's absolute lifetime has passed
    kRejected,       // the caller's check refused the family (wrong client, wider scope); no change
    kNotFound,
  };
  Outcome outcome = Outcome::kNotFound;
  RefreshFamily family;     // set unless kNotFound
  RefreshToken successor;   // set for kGraceReissued
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- health and schema ----
  // Applies every pending migration; safe when several instances start at once (exactly one
  // applies each migration). Returns how many this call applied.
  virtual StatusOr<int> Migrate() = 0;
  // The highest applied migration and the highest this build knows.
  virtual StatusOr<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
  // A round trip to the database.
  virtual Status Ping() = 0;

  // ---- clients ----
  virtual Status CreateClient(const Client& client) = 0;
  virtual StatusOr<Client> GetClient(const std::string& client_id) = 0;
  // Deletes the client and, by cascade, its codes, refresh families and consents.
  virtual Status DeleteClient(const std::string& client_id) = 0;
  // Ordered by client_id; at most `limit` records with client_id > `after`.
  virtual StatusOr<std::vector<Client>> ListClients(const std::string& after, int limit) = 0;
  virtual Status TouchClient(const std::string& client_id, int64_t now) = 0;

  // ---- users ----
  virtual Status CreateUser(const User& user) = 0;
  virtual StatusOr<User> GetUser(const std::string& user_id) = 0;
  virtual StatusOr<User> GetUserByUsername(const std::string& username) = 0;
  virtual StatusOr<User> GetUserByUpstream(const std::string& issuer,
                                           const std::string& subject) = 0;
  virtual Status UpdateUser(const User& user) = 0;
  virtual Status DeleteUser(const std::string& user_id) = 0;
  virtual StatusOr<std::vector<User>> ListUsers() = 0;
  virtual StatusOr<int64_t> CountUsers() = 0;

  // ---- login sessions ----
  virtual Status CreateSession(const LoginSession& session) = 0;
  // kNotFound too when the session's user is disabled.
  virtual StatusOr<LoginSession> GetSession(const std::string& session_hash, int64_t now) = 0;
  virtual Status DeleteSession(const std::string& session_hash) = 0;
  // Ends everything the user holds now, in one transaction: deletes their login sessions and
  // unredeemed authorization codes, revokes their refresh families and denies the unexpired
  // access tokens issued in them. For a password change or a disabled account.
  virtual Status RevokeUserAccess(const std::string& user_id, int64_t now) = 0;

  // ---- authorization transactions ----
  virtual Status CreateTransaction(const AuthorizationTransaction& txn) = 0;
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
  virtual StatusOr<ApprovalOutcome> ApproveTransaction(const std::string& transaction_hash,
                                                       const std::string& session_hash,
                                                       int64_t now,
                                                       const DecideApproval& decide) = 0;

  // ---- authorization codes ----
  virtual Status CreateCode(const AuthorizationCode& code) = 0;
  // Consumes the code atomically and, when `issue` (may be null) returns a family for it, creates
  // that family and its first token in the same transaction (one commit per code exchange). A
  // second presentation is kReplayed and revokes the family issued from the code (and denies its
  // access tokens), also in one transaction; unless `is_retry` (may be null) calls it a retry of
  // the first: kRetried, nothing revoked.
  virtual StatusOr<CodeRedemption> RedeemCode(const std::string& code_hash, int64_t now,
                                              const IssueForCode& issue,
                                              const IsRetryOfCode& is_retry) = 0;

  // ---- refresh tokens ----
  virtual Status CreateFamily(const RefreshFamily& family, const RefreshToken& first_token) = 0;
  // The token and its family (kNotFound when missing; expiry is the caller's to judge).
  virtual StatusOr<std::pair<RefreshToken, RefreshFamily>> GetRefreshToken(
      const std::string& token_hash) = 0;
  // Presents `token_hash` (docs/mcp-clients.md §5). `accept` runs inside the transaction on the live
  // family; returning false makes the outcome kRejected with nothing changed. On kRotated,
  // `new_token` (family_id filled in here) is stored as the presented token's successor; a family
  // never has more than one live branch (see Rotation::Outcome).
  virtual StatusOr<Rotation> RotateRefreshToken(const std::string& token_hash,
                                                const RefreshToken& new_token, int64_t now,
                                                int64_t grace_seconds,
                                                const std::function<bool(const RefreshFamily&)>& accept) = 0;
  // Revokes the family and denies every unexpired access token issued in it.
  virtual Status RevokeFamily(const std::string& family_id, int64_t now) = 0;

  // ---- the grant and approval writes, for callers that must not block ----
  // True when writes run on a thread of the store's own (SQLite's group commit): the forms below
  // then return at once. Otherwise they block like the plain forms, so a caller that must not
  // block calls them only when this is true.
  virtual bool WritesCompleteAsynchronously() const { return false; }
  // RedeemCode, RotateRefreshToken and ApproveTransaction that give their result to `done`,
  // exactly once: after the commit, on the store's writer thread when
  // WritesCompleteAsynchronously(), else on the caller's thread before returning. `done` must be
  // quick, must not block and must not call the store; the store keeps the callbacks (`issue`,
  // `accept`, `decide`) until it has run.
  virtual void RedeemCodeAsync(std::string code_hash, int64_t now, IssueForCode issue,
                               IsRetryOfCode is_retry,
                               std::function<void(StatusOr<CodeRedemption>)> done) {
    done(RedeemCode(code_hash, now, issue, is_retry));
  }
  virtual void RotateRefreshTokenAsync(std::string token_hash, RefreshToken new_token, int64_t now,
                                       int64_t grace_seconds,
                                       std::function<bool(const RefreshFamily&)> accept,
                                       std::function<void(StatusOr<Rotation>)> done) {
    done(RotateRefreshToken(token_hash, new_token, now, grace_seconds, accept));
  }
  virtual void ApproveTransactionAsync(std::string transaction_hash, std::string session_hash,
                                       int64_t now, DecideApproval decide,
                                       std::function<void(StatusOr<ApprovalOutcome>)> done) {
    done(ApproveTransaction(transaction_hash, session_hash, now, decide));
  }

  // ---- access-token denylist ----
  virtual Status RevokeAccessToken(const RevokedAccessToken& entry) = 0;
  virtual StatusOr<bool> IsAccessTokenRevoked(const std::string& jti) = 0;

  // ---- consents ----
  virtual StatusOr<Consent> GetConsent(const std::string& user_id, const std::string& client_id,
                                       const std::string& resource) = 0;
  virtual StatusOr<std::vector<Consent>> ListConsents(const std::string& user_id) = 0;

  // ---- signing keys ----
  // With `only_if_none`, inserts only into an empty key table (kAlreadyExists otherwise), so
  // instances starting together create one first key between them.
  virtual Status InsertSigningKey(const SigningKey& key, bool only_if_none) = 0;
  // Ordered by activate_at, then kid.
  virtual StatusOr<std::vector<SigningKey>> ListSigningKeys() = 0;

  // ---- shared counters (rate limits across instances) ----
  // Adds `delta` to `key` (created at `delta` if absent or expired, expiring at `expires_at`) and
  // returns the new value. A negative delta takes back an earlier addition.
  virtual StatusOr<int64_t> AddToCounter(const std::string& key, int64_t delta, int64_t expires_at,
                                         int64_t now) = 0;
  // The current value of `key` (0 when absent or expired).
  virtual StatusOr<int64_t> GetCounter(const std::string& key, int64_t now) = 0;

  // ---- housekeeping ----
  // Deletes dynamically registered clients (source "dcr") that were never used and were created
  // before `unused_before`, and those last used before `idle_before`; never one that still has a
  // live refresh family or an unexpired code. Returns how many went.
  virtual StatusOr<int64_t> ReapClients(int64_t unused_before, int64_t idle_before, int64_t now) = 0;
  // Deletes expired sessions, transactions, codes, revoked-token entries, counters and dead
  // refresh families. Returns how many rows went.
  virtual StatusOr<int64_t> PurgeExpired(int64_t now) = 0;
};

}  // namespace authgent::storage
