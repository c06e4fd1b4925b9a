// crypto/jwt: compact JWS with ES256, as authgent signs its access tokens (RFC 9068) and checks
// the ones presented back to it (revocation, introspection). Verification here pins ES256 and
// the keys of our own key ring; the general verifier for MCP servers lives in verify/.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/key_ring.h"

namespace authgent::crypto {

// header = {"alg":"ES256","typ":typ,"kid":kid}; returns header.payload.signature.
StatusOr<std::string> SignJwt(const EcKey& key, const std::string& kid, const std::string& typ,
                              const nlohmann::json& claims);

// The claims of `token` when it is a well-formed ES256 JWS signed by one of `keys` (looked up by
// `kid`); nullopt otherwise. Expiry and audience are the caller's to check.
std::optional<nlohmann::json> VerifyOwnJwt(std::string_view token, const KeySnapshot& keys);

}  // namespace authgent::crypto
