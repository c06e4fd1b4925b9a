// oauth/pkce: RFC 7636 with S256 only (MCP requires it; `plain` is never accepted).
#pragma once

#include <string_view>

namespace authgent::oauth {

// A code_challenge is base64url(SHA-256(verifier)): exactly 43 base64url characters.
bool IsValidCodeChallenge(std::string_view challenge);
// A code_verifier is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).
bool IsValidCodeVerifier(std::string_view verifier);
// True when `verifier` is valid and hashes to `challenge` (compared in constant time).
bool VerifyS256(std::string_view verifier, std::string_view challenge);

}  // namespace authgent::oauth
