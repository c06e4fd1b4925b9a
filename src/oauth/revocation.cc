#include "oauth/revocation.h"

#include <algorithm>

#include "core/sortable_token.h"
#include "crypto/jwt.h"
#include "oauth/client_policy.h"

namespace authgent::oauth {
namespace {

// Our own access token's claims, when `token` is one (signature and issuer checked).
std::optional<nlohmann::json> OwnAccessToken(const std::string& token,
                                             const crypto::KeySnapshot& keys,
                                             const std::string& issuer) {
  if (token.find('.') == std::string::npos) return std::nullopt;
  auto claims = crypto::VerifyOwnJwt(token, keys);
  if (!claims || claims->value("iss", "") != issuer || !(*claims)["exp"].is_number_integer() ||
      !(*claims)["jti"].is_string()) {
    return std::nullopt;
  }
  return claims;
}

// True when the token's `aud` (a string, or an array of them) names one of the caller's resources.
bool AudienceVisibleTo(const storage::Client& caller, const nlohmann::json& aud) {
  if (aud.is_string()) return MayIntrospectAudience(caller, aud.get<std::string>());
  if (!aud.is_array()) return false;
  return std::any_of(aud.begin(), aud.end(), [&](const nlohmann::json& a) {
    return a.is_string() && MayIntrospectAudience(caller, a.get<std::string>());
  });
}

}  // namespace

Status RevokeToken(storage::Store& store, const crypto::KeySnapshot& keys,
                   const std::string& issuer, const std::string& client_id,
                   const std::string& token, int64_t now) {
  if (auto claims = OwnAccessToken(token, keys, issuer)) {
    if (claims->value("client_id", "") != client_id) return Status::Ok();
    return store.RevokeAccessToken({(*claims)["jti"].get<std::string>(),
                                    (*claims)["exp"].get<int64_t>()});
  }
  auto found = store.GetRefreshToken(SortableTokenKey(token));
  if (!found.ok()) {
    return found.status().code() == StatusCode::kNotFound ? Status::Ok() : found.status();
  }
  if (found->second.client_id != client_id) return Status::Ok();
  return store.RevokeFamily(found->second.family_id, now);
}

StatusOr<nlohmann::json> IntrospectToken(storage::Store& store,
                                         const std::shared_ptr<const crypto::KeySnapshot>& keys,
                                         AccessTokenCache& cache, const std::string& issuer,
                                         const storage::Client& caller, const std::string& token,
                                         int64_t now) {
  const nlohmann::json inactive = {{"active", false}};
  std::optional<nlohmann::json> claims = cache.Find(token, keys, now);
  if (!claims) {
    claims = OwnAccessToken(token, *keys, issuer);
    if (claims) cache.Insert(token, keys, *claims, (*claims)["exp"].get<int64_t>(), now);
  }
  if (claims) {
    if ((*claims)["exp"].get<int64_t>() <= now || !AudienceVisibleTo(caller, (*claims)["aud"])) {
      return inactive;
    }
    AUTHGENT_ASSIGN_OR_RETURN(bool revoked,
                              store.IsAccessTokenRevoked((*claims)["jti"].get<std::string>()));
    if (revoked) return inactive;
    nlohmann::json out = {{"active", true}, {"token_type", "Bearer"}};
    for (const char* field : {"scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti"}) {
      if (claims->contains(field)) out[field] = (*claims)[field];
    }
    return out;
  }
  auto found = store.GetRefreshToken(SortableTokenKey(token));
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) return inactive;
    return found.status();
  }
  const auto& [t, family] = *found;
  // A rotated token is superseded: at most its successor can be handed out again for it.
  bool live = storage::RefreshTokenLive(t, family, now) && t.used_at == 0 &&
              MayIntrospectAudience(caller, family.resource);
  if (!live) return inactive;
  return nlohmann::json{{"active", true},
                        {"token_type", "refresh_token"},
                        {"scope", family.scope},
                        {"client_id", family.client_id},
                        {"sub", family.user_id},
                        {"aud", family.resource},
                        {"iss", issuer},
                        {"exp", std::min(family.expires_at, t.idle_expires_at)},
                        {"iat", t.created_at}};
}

}  // namespace authgent::oauth
