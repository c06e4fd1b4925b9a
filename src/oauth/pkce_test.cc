#include "oauth/pkce.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

// RFC 7636 Appendix B.
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(Pkce, Rfc7636AppendixB) {
  EXPECT_TRUE(IsValidCodeChallenge(kChallenge));
  EXPECT_TRUE(VerifyS256(kVerifier, kChallenge));
}

TEST(Pkce, RejectsWrongOrMalformedVerifiers) {
  std::string wrong = kVerifier;
  wrong[0] = 'e';
  EXPECT_FALSE(VerifyS256(wrong, kChallenge));
  EXPECT_FALSE(VerifyS256(std::string(42, 'a'), kChallenge));   // too short
  EXPECT_FALSE(IsValidCodeVerifier(std::string(129, 'a')));      // too long
  EXPECT_TRUE(IsValidCodeVerifier(std::string(128, 'a')));
  EXPECT_FALSE(IsValidCodeVerifier(std::string(43, '+')));       // outside the alphabet
  EXPECT_FALSE(VerifyS256(kChallenge, kChallenge));              // the "plain" method
}

TEST(Pkce, ChallengeComputedAheadMatchesOnlyAValidVerifier) {
  EXPECT_EQ(S256Challenge(kVerifier), kChallenge);
  EXPECT_TRUE(ChallengeMatches(S256Challenge(kVerifier), kChallenge));
  EXPECT_EQ(S256Challenge(std::string(42, 'a')), "");
  // An invalid verifier's empty challenge matches nothing, not even an empty stored challenge.
  EXPECT_FALSE(ChallengeMatches("", ""));
  EXPECT_FALSE(ChallengeMatches(S256Challenge(kVerifier), std::string(kChallenge, 42)));
}

TEST(Pkce, ChallengeShape) {
  EXPECT_FALSE(IsValidCodeChallenge("short"));
  EXPECT_FALSE(IsValidCodeChallenge(std::string(43, '*')));
  EXPECT_FALSE(IsValidCodeChallenge(std::string(kChallenge) + "A"));
}

}  // namespace
}  // namespace authgent::oauth
