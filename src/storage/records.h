// storage/records: the plain records authgent keeps. No behaviour, no SQL, no HTTP: these are the
// values every backend stores and returns. Times are Unix seconds; 0 means "not set" where a field
// says "or 0". Secrets never appear here: every `*_hash` is TokenHash() of a 256-bit random token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace authgent::storage {

// What the operator decided about one client (`authgent clients policy`), kept apart from the
// client's registration: it may name a metadata document's URL before that document was ever
// fetched, and it outlives the reaping of a document's client. The defaults decide nothing.
struct ClientPolicy {
  std::string client_id;
  bool blocked = false;  // refused at authorize and at every back-channel endpoint
  bool trusted = false;  // the operator's own client: no consent page for its https redirects
  std::vector<std::string> resources;  // the only resources it may ask for; empty: any
  std::string scope;                   // the only scopes it may ask for; empty: any
  int64_t access_token_ttl = 0;        // its access tokens' lifetime; 0: ACCESS_TOKEN_TTL
  int64_t updated_at = 0;
};

// An OAuth client: registered dynamically (RFC 7591), by the operator CLI, or described by a
// client ID metadata document (oauth/cimd; its client_id is the document's https URL).
struct Client {
  std::string client_id;
  std::string secret_hash;  // empty for public clients (token_endpoint_auth_method "none")
  int64_t secret_expires_at = 0;  // 0: never expires
  std::string client_name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;
  std::vector<std::string> response_types;
  std::string token_endpoint_auth_method;  // none | client_secret_post | client_secret_basic |
                                           // private_key_jwt
  std::string scope;                       // space-separated scopes the client may ask for; "" = any
  std::string application_type;            // native | web
  std::string source;                      // dcr | cli | cimd
  std::string metadata_json;  // the rest of the registration metadata, as registered (a JSON object)
  int64_t created_at = 0;
  int64_t last_used_at = 0;  // or 0 when never used; drives reaping of abandoned registrations
  // Granted only by the operator (`authgent clients add`), never through registration: the
  // resources (audiences) this client may get client_credentials tokens for and introspect the
  // tokens of, and whether it may call the introspection endpoint.
  std::vector<std::string> resources;
  bool may_introspect = false;
  // A client ID metadata document's client only (source "cimd"), else 0: when the copy these
  // fields came from was fetched, and until when it may be used without fetching it again.
  int64_t document_fetched_at = 0;
  int64_t document_expires_at = 0;
  // A dynamically registered client only: the hash of its registration access token (RFC 7592),
  // which reads, updates and deletes its registration; else empty.
  std::string registration_token_hash;
  // The operator's policy for this client, read with it (the defaults when there is none).
  ClientPolicy policy;
};

// A person who can log in: a local account (username + Argon2id hash) or an upstream identity
// (upstream_issuer + upstream_subject). `user_id` is authgent's stable `sub`.
struct User {
  std::string user_id;
  std::string username;       // unique among local users; empty for upstream users
  std::string password_hash;  // libsodium crypto_pwhash_str output; empty for upstream users
  std::string upstream_issuer;
  std::string upstream_subject;
  std::string email;
  std::string name;
  bool disabled = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A browser login: the cookie holds the token, the store holds its hash.
struct LoginSession {
  std::string session_hash;
  std::string user_id;
  int64_t auth_time = 0;  // when the user authenticated
  int64_t created_at = 0;
  int64_t expires_at = 0;
  // Read only, filled by GetSession from the user's row: the username, or the email when there
  // is none (users from an upstream IdP). The consent page shows it without a read of its own.
  std::string user_display_name;
};

// An /oauth/authorize request waiting for login, consent or the upstream IdP. `request_json` is
// the validated request (client_id, redirect_uri, scope, resource, state, code_challenge, ...);
// the upstream_* fields hold the federation round trip. Consumed exactly once.
struct AuthorizationTransaction {
  std::string transaction_hash;
  std::string request_json;
  std::string session_hash;  // the login session it belongs to, or empty before login
  std::string user_id;       // set once the user is known
  std::string csrf_hash;     // the consent form's CSRF token
  // The browser that started it: the hash of the transaction cookie /oauth/authorize set. Every
  // later step (login, consent, upstream callback) must come from that browser. Never updated.
  std::string browser_hash;
  std::string upstream_state_hash;
  std::string upstream_nonce;
  std::string upstream_code_verifier;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t consumed_at = 0;  // or 0
};

// An authorization code, bound to everything the token request must match (RFC 6749 §4.1.3,
// RFC 7636, RFC 8707).
struct AuthorizationCode {
  std::string code_hash;
  std::string client_id;
  std::string user_id;
  std::string redirect_uri;
  bool redirect_uri_in_request = false;  // whether /authorize carried redirect_uri explicitly
  std::string code_challenge;            // S256 challenge
  std::string resource;
  std::string scope;
  int64_t auth_time = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t consumed_at = 0;    // or 0
  std::string family_id;      // the refresh family issued from this code, set at redemption
  std::string nonce;          // the OpenID Connect nonce of the request, or empty
};

// One chain of refresh tokens from one grant. Revoking the family kills every token in it.
struct RefreshFamily {
  std::string family_id;
  std::string client_id;
  std::string user_id;
  std::string resource;
  std::string scope;
  int64_t auth_time = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // absolute lifetime of the whole family
  int64_t revoked_at = 0;  // or 0
};

// One refresh token of a family. `access_jti`/`access_expires_at` name the access token issued
// with it, so revoking the family can deny those access tokens too.
struct RefreshToken {
  std::string token_hash;
  std::string family_id;
  std::string access_jti;
  int64_t access_expires_at = 0;
  int64_t created_at = 0;
  int64_t idle_expires_at = 0;  // unused for this long: dead
  int64_t used_at = 0;          // when it was first rotated, or 0
  // The token that replaced it at that rotation (set by the store), or empty. Presented again
  // within the grace window while that successor is unused, the same successor is handed out
  // again, so parallel refreshes never branch the family.
  std::string successor_hash;
};

// The one rule of a refresh token's lifetime, for the store's rotation, introspection and the
// token endpoint alike: past its family's absolute lifetime or its own idle lifetime it is dead.
inline bool RefreshTokenExpired(const RefreshToken& t, const RefreshFamily& family, int64_t now) {
  return family.expires_at <= now || t.idle_expires_at <= now;
}
// Neither revoked nor expired. Whether it was used already is the caller's question: a used token
// may still be presented within the reuse grace window (its rotation says what that gives).
inline bool RefreshTokenLive(const RefreshToken& t, const RefreshFamily& family, int64_t now) {
  return family.revoked_at == 0 && !RefreshTokenExpired(t, family, now);
}

// A user's standing consent for a client and resource.
struct Consent {
  std::string user_id;
  std::string client_id;
  std::string resource;
  std::string scope;  // space-separated, sorted
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A browser's live session and its user's standing consent for one client and resource.
struct SessionAndConsent {
  LoginSession session;
  std::optional<Consent> consent;  // none given yet
};

// One user's access for one client and resource, as the user and the operator see it: the
// consent given and the refresh families (sign-ins that can refresh) still live, merged.
struct Grant {
  std::string user_id;
  std::string client_id;
  std::string resource;
  std::string scope;          // the consent's (what the user approved), else the latest family's
  int64_t granted_at = 0;     // the first consent or family
  int64_t last_used_at = 0;   // the latest consent, family or refresh
  int64_t live_families = 0;  // > 0: the client holds a refresh token (offline access)
};

// Which grants: every field empty matches anything.
struct GrantFilter {
  std::string user_id = {};  // initializers: callers name only the fields they filter on
  std::string client_id = {};
  std::string resource = {};
};

// An ES256 signing key. Published in the JWKS from `created_at`; signs from `activate_at`. When
// it leaves the JWKS follows from the next key's activation (crypto/key_ring). The private key is
// sealed.
struct SigningKey {
  std::string kid;
  std::string public_jwk_json;
  std::string sealed_private_key;  // base64 of AES-256-GCM(nonce||ct||tag) of the PKCS#8 PEM
  int64_t created_at = 0;
  int64_t activate_at = 0;
};

// An access token denied before its expiry (revocation, code replay, family revocation).
struct RevokedAccessToken {
  std::string jti;
  int64_t expires_at = 0;  // after this the entry is useless and may be purged
};

}  // namespace authgent::storage
