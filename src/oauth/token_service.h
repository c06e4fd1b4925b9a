// oauth/token_service: what the token endpoint does once the client is authenticated
// (docs/mcp-clients.md §5 and §6): the authorization_code, refresh_token and client_credentials grants,
// minting RFC 9068 ES256 access tokens, and issuing authorization codes for /authorize.
//
// Every grant is at most one store write (RedeemCode, which also creates the code's refresh
// family; RotateRefreshToken; a client_credentials grant's hourly use mark, TouchClient), so
// concurrent and replayed requests are decided by the database, in one transaction each. A grant
// is split around that write, which completes on the store's own thread: Begin() checks and
// prepares, PendingGrant::Write() hands the write over, and Finish() signs (see PendingGrant).
// Nothing here blocks except a key ring that must reload (KeyRing::NeedsReload) and
// RefreshWouldFail, which reads the store.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/key_ring.h"
#include "oauth/authorize.h"
#include "oauth/errors.h"
#include "oauth/params.h"
#include "oauth/resource.h"
#include "storage/store.h"

namespace authgent::oauth {

struct TokenSettings {
  std::string issuer;
  int64_t access_token_ttl = 3600;
  int64_t refresh_token_ttl = 30 * 86400;  // absolute lifetime of a refresh family
  int64_t refresh_idle_ttl = 7 * 86400;    // a refresh token unused this long dies
  int64_t refresh_reuse_grace = 60;        // parallel refreshes with one token within this
  int64_t code_ttl = 600;
  // The key a refresh token's successor is derived with (HMAC-SHA256 of the presented token), so
  // that a parallel refresh within the grace window is handed the same successor again without
  // the store keeping it: every instance must have the same one (KeyRing::DeriveSecret).
  std::string refresh_successor_key;
};

// A client's last_used_at (which drives reaping) is written at most this often.
constexpr int64_t kClientUseMarkInterval = 3600;
// The one rule of that write: a grant at `now` (or within `margin` seconds after it) writes the
// client's use mark when the last one is this old.
inline bool ClientUseMarkDue(const storage::Client& client, int64_t now, int64_t margin = 0) {
  return now + margin - client.last_used_at >= kClientUseMarkInterval;
}
// For this long after a code's redemption, its own client presenting it again with the same PKCE
// verifier is retrying a lost answer: refused, but nothing is revoked (docs/security.md).
constexpr int64_t kCodeRetryWindow = 30;

struct MintedAccessToken {
  std::string token;
  std::string jti;
  int64_t issued_at = 0;
  int64_t expires_at = 0;  // issued_at + the client's access-token lifetime
  std::string subject;     // set when signed
  std::string audience;    // set when signed
};

// What a token response issued, for the audit trail and metrics (never a token itself).
struct IssuedTokens {
  std::string subject;  // the user, or the client for client_credentials
  std::string audience;
  std::string scope;
  std::string jti;
  bool refresh_token = false;
};

// A successful token response's JSON body, as text (core/json_writer writes it).
struct TokenResponseBody {
  std::string json;
  IssuedTokens issued;
};

// The token endpoint's answer: the JSON body of a success, or the error.
using TokenAnswer = std::variant<TokenResponseBody, OAuthError>;

// A grant waiting for its one store write: checked, its new tokens drawn, its checks against the
// stored code or family ready to run inside the write. Write() once, then Finish() once.
class PendingGrant {
 public:
  virtual ~PendingGrant() = default;
  // Hands the write to the store and returns; `written` runs after the commit, on the store's
  // thread (storage/completion.h), so it should hand Finish() to another thread.
  virtual void Write(std::function<void()> written) = 0;
  // Signs the access token and builds the answer (or the error the write decided).
  virtual TokenAnswer Finish() = 0;
};

class TokenService {
 public:
  TokenService(storage::Store& store, crypto::KeyRing& keys, const Clock& clock, Random& random,
               const TokenSettings& settings, const ResourceCatalog& catalog)
      : store_(store),
        keys_(keys),
        clock_(clock),
        random_(random),
        settings_(settings),
        catalog_(catalog) {}

  // A token request of an authenticated client: the grant waiting for its store write, or the
  // answer when it needs none (every error; client_credentials, unless the client's use mark is
  // due). The grant keeps copies of what it needs, not references to `params` or `client`.
  std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> Begin(const Params& params,
                                                                 const storage::Client& client);

  // True when a refresh_token request would certainly fail with invalid_grant; lets a rate
  // limiter answer the terminal error instead of a 429 that would hide it.
  bool RefreshWouldFail(const Params& params, const storage::Client& client);

  // A new authorization code for an approved request: the code to send and the record that
  // stores it (not yet stored; see IssueCode and Store::ApproveTransaction).
  struct NewAuthorizationCode {
    std::string code;
    storage::AuthorizationCode record;
  };
  NewAuthorizationCode NewCode(const AuthorizeRequest& request, const std::string& user_id,
                               int64_t auth_time);
  // The same in two steps, for a code whose record is built inside a write transaction: the
  // random part first (NewCodeToken), then the record around it (CodeFor), which only copies.
  std::string NewCodeToken();
  NewAuthorizationCode CodeFor(std::string code, const AuthorizeRequest& request,
                               const std::string& user_id, int64_t auth_time, int64_t now);
  // Stores a new authorization code for an approved request; returns the code to send.
  StatusOr<std::string> IssueCode(const AuthorizeRequest& request, const std::string& user_id,
                                  int64_t auth_time);

  // A jti and expiry for an access token about to be issued (stored with its refresh token
  // before it is signed).
  MintedAccessToken ReserveAccessToken(const storage::Client& client);
  // An OpenID Connect id_token (OIDC Core §3.1.3.3) for a redeemed code whose scope has `openid`:
  // `iss`, `sub`, `aud` = the client, `exp`, `iat`, `auth_time`, the request's `nonce` (when it
  // had one) and `at_hash` of `access_token`, signed ES256 with the active key, `typ` JWT.
  StatusOr<std::string> SignIdToken(const storage::AuthorizationCode& code,
                                    const std::string& access_token, int64_t expires_at);
  // Signs the reserved access token (RFC 9068) with the active key.
  StatusOr<MintedAccessToken> SignAccessToken(MintedAccessToken reserved, const std::string& subject,
                                              const std::string& client_id,
                                              const std::string& audience,
                                              const std::string& scope);

 private:
  class CodeGrant;
  class RefreshGrant;
  class ClientUseGrant;
  std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> BeginCodeGrant(
      const Params& params, const storage::Client& client);
  std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> BeginRefreshGrant(
      const Params& params, const storage::Client& client);
  std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> ClientCredentialsGrant(
      const Params& params, const storage::Client& client);
  // The audience a code or refresh request's `resource` names (resolved before its transaction,
  // where the grant must match it), nothing without one, or why it names none we serve.
  std::variant<std::optional<std::string>, OAuthError> RequestedAudience(const Params& params);
  // The first refresh token of a family, or the next one.
  storage::RefreshToken NewRefreshToken(const std::string& plaintext, const MintedAccessToken& at,
                                        int64_t family_expires_at);

  storage::Store& store_;
  crypto::KeyRing& keys_;
  const Clock& clock_;
  Random& random_;
  const TokenSettings& settings_;
  const ResourceCatalog& catalog_;
};

// {"access_token", "token_type": "Bearer", "expires_in", "scope", ["refresh_token"],
// ["id_token"]}: the optional members only when not empty.
TokenResponseBody TokenResponse(const MintedAccessToken& at, int64_t now,
                                const std::string& scope, const std::string& refresh_token,
                                const std::string& id_token = "");

}  // namespace authgent::oauth
