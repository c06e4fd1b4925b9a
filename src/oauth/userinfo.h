// oauth/userinfo: the OpenID Connect UserInfo endpoint (OIDC Core §5.3), for access tokens this
// server issued with the `openid` scope. Claims by scope: `sub` always; `name` and
// `preferred_username` with `profile`; `email` with `email`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "crypto/key_ring.h"
#include "storage/store.h"

namespace authgent::oauth {

struct UserinfoAnswer {
  int status = 200;
  nlohmann::json claims;         // for 200
  std::string www_authenticate;  // for 401 and 403: the Bearer challenge (RFC 6750 §3)
  Status fault;                  // a store failure: status is 0, the caller answers it
};

// 200 with the claims; 401 without a bearer token (a challenge without an error code) or with
// one that is not a live access token of ours (`invalid_token`), also when its user is gone or
// disabled; 403 `insufficient_scope` without `openid`; `fault` set (status 0) when the store fails.
UserinfoAnswer Userinfo(storage::Store& store, const crypto::KeySnapshot& keys,
                        const std::string& issuer, std::string_view authorization, int64_t now);

}  // namespace authgent::oauth
