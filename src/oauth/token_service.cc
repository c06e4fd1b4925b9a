#include "oauth/token_service.h"

#include <algorithm>

#include "core/sortable_token.h"
#include "core/log.h"
#include "crypto/jwt.h"
#include "oauth/pkce.h"
#include "oauth/scope.h"

namespace authgent::oauth {
namespace {

bool HasGrant(const storage::Client& c, std::string_view grant) {
  return std::find(c.grant_types.begin(), c.grant_types.end(), grant) != c.grant_types.end();
}

OAuthError Fault(const Status& status) { return ServerError(status.ToString()); }

}  // namespace

nlohmann::json TokenResponse(const MintedAccessToken& at, int64_t now, const std::string& scope,
                             const std::string& refresh_token) {
  nlohmann::json j = {{"access_token", at.token},
                      {"token_type", "Bearer"},
                      {"expires_in", at.expires_at - now},
                      {"scope", scope}};
  if (!refresh_token.empty()) j["refresh_token"] = refresh_token;
  return j;
}

MintedAccessToken TokenService::ReserveAccessToken() {
  MintedAccessToken at;
  at.jti = random_.Hex(16);
  at.expires_at = clock_.Now() + settings_.access_token_ttl;
  return at;
}

StatusOr<MintedAccessToken> TokenService::SignAccessToken(MintedAccessToken at,
                                                          const std::string& subject,
                                                          const std::string& client_id,
                                                          const std::string& audience,
                                                          const std::string& scope) {
  AUTHGENT_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::KeySnapshot> keys, keys_.Current());
  nlohmann::json claims = {{"iss", settings_.issuer},
                           {"sub", subject},
                           {"aud", audience},
                           {"exp", at.expires_at},
                           {"iat", at.expires_at - settings_.access_token_ttl},
                           {"jti", at.jti},
                           {"client_id", client_id},
                           {"scope", scope}};
  AUTHGENT_ASSIGN_OR_RETURN(at.token, crypto::SignJwt(*keys->active_key, keys->active_kid,
                                                      "at+jwt", claims));
  return at;
}

TokenService::NewAuthorizationCode TokenService::NewCode(const AuthorizeRequest& request,
                                                        const std::string& user_id,
                                                        int64_t auth_time) {
  NewAuthorizationCode out;
  out.code = NewSortableToken(random_, UnixMillisNow());
  storage::AuthorizationCode& record = out.record;
  record.code_hash = SortableTokenKey(out.code);
  record.client_id = request.client_id;
  record.user_id = user_id;
  record.redirect_uri = request.redirect_uri;
  record.redirect_uri_in_request = request.redirect_uri_in_request;
  record.code_challenge = request.code_challenge;
  record.resource = request.resource;
  record.scope = JoinScope(request.scopes);
  record.auth_time = auth_time;
  record.created_at = clock_.Now();
  record.expires_at = record.created_at + settings_.code_ttl;
  return out;
}

StatusOr<std::string> TokenService::IssueCode(const AuthorizeRequest& request,
                                              const std::string& user_id, int64_t auth_time) {
  NewAuthorizationCode issued = NewCode(request, user_id, auth_time);
  AUTHGENT_RETURN_IF_ERROR(store_.CreateCode(issued.record));
  return std::move(issued.code);
}

storage::RefreshToken TokenService::NewRefreshToken(const std::string& plaintext,
                                                    const MintedAccessToken& at,
                                                    int64_t family_expires_at) {
  int64_t now = clock_.Now();
  storage::RefreshToken t;
  t.token_hash = SortableTokenKey(plaintext);
  t.access_jti = at.jti;
  t.access_expires_at = at.expires_at;
  t.created_at = now;
  t.idle_expires_at = std::min(now + settings_.refresh_idle_ttl, family_expires_at);
  return t;
}

void TokenService::TouchClient(const storage::Client& client) {
  // One write an hour at most: enough for reaping decisions, cheap on the hot path.
  int64_t now = clock_.Now();
  if (now - client.last_used_at < kClientUseMarkInterval) return;
  Status s = store_.TouchClient(client.client_id, now);
  if (!s.ok()) log::Warn("could not record client use", {{"error", s.ToString()}});
}

std::variant<nlohmann::json, OAuthError> TokenService::Exchange(const Params& params,
                                                                const storage::Client& client) {
  const std::string& grant = params.Get("grant_type");
  if (grant.empty()) return InvalidRequest("grant_type is required");
  if (grant == "authorization_code") return CodeGrant(params, client);
  if (grant == "refresh_token") return RefreshGrant(params, client);
  if (grant == "client_credentials") return ClientCredentialsGrant(params, client);
  return OAuthError{"unsupported_grant_type",
                    "supported grant types: authorization_code, refresh_token, client_credentials",
                    "grant_type=" + grant, 400};
}

std::variant<nlohmann::json, OAuthError> TokenService::CodeGrant(const Params& params,
                                                                 const storage::Client& client) {
  if (!HasGrant(client, "authorization_code")) {
    return UnauthorizedClient("this client may not use the authorization_code grant");
  }
  const std::string& code = params.Get("code");
  const std::string& verifier = params.Get("code_verifier");
  if (code.empty()) return InvalidRequest("code is required");
  if (verifier.empty()) return InvalidRequest("code_verifier is required (PKCE)");
  // A resource parameter must name the authorized resource; resolve it before the transaction.
  std::optional<std::string> audience;
  if (params.Has("resource")) {
    auto resolved = catalog_.ResolveAudience(params.Get("resource"));
    if (auto* e = std::get_if<OAuthError>(&resolved)) return *e;
    audience = std::get<std::string>(resolved);
  }
  int64_t now = clock_.Now();
  // The access token's jti is reserved first so that its refresh token can name it; the code is
  // checked against the request, and its family created, in the redemption's one transaction.
  // A code that does not match the request is consumed all the same (RFC 6749 §4.1.2: single use).
  // Everything that costs more than a comparison (random values, hashes) is computed here, not
  // in the callback: the callback runs inside the write transaction, which SQLite serialises.
  MintedAccessToken reserved = ReserveAccessToken();
  std::string refresh = NewSortableToken(random_, UnixMillisNow());
  std::string family_id = NewSortableId(random_, UnixMillisNow());
  std::string challenge = S256Challenge(verifier);
  storage::RefreshToken first_token =
      NewRefreshToken(refresh, reserved, now + settings_.refresh_token_ttl);
  std::optional<OAuthError> refusal;
  const std::string& redirect = params.Get("redirect_uri");
  auto issue = [&](const storage::AuthorizationCode& c) -> std::optional<storage::IssuedFamily> {
    if (c.client_id != client.client_id) {
      refusal = InvalidGrant("the authorization code was issued to another client",
                             "code client " + c.client_id);
    } else if ((c.redirect_uri_in_request || !redirect.empty()) && redirect != c.redirect_uri) {
      refusal = InvalidGrant("redirect_uri does not match the authorization request");
    } else if (!ChallengeMatches(challenge, c.code_challenge)) {
      refusal = InvalidGrant("code_verifier does not match the code_challenge");
    } else if (audience && *audience != c.resource) {
      refusal = InvalidTarget("resource differs from the authorized one");
    }
    if (refusal) return std::nullopt;
    storage::IssuedFamily issued;
    storage::RefreshFamily& family = issued.family;
    family.family_id = std::move(family_id);
    family.client_id = client.client_id;
    family.user_id = c.user_id;
    family.resource = c.resource;
    family.scope = c.scope;
    family.auth_time = c.auth_time;
    family.created_at = now;
    family.expires_at = now + settings_.refresh_token_ttl;
    issued.first_token = std::move(first_token);
    if (now - client.last_used_at >= kClientUseMarkInterval) issued.client_used_at = now;
    return issued;
  };
  StatusOr<storage::CodeRedemption> redeemed = store_.RedeemCode(SortableTokenKey(code), now, issue);
  if (!redeemed.ok()) return Fault(redeemed.status());
  using Outcome = storage::CodeRedemption::Outcome;
  switch (redeemed->outcome) {
    case Outcome::kRedeemed: break;
    case Outcome::kReplayed:
      log::Warn("authorization code replayed; its tokens are revoked",
                {{"client_id", client.client_id}, {"family_id", redeemed->code.family_id}});
      return InvalidGrant("the authorization code was already used", "code replay");
    case Outcome::kExpired: return InvalidGrant("the authorization code has expired");
    case Outcome::kNotFound: return InvalidGrant("the authorization code is invalid");
  }
  if (refusal) return *refusal;
  const storage::AuthorizationCode& c = redeemed->code;
  StatusOr<MintedAccessToken> at =
      SignAccessToken(reserved, c.user_id, client.client_id, c.resource, c.scope);
  if (!at.ok()) return Fault(at.status());
  return TokenResponse(*at, now, c.scope, refresh);  // the use mark was written with the family
}

bool TokenService::RefreshWouldFail(const Params& params, const storage::Client& client) {
  const std::string& token = params.Get("refresh_token");
  if (token.empty()) return true;
  auto found = store_.GetRefreshToken(SortableTokenKey(token));
  if (!found.ok()) return found.status().code() == StatusCode::kNotFound;
  const auto& [t, family] = *found;
  int64_t now = clock_.Now();
  return family.revoked_at != 0 || family.expires_at <= now || t.idle_expires_at <= now ||
         family.client_id != client.client_id ||
         (t.used_at != 0 && now - t.used_at > settings_.refresh_reuse_grace);
}

std::variant<nlohmann::json, OAuthError> TokenService::RefreshGrant(const Params& params,
                                                                    const storage::Client& client) {
  if (!HasGrant(client, "authorization_code") && !HasGrant(client, "refresh_token")) {
    return UnauthorizedClient("this client may not use the refresh_token grant");
  }
  const std::string& token = params.Get("refresh_token");
  if (token.empty()) return InvalidRequest("refresh_token is required");
  std::vector<std::string> requested = SplitScope(params.Get("scope"));
  std::optional<std::string> audience;
  if (params.Has("resource")) {
    auto resolved = catalog_.ResolveAudience(params.Get("resource"));
    if (auto* e = std::get_if<OAuthError>(&resolved)) return *e;
    audience = std::get<std::string>(resolved);
  }
  // Everything the token must be checked against is checked inside the rotation's transaction,
  // before anything changes, so a refused request never burns the client's token.
  std::optional<OAuthError> refusal;
  auto accept = [&](const storage::RefreshFamily& f) {
    if (f.client_id != client.client_id) {
      refusal = InvalidGrant("the refresh token was issued to another client");
    } else if (!ScopeSubset(requested, SplitScope(f.scope))) {
      refusal = InvalidScope("scope may only narrow the granted scope");
    } else if (audience && *audience != f.resource) {
      refusal = InvalidTarget("resource differs from the authorized one");
    }
    return !refusal.has_value();
  };
  int64_t now = clock_.Now();
  // The new refresh token names its access token's jti, so the jti is reserved before the
  // rotation; the token is signed after it, once the family's audience and scope are known.
  std::string next = NewSortableToken(random_, UnixMillisNow());
  MintedAccessToken reserved = ReserveAccessToken();
  storage::RefreshToken next_record =
      NewRefreshToken(next, reserved, now + settings_.refresh_token_ttl);
  StatusOr<storage::Rotation> rotation = store_.RotateRefreshToken(
      SortableTokenKey(token), next_record, now, settings_.refresh_reuse_grace, accept);
  if (!rotation.ok()) return Fault(rotation.status());
  using Outcome = storage::Rotation::Outcome;
  switch (rotation->outcome) {
    case Outcome::kRotated:
    case Outcome::kGraceReissued: break;
    case Outcome::kRejected: return *refusal;
    case Outcome::kReuseDetected:
      log::Warn("refresh token reused after the grace window; family revoked",
                {{"client_id", client.client_id}, {"family_id", rotation->family.family_id}});
      return InvalidGrant("the refresh token was already used", "reuse detected");
    case Outcome::kRevoked: return InvalidGrant("the refresh token has been revoked");
    case Outcome::kExpired: return InvalidGrant("the refresh token has expired");
    case Outcome::kNotFound: return InvalidGrant("the refresh token is invalid");
  }
  const storage::RefreshFamily& family = rotation->family;
  std::string scope = requested.empty() ? family.scope : JoinScope(requested);
  StatusOr<MintedAccessToken> at =
      SignAccessToken(reserved, family.user_id, client.client_id, family.resource, scope);
  if (!at.ok()) return Fault(at.status());
  TouchClient(client);
  return TokenResponse(*at, now, scope, next);
}

std::variant<nlohmann::json, OAuthError> TokenService::ClientCredentialsGrant(
    const Params& params, const storage::Client& client) {
  if (!HasGrant(client, "client_credentials") || client.token_endpoint_auth_method == "none") {
    return UnauthorizedClient("this client may not use the client_credentials grant");
  }
  auto audience = catalog_.ResolveAudience(params.Get("resource"));
  if (auto* e = std::get_if<OAuthError>(&audience)) return *e;
  const std::string& aud = std::get<std::string>(audience);
  std::vector<std::string> scopes = catalog_.GrantableScopes(aud, params.Get("scope"));
  if (!client.scope.empty()) {
    // A client registered with a scope gets at most that.
    std::vector<std::string> allowed = SplitScope(client.scope);
    std::erase_if(scopes, [&](const std::string& s) {
      return std::find(allowed.begin(), allowed.end(), s) == allowed.end();
    });
    if (scopes.empty()) return InvalidScope("none of the requested scopes is allowed for this client");
  }
  std::string scope = JoinScope(scopes);
  StatusOr<MintedAccessToken> at =
      SignAccessToken(ReserveAccessToken(), client.client_id, client.client_id, aud, scope);
  if (!at.ok()) return Fault(at.status());
  TouchClient(client);
  return TokenResponse(*at, clock_.Now(), scope, "");
}

}  // namespace authgent::oauth
