// core/bytes: small byte utilities every module needs: SHA-256 (how tokens and secrets are
// stored), hex, a constant-time comparison for secrets, and a UTF-8 check for text that must
// become JSON.
#pragma once

#include <string>
#include <string_view>

namespace authgent {

// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
// SHA-256 as base64url: the form in which the store keeps every secret (codes, refresh tokens,
// client secrets, session and CSRF tokens). Not reversible, so a database leak reveals no token.
std::string TokenHash(std::string_view token);

std::string HexEncode(std::string_view bytes);

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// True when `text` is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, at most
// U+10FFFF). JSON text must be; nlohmann::json::dump() throws on anything else.
bool IsValidUtf8(std::string_view text);

}  // namespace authgent
