// oauth/pkce: RFC 7636 with S256 only (MCP requires it; `plain` is never accepted).
#pragma once

#include <string>
#include <string_view>

namespace authgent::oauth {

// A code_challenge is base64url(SHA-256(verifier)): exactly 43 base64url characters.
bool IsValidCodeChallenge(std::string_view challenge);
// A code_verifier is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).
bool IsValidCodeVerifier(std::string_view verifier);
// base64url(SHA-256(verifier)), the challenge `verifier` answers; empty when the verifier is
// not valid (which then matches no challenge).
std::string S256Challenge(std::string_view verifier);
// True when `expected` (from S256Challenge) is not empty and equals `challenge`, compared in
// constant time. Split from the hashing so a caller can hash before entering a transaction.
bool ChallengeMatches(std::string_view expected, std::string_view challenge);
// True when `verifier` is valid and hashes to `challenge` (compared in constant time).
bool VerifyS256(std::string_view verifier, std::string_view challenge);

}  // namespace authgent::oauth
