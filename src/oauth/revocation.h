// oauth/revocation: token revocation (RFC 7009) and introspection (RFC 7662) for the tokens this
// server issued: refresh tokens (opaque, looked up by hash) and access tokens (our ES256 JWTs,
// checked against our own published keys, denied by jti once revoked).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "crypto/key_ring.h"
#include "oauth/access_token_cache.h"
#include "storage/store.h"

namespace authgent::oauth {

// Revokes `token` when it was issued to `client_id`: a refresh token takes its whole family (and
// the family's access tokens) with it; an access token's jti is denied until it expires. Unknown
// tokens and tokens of other clients change nothing (the endpoint still answers 200).
Status RevokeToken(storage::Store& store, const crypto::KeySnapshot& keys,
                   const std::string& issuer, const std::string& client_id,
                   const std::string& token, int64_t now);

// {"active": false} or {"active": true, scope, client_id, sub, aud, iss, exp, iat, token_type}
// (a refresh token is active until it is rotated, revoked or expired),
// answered to `caller`, a client that MayIntrospect (client_policy.h): a token whose audience is
// not one of the caller's resources is {"active": false} too (RFC 7662 §4: a resource server
// learns nothing about tokens meant for others). Access tokens verified once are found in `cache`
// afterwards (the denylist is still asked).
StatusOr<nlohmann::json> IntrospectToken(storage::Store& store,
                                         const std::shared_ptr<const crypto::KeySnapshot>& keys,
                                         AccessTokenCache& cache, const std::string& issuer,
                                         const storage::Client& caller, const std::string& token,
                                         int64_t now);

}  // namespace authgent::oauth
