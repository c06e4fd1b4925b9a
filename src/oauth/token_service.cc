#include "oauth/token_service.h"

#include <algorithm>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "crypto/hmac.h"
#include "crypto/jwt.h"
#include "oauth/client_policy.h"
#include "oauth/pkce.h"
#include "oauth/scope.h"

namespace authgent::oauth {
namespace {

bool HasGrant(const storage::Client& c, std::string_view grant) {
  return std::find(c.grant_types.begin(), c.grant_types.end(), grant) != c.grant_types.end();
}

OAuthError Fault(const Status& status) { return FromFailure(status); }

}  // namespace

TokenResponseBody TokenResponse(const MintedAccessToken& at, int64_t now,
                                const std::string& scope, const std::string& refresh_token,
                                const std::string& id_token) {
  TokenResponseBody body;
  body.json.reserve(at.token.size() + scope.size() + refresh_token.size() + id_token.size() + 112);
  JsonObjectWriter writer(body.json);
  writer.String("access_token", at.token)
      .String("token_type", "Bearer")
      .Int("expires_in", at.expires_at - now)
      .String("scope", scope);
  if (!refresh_token.empty()) writer.String("refresh_token", refresh_token);
  if (!id_token.empty()) writer.String("id_token", id_token);
  writer.Close();
  body.issued = {at.subject, at.audience, scope, at.jti, !refresh_token.empty()};
  return body;
}

StatusOr<std::string> TokenService::SignIdToken(const storage::AuthorizationCode& code,
                                                const std::string& access_token,
                                                int64_t expires_at) {
  AUTHGENT_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::KeySnapshot> keys, keys_.Current());
  // OIDC Core §3.1.3.6: the left half of the access token's SHA-256, base64url.
  std::string at_hash = Base64UrlEncode(Sha256(access_token).substr(0, 16));
  std::string claims;
  claims.reserve(384);
  JsonObjectWriter writer(claims);
  writer.String("iss", settings_.issuer)
      .String("sub", code.user_id)
      .String("aud", code.client_id)
      .Int("exp", expires_at)
      .Int("iat", clock_.Now())
      .Int("auth_time", code.auth_time)
      .String("at_hash", at_hash);
  if (!code.nonce.empty()) writer.String("nonce", code.nonce);
  writer.Close();
  return crypto::SignJwt(*keys->active_key, keys->active_kid, "JWT", std::string_view(claims));
}

MintedAccessToken TokenService::ReserveAccessToken(const storage::Client& client) {
  MintedAccessToken at;
  at.jti = random_.Hex(16);
  at.issued_at = clock_.Now();
  at.expires_at = at.issued_at + AccessTokenTtl(client, settings_.access_token_ttl);
  return at;
}

StatusOr<MintedAccessToken> TokenService::SignAccessToken(MintedAccessToken at,
                                                          const std::string& subject,
                                                          const std::string& client_id,
                                                          const std::string& audience,
                                                          const std::string& scope) {
  AUTHGENT_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::KeySnapshot> keys, keys_.Current());
  std::string claims;
  claims.reserve(256);
  JsonObjectWriter(claims)
      .String("iss", settings_.issuer)
      .String("sub", subject)
      .String("aud", audience)
      .Int("exp", at.expires_at)
      .Int("iat", at.issued_at)
      .String("jti", at.jti)
      .String("client_id", client_id)
      .String("scope", scope)
      .Close();
  AUTHGENT_ASSIGN_OR_RETURN(at.token, crypto::SignJwt(*keys->active_key, keys->active_kid,
                                                      "at+jwt", std::string_view(claims)));
  at.subject = subject;
  at.audience = audience;
  return at;
}

TokenService::NewAuthorizationCode TokenService::NewCode(const AuthorizeRequest& request,
                                                        const std::string& user_id,
                                                        int64_t auth_time) {
  return CodeFor(NewCodeToken(), request, user_id, auth_time, clock_.Now());
}

std::string TokenService::NewCodeToken() { return NewSortableToken(random_, clock_.NowMillis()); }

TokenService::NewAuthorizationCode TokenService::CodeFor(std::string code,
                                                        const AuthorizeRequest& request,
                                                        const std::string& user_id,
                                                        int64_t auth_time, int64_t now) {
  NewAuthorizationCode out;
  out.code = std::move(code);
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
  record.nonce = request.nonce;
  record.created_at = now;
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

std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> TokenService::Begin(
    const Params& params, const storage::Client& client) {
  const std::string& grant = params.Get("grant_type");
  if (grant.empty()) return TokenAnswer(InvalidRequest("grant_type is required"));
  if (grant == "authorization_code") return BeginCodeGrant(params, client);
  if (grant == "refresh_token") return BeginRefreshGrant(params, client);
  if (grant == "client_credentials") return ClientCredentialsGrant(params, client);
  return TokenAnswer(OAuthError{
      "unsupported_grant_type",
      "supported grant types: authorization_code, refresh_token, client_credentials",
      "grant_type=" + grant, 400});
}

// The code is checked against the request, and its family created, inside the redemption's one
// transaction. A code that does not match the request is consumed all the same (RFC 6749
// §4.1.2: single use). Everything that costs more than a comparison (random values, hashes) is
// computed before, not in the callback: the callback runs inside the write transaction, which
// SQLite serialises.
class TokenService::CodeGrant final : public PendingGrant,
                                      public std::enable_shared_from_this<CodeGrant> {
 public:
  CodeGrant(TokenService& service, const Params& params, const storage::Client& client,
            std::optional<std::string> audience)
      : service_(service),
        client_(client),
        code_hash_(SortableTokenKey(params.Get("code"))),
        redirect_(params.Get("redirect_uri")),
        challenge_(S256Challenge(params.Get("code_verifier"))),
        audience_(std::move(audience)),
        now_(service.clock_.Now()),
        // The access token's jti is reserved first so that its refresh token can name it.
        reserved_(service.ReserveAccessToken(client)),
        refresh_(NewSortableToken(service.random_, service.clock_.NowMillis())),
        family_id_(NewSortableId(service.random_, service.clock_.NowMillis())),
        first_token_(service.NewRefreshToken(refresh_, reserved_,
                                             now_ + service.settings_.refresh_token_ttl)) {}

  void Write(std::function<void()> written) override {
    service_.store_.RedeemCode(
        code_hash_, now_, family_id_, Issuer(), RetryCheck(),
        [self = shared_from_this(), written = std::move(written)](
            StatusOr<storage::CodeRedemption> r) {
          self->redeemed_ = std::move(r);
          written();
        });
  }

  TokenAnswer Finish() override {
    if (!redeemed_.ok()) return Fault(redeemed_.status());
    using Outcome = storage::CodeRedemption::Outcome;
    switch (redeemed_->outcome) {
      case Outcome::kRedeemed: break;
      case Outcome::kReplayed:
        log::Warn("authorization code replayed; its tokens are revoked",
                  {{"client_id", client_.client_id}, {"family_id", redeemed_->code.family_id}});
        return AsIncident(InvalidGrant("the authorization code was already used", "code replay"),
                          Incident::kCodeReplay);
      case Outcome::kRetried:
        log::Info("authorization code presented again by its client; nothing revoked",
                  {{"client_id", client_.client_id}, {"family_id", redeemed_->code.family_id}});
        return InvalidGrant(
            "the authorization code was already redeemed by this client; its tokens were issued "
            "in an earlier answer, so start a new authorization if that answer was lost",
            "code retried within " + std::to_string(kCodeRetryWindow) + " s");
      case Outcome::kExpired: return InvalidGrant("the authorization code has expired");
      case Outcome::kNotFound: return InvalidGrant("the authorization code is invalid");
    }
    if (refusal_) return *refusal_;
    const storage::AuthorizationCode& c = redeemed_->code;
    StatusOr<MintedAccessToken> at =
        service_.SignAccessToken(reserved_, c.user_id, client_.client_id, c.resource, c.scope);
    if (!at.ok()) return Fault(at.status());
    std::string id_token;
    if (HasScope(c.scope, "openid")) {
      StatusOr<std::string> signed_id = service_.SignIdToken(c, at->token, at->expires_at);
      if (!signed_id.ok()) return Fault(signed_id.status());
      id_token = std::move(signed_id).value();
    }
    // The use mark was written with the family.
    return TokenResponse(*at, now_, c.scope, offline_ ? refresh_ : std::string(), id_token);
  }

 private:
  // Runs inside the transaction; the grant outlives it (the store keeps the callback until done).
  storage::IssueForCode Issuer() {
    return [this](const storage::AuthorizationCode& c) -> std::optional<storage::IssuedFamily> {
      refusal_ = Mismatch(c);
      if (refusal_) return std::nullopt;
      storage::IssuedFamily issued;
      storage::RefreshFamily& family = issued.family;
      family.family_id = family_id_;
      family.client_id = client_.client_id;
      family.user_id = c.user_id;
      family.resource = c.resource;
      family.scope = c.scope;
      family.auth_time = c.auth_time;
      family.created_at = now_;
      family.expires_at = now_ + service_.settings_.refresh_token_ttl;
      issued.first_token = first_token_;
      offline_ = service_.catalog_.GrantRefreshes(c.scope);
      if (!offline_) {
        // No refresh token for this grant: the family stays as the grant's record while its
        // access token lives (a replayed code revokes through it), and its first token is
        // born expired and never handed out.
        family.expires_at = now_ + service_.settings_.access_token_ttl;
        issued.first_token.idle_expires_at = now_;
      }
      if (ClientUseMarkDue(client_, now_)) issued.client_used_at = now_;
      return issued;
    };
  }

  // Runs inside the transaction on an already consumed code. The same client proving the same
  // PKCE verifier (and redirect URI) soon after the redemption is that client retrying a request
  // whose answer it lost, not a thief: a thief holding the verifier too could have redeemed first.
  storage::IsRetryOfCode RetryCheck() {
    return [this](const storage::AuthorizationCode& c) {
      return now_ - c.consumed_at <= kCodeRetryWindow && !Mismatch(c);
    };
  }

  // Why this request may not have the code's tokens, or nothing when it matches the code.
  std::optional<OAuthError> Mismatch(const storage::AuthorizationCode& c) const {
    if (c.client_id != client_.client_id) {
      return InvalidGrant("the authorization code was issued to another client",
                          "code client " + c.client_id);
    }
    if ((c.redirect_uri_in_request || !redirect_.empty()) && redirect_ != c.redirect_uri) {
      return InvalidGrant("redirect_uri does not match the authorization request");
    }
    if (!ChallengeMatches(challenge_, c.code_challenge)) {
      return InvalidGrant("code_verifier does not match the code_challenge");
    }
    if (audience_ && *audience_ != c.resource) {
      return TargetNotGranted("the requested resource is not part of this grant",
                              "resource differs from the authorized one");
    }
    return std::nullopt;
  }

  TokenService& service_;
  const storage::Client client_;
  const std::string code_hash_, redirect_, challenge_;
  const std::optional<std::string> audience_;  // the resource parameter, when given
  const int64_t now_;
  const MintedAccessToken reserved_;
  const std::string refresh_, family_id_;
  const storage::RefreshToken first_token_;
  std::optional<OAuthError> refusal_;  // set by the issuer inside the write
  bool offline_ = true;                // set by the issuer: whether the refresh token is handed out
  StatusOr<storage::CodeRedemption> redeemed_ = InternalError("the code was not redeemed");
};

std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> TokenService::BeginCodeGrant(
    const Params& params, const storage::Client& client) {
  if (!HasGrant(client, "authorization_code")) {
    return TokenAnswer(UnauthorizedClient("this client may not use the authorization_code grant"));
  }
  if (params.Get("code").empty()) return TokenAnswer(InvalidRequest("code is required"));
  if (params.Get("code_verifier").empty()) {
    return TokenAnswer(InvalidRequest("code_verifier is required (PKCE)"));
  }
  auto audience = RequestedAudience(params);
  if (auto* e = std::get_if<OAuthError>(&audience)) return TokenAnswer(*e);
  return std::make_shared<CodeGrant>(*this, params, client,
                                     std::get<std::optional<std::string>>(std::move(audience)));
}

std::variant<std::optional<std::string>, OAuthError> TokenService::RequestedAudience(
    const Params& params) {
  if (!params.Has("resource")) return std::optional<std::string>();
  auto resolved = catalog_.ResolveAudience(params.Get("resource"));
  if (auto* e = std::get_if<OAuthError>(&resolved)) return *e;
  return std::optional<std::string>(std::get<std::string>(std::move(resolved)));
}

bool TokenService::RefreshWouldFail(const Params& params, const storage::Client& client) {
  const std::string& token = params.Get("refresh_token");
  if (token.empty()) return true;
  auto found = store_.GetRefreshToken(SortableTokenKey(token));
  if (!found.ok()) return found.status().code() == StatusCode::kNotFound;
  const auto& [t, family] = *found;
  int64_t now = clock_.Now();
  return !storage::RefreshTokenLive(t, family, now) || family.client_id != client.client_id ||
         (t.used_at != 0 && now - t.used_at > settings_.refresh_reuse_grace);
}

// Everything the token must be checked against is checked inside the rotation's transaction,
// before anything changes, so a refused request never burns the client's token. The new refresh
// token names its access token's jti, so the jti is reserved before the rotation; the token is
// signed after it, once the family's audience and scope are known.
//
// The new token's secret is HMAC(refresh_successor_key, presented token), not drawn at random:
// when the same token is presented again within the grace window while its successor is unused
// (parallel refreshes), the store returns that successor's record, and the same token is rebuilt
// from it and handed out again with an access token of the same jti and expiry. So a family never
// has two live branches, and no plaintext token is ever stored.
class TokenService::RefreshGrant final : public PendingGrant,
                                         public std::enable_shared_from_this<RefreshGrant> {
 public:
  RefreshGrant(TokenService& service, const Params& params, const storage::Client& client,
               std::optional<std::string> audience)
      : service_(service),
        client_(client),
        token_hash_(SortableTokenKey(params.Get("refresh_token"))),
        requested_(SplitScope(params.Get("scope"))),
        audience_(std::move(audience)),
        now_(service.clock_.Now()),
        successor_secret_(crypto::HmacSha256(service.settings_.refresh_successor_key,
                                             params.Get("refresh_token"))),
        next_(SortableTokenOf(service.clock_.NowMillis(), successor_secret_)),
        reserved_(service.ReserveAccessToken(client)),
        next_record_(service.NewRefreshToken(next_, reserved_,
                                             now_ + service.settings_.refresh_token_ttl)) {}

  void Write(std::function<void()> written) override {
    // A due use mark of the client is written with the rotation (one commit).
    storage::RefreshPresentation presented{token_hash_, next_record_, now_,
                                           service_.settings_.refresh_reuse_grace,
                                           ClientUseMarkDue(client_, now_) ? now_ : 0};
    service_.store_.RotateRefreshToken(
        std::move(presented), Acceptor(),
        [self = shared_from_this(), written = std::move(written)](StatusOr<storage::Rotation> r) {
          self->rotation_ = std::move(r);
          written();
        });
  }

  TokenAnswer Finish() override {
    if (!rotation_.ok()) return Fault(rotation_.status());
    using Outcome = storage::Rotation::Outcome;
    switch (rotation_->outcome) {
      case Outcome::kRotated: return Answer(reserved_, next_);
      case Outcome::kGraceReissued: return AnswerAgain(rotation_->successor);
      case Outcome::kRejected: return *refusal_;
      case Outcome::kReuseDetected:
        log::Warn("refresh token reused after the grace window; family revoked",
                  {{"client_id", client_.client_id}, {"family_id", rotation_->family.family_id}});
        return AsIncident(InvalidGrant("the refresh token was already used", "reuse detected"),
                          Incident::kRefreshReuse);
      case Outcome::kRevoked: return InvalidGrant("the refresh token has been revoked");
      case Outcome::kExpired: return InvalidGrant("the refresh token has expired");
      case Outcome::kNotFound: return InvalidGrant("the refresh token is invalid");
    }
    return InvalidGrant("the refresh token is invalid");
  }

 private:
  // The response for `refresh_token`, with the access token `reserved` signed for the family.
  TokenAnswer Answer(const MintedAccessToken& reserved, const std::string& refresh_token) {
    const storage::RefreshFamily& family = rotation_->family;
    std::string scope = requested_.empty() ? family.scope : JoinScope(requested_);
    StatusOr<MintedAccessToken> at = service_.SignAccessToken(
        reserved, family.user_id, client_.client_id, family.resource, scope);
    if (!at.ok()) return Fault(at.status());
    return TokenResponse(*at, now_, scope, refresh_token);
  }

  // The successor handed out before, rebuilt from its key and this request's secret, with an
  // access token of the jti and expiry stored with it (so revoking the family denies it too).
  TokenAnswer AnswerAgain(const storage::RefreshToken& successor) {
    std::string again =
        SortableTokenOf(SortableKeyMillis(successor.token_hash), successor_secret_);
    if (again.empty() || SortableTokenKey(again) != successor.token_hash) {
      // Derived with another key (KEY_ENCRYPTION_KEY changed since) or before successors were
      // derived: it cannot be handed out again, and no second branch is made.
      return InvalidGrant("the refresh token was already used", "successor not derivable");
    }
    MintedAccessToken same;
    same.jti = successor.access_jti;
    same.expires_at = successor.access_expires_at;
    return Answer(same, again);
  }

  // Runs inside the transaction on the live family; the grant outlives it.
  storage::AcceptFamily Acceptor() {
    return [this](const storage::RefreshFamily& f) {
      if (f.client_id != client_.client_id) {
        refusal_ = InvalidGrant("the refresh token was issued to another client");
      } else if (!ScopeSubset(requested_, SplitScope(f.scope))) {
        refusal_ = InvalidScope("scope may only narrow the granted scope");
      } else if (audience_ && *audience_ != f.resource) {
        refusal_ = TargetNotGranted("the requested resource is not part of this grant",
                                    "resource differs from the authorized one");
      }
      return !refusal_.has_value();
    };
  }

  TokenService& service_;
  const storage::Client client_;
  const std::string token_hash_;
  const std::vector<std::string> requested_;   // the scope parameter, split
  const std::optional<std::string> audience_;  // the resource parameter, when given
  const int64_t now_;
  const std::string successor_secret_;  // HMAC of the presented token: its successor's secret
  const std::string next_;
  const MintedAccessToken reserved_;
  const storage::RefreshToken next_record_;
  std::optional<OAuthError> refusal_;  // set by the acceptor inside the write
  StatusOr<storage::Rotation> rotation_ = InternalError("the refresh token was not presented");
};

std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> TokenService::BeginRefreshGrant(
    const Params& params, const storage::Client& client) {
  if (!HasGrant(client, "authorization_code") && !HasGrant(client, "refresh_token")) {
    return TokenAnswer(UnauthorizedClient("this client may not use the refresh_token grant"));
  }
  if (params.Get("refresh_token").empty()) {
    return TokenAnswer(InvalidRequest("refresh_token is required"));
  }
  auto audience = RequestedAudience(params);
  if (auto* e = std::get_if<OAuthError>(&audience)) return TokenAnswer(*e);
  return std::make_shared<RefreshGrant>(*this, params, client,
                                        std::get<std::optional<std::string>>(std::move(audience)));
}

// A client_credentials grant whose client's use mark is due: answered once the mark is written.
// The mark drives reaping, not the answer, so a failed write is logged and the token still issued.
class TokenService::ClientUseGrant final : public PendingGrant,
                                           public std::enable_shared_from_this<ClientUseGrant> {
 public:
  ClientUseGrant(TokenService& service, std::string client_id, int64_t now, TokenAnswer answer)
      : service_(service), client_id_(std::move(client_id)), now_(now), answer_(std::move(answer)) {}

  void Write(std::function<void()> written) override {
    service_.store_.TouchClient(client_id_, now_,
                                [self = shared_from_this(), written = std::move(written)](Status s) {
                                  if (!s.ok()) {
                                    log::Warn("could not record client use",
                                              {{"client_id", self->client_id_},
                                               {"error", s.ToString()}});
                                  }
                                  written();
                                });
  }

  TokenAnswer Finish() override { return std::move(answer_); }

 private:
  TokenService& service_;
  const std::string client_id_;
  const int64_t now_;
  TokenAnswer answer_;
};

std::variant<std::shared_ptr<PendingGrant>, TokenAnswer> TokenService::ClientCredentialsGrant(
    const Params& params, const storage::Client& client) {
  auto authorized =
      AuthorizeMachineGrant(client, params.Get("resource"), params.Get("scope"), catalog_);
  if (auto* e = std::get_if<OAuthError>(&authorized)) return TokenAnswer(*e);
  const MachineGrant& grant = std::get<MachineGrant>(authorized);
  std::string scope = JoinScope(grant.scopes);
  StatusOr<MintedAccessToken> at = SignAccessToken(ReserveAccessToken(client), client.client_id,
                                                   client.client_id, grant.audience, scope);
  if (!at.ok()) return TokenAnswer(Fault(at.status()));
  int64_t now = clock_.Now();
  TokenAnswer answer = TokenResponse(*at, now, scope, "");
  // One write an hour at most: enough for reaping decisions, none on the hot path.
  if (!ClientUseMarkDue(client, now)) return answer;
  return std::make_shared<ClientUseGrant>(*this, client.client_id, now, std::move(answer));
}

}  // namespace authgent::oauth
