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

// header = {"alg":"ES256","kid":kid,"typ":typ}; returns header.payload.signature, where the
// payload is `claims_json`, a JSON object as text (core/json_writer builds the access tokens').
StatusOr<std::string> SignJwt(const EcKey& key, std::string_view kid, std::string_view typ,
                              std::string_view claims_json);
// The same with the claims as a json value.
StatusOr<std::string> SignJwt(const EcKey& key, std::string_view kid, std::string_view typ,
                              const nlohmann::json& claims);

// The claims of `token` when it is a well-formed ES256 JWS signed by one of `keys` (looked up by
// `kid`); nullopt otherwise. Expiry and audience are the caller's to check.
std::optional<nlohmann::json> VerifyOwnJwt(std::string_view token, const KeySnapshot& keys);

}  // namespace authgent::crypto
