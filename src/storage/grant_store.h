// storage/grant_store: the grants: single-use authorization codes, refresh families with their
// rotation, and the denylist of revoked access tokens. Part of the Store (storage/store.h).
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
// It runs once this caller has consumed the code, so only for the one redemption that wins. It
// should only compare: anything slower lengthens SQLite's serialised write.
using IssueForCode = std::function<std::optional<IssuedFamily>(const AuthorizationCode&)>;
// Decides, inside the transaction, whether a presentation of an already consumed code is its own
// client retrying an answer it never received (the caller compares the client, the PKCE
// verifier, the redirect URI and the time since consumption). True makes the outcome kRetried,
// which revokes nothing.
using IsRetryOfCode = std::function<bool(const AuthorizationCode&)>;

// A refresh token presented for rotation (RotateRefreshToken).
struct RefreshPresentation {
  std::string token_hash;
  RefreshToken successor;  // stored on kRotated as the presented token's successor (family_id
                           // filled in by the store)
  int64_t now = 0;
  int64_t grace_seconds = 0;  // the window of parallel refreshes (Rotation::kGraceReissued)
  // When set, the family's client's use mark (last_used_at) is written in the same commit on
  // kRotated, so a refresh needs no write of its own for it.
  int64_t client_used_at = 0;
};
// Decides, inside the rotation's transaction, whether this request may rotate the live family
// (its client, its scope, its resource). Like IssueForCode, it should only compare.
using AcceptFamily = std::function<bool(const RefreshFamily&)>;

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

class GrantStore {
 public:
  virtual ~GrantStore() = default;

  virtual Status CreateCode(const AuthorizationCode& code) = 0;
  // Consumes the code atomically and, when `issue` (may be null) returns a family for it, creates
  // that family and its first token in the same transaction (one commit per code exchange). A
  // second presentation is kReplayed and revokes the family issued from the code (and denies its
  // access tokens), also in one transaction; unless `is_retry` (may be null) calls it a retry of
  // the first: kRetried, nothing revoked. `done` gets the result (storage/completion.h); the
  // store keeps `issue` and `is_retry` until it has run. `family_id` is the id `issue` will give
  // the family: the code records it as it is consumed, in the same statement; when `issue`
  // returns none or another id, the record is corrected in the same transaction.
  virtual void RedeemCode(std::string code_hash, int64_t now, std::string family_id,
                          IssueForCode issue, IsRetryOfCode is_retry,
                          Completion<CodeRedemption> done) = 0;


  // Refresh tokens.
  virtual Status CreateFamily(const RefreshFamily& family, const RefreshToken& first_token) = 0;
  // The token and its family (kNotFound when missing; expiry is the caller's to judge).
  virtual StatusOr<std::pair<RefreshToken, RefreshFamily>> GetRefreshToken(
      const std::string& token_hash) = 0;
  // Presents a refresh token (docs/mcp-clients.md §5). `accept` (may be null) runs inside the
  // transaction on the live family; returning false makes the outcome kRejected with nothing
  // changed. On kRotated, the successor is stored; a family never has more than one live branch
  // (see Rotation::Outcome). `done` gets the result (storage/completion.h); the store keeps
  // `accept` until it has run.
  virtual void RotateRefreshToken(RefreshPresentation presented, AcceptFamily accept,
                                  Completion<Rotation> done) = 0;
  // Revokes the family and denies every unexpired access token issued in it.
  virtual Status RevokeFamily(const std::string& family_id, int64_t now) = 0;

  // The grants `filter` matches, by user, client and resource.
  virtual StatusOr<std::vector<Grant>> ListGrants(const GrantFilter& filter, int64_t now) = 0;
  // Ends the grants `filter` matches, in one transaction: consents deleted (the next request asks
  // again), live refresh families revoked with their access tokens denylisted, unredeemed codes
  // deleted. The filter must name a user or a client (kInvalidArgument otherwise).
  virtual Status RevokeGrants(const GrantFilter& filter, int64_t now) = 0;

  // The access-token denylist.
  virtual Status RevokeAccessToken(const RevokedAccessToken& entry) = 0;
  virtual StatusOr<bool> IsAccessTokenRevoked(const std::string& jti) = 0;
};

}  // namespace authgent::storage
