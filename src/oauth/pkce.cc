#include "oauth/pkce.h"

#include "core/base64.h"
#include "core/bytes.h"

namespace authgent::oauth {

bool IsValidCodeChallenge(std::string_view challenge) {
  if (challenge.size() != 43) return false;
  auto raw = Base64UrlDecode(challenge);
  return raw && raw->size() == 32;
}

bool IsValidCodeVerifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (char c : verifier) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

std::string S256Challenge(std::string_view verifier) {
  if (!IsValidCodeVerifier(verifier)) return {};
  return Base64UrlEncode(Sha256(verifier));
}

bool ChallengeMatches(std::string_view expected, std::string_view challenge) {
  return !expected.empty() && ConstantTimeEquals(expected, challenge);
}

bool VerifyS256(std::string_view verifier, std::string_view challenge) {
  return ChallengeMatches(S256Challenge(verifier), challenge);
}

}  // namespace authgent::oauth
