#include "oauth/userinfo.h"

#include "crypto/jwt.h"
#include "oauth/scope.h"

namespace authgent::oauth {
namespace {

UserinfoAnswer Challenge(int status, const std::string& issuer, const std::string& error) {
  UserinfoAnswer a;
  a.status = status;
  a.www_authenticate = "Bearer realm=\"" + issuer + "\"";
  if (!error.empty()) a.www_authenticate += ", error=\"" + error + "\"";
  if (error == "insufficient_scope") a.www_authenticate += ", scope=\"openid\"";
  return a;
}

bool Has(const std::vector<std::string>& scopes, std::string_view scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

}  // namespace

UserinfoAnswer Userinfo(storage::Store& store, const crypto::KeySnapshot& keys,
                        const std::string& issuer, std::string_view authorization, int64_t now) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    return Challenge(401, issuer, "");
  }
  std::optional<nlohmann::json> claims =
      crypto::VerifyOwnJwt(authorization.substr(kBearer.size()), keys);
  // Our access tokens only: an id_token (no jti, no scope) or another issuer's token is refused.
  if (!claims || claims->value("iss", "") != issuer || !(*claims)["exp"].is_number_integer() ||
      (*claims)["exp"].get<int64_t>() <= now || !(*claims)["jti"].is_string() ||
      !(*claims)["sub"].is_string() || !(*claims)["scope"].is_string()) {
    return Challenge(401, issuer, "invalid_token");
  }
  StatusOr<bool> revoked = store.IsAccessTokenRevoked((*claims)["jti"].get<std::string>());
  if (!revoked.ok()) return {0, {}, "", revoked.status()};
  if (*revoked) return Challenge(401, issuer, "invalid_token");
  std::vector<std::string> scopes = SplitScope((*claims)["scope"].get<std::string>());
  if (!Has(scopes, "openid")) return Challenge(403, issuer, "insufficient_scope");
  StatusOr<storage::User> user = store.GetUser((*claims)["sub"].get<std::string>());
  if (!user.ok() && user.status().code() != StatusCode::kNotFound) return {0, {}, "", user.status()};
  if (!user.ok() || user->disabled) return Challenge(401, issuer, "invalid_token");

  UserinfoAnswer a;
  a.claims = {{"sub", user->user_id}};
  if (Has(scopes, "profile")) {
    if (!user->name.empty()) a.claims["name"] = user->name;
    if (!user->username.empty()) a.claims["preferred_username"] = user->username;
  }
  if (Has(scopes, "email") && !user->email.empty()) a.claims["email"] = user->email;
  return a;
}

}  // namespace authgent::oauth
