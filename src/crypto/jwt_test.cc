#include "crypto/jwt.h"

#include <gtest/gtest.h>

#include "core/base64.h"

namespace authgent::crypto {
namespace {

KeySnapshot SnapshotOf(const EcKey& key, const std::string& kid) {
  KeySnapshot s;
  s.active_kid = kid;
  s.active_key = std::make_shared<const EcKey>(key);
  s.verification_keys.emplace_back(kid, std::make_shared<const EcKey>(*EcKey::FromPublicJwk(key.PublicJwk())));
  return s;
}

TEST(Jwt, SignsAndVerifiesWithHeaderFields) {
  auto key = EcKey::Generate();
  auto token = SignJwt(*key, "k1", "at+jwt", {{"sub", "u1"}, {"exp", 5}});
  ASSERT_TRUE(token.ok());
  auto header = nlohmann::json::parse(*Base64UrlDecode(token->substr(0, token->find('.'))));
  EXPECT_EQ(header, nlohmann::json({{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", "k1"}}));
  auto claims = VerifyOwnJwt(*token, SnapshotOf(*key, "k1"));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ((*claims)["sub"], "u1");
}

TEST(Jwt, RejectsForgeriesUnknownKidsAndOtherAlgorithms) {
  auto key = EcKey::Generate();
  std::string token = *SignJwt(*key, "k1", "at+jwt", {{"sub", "u1"}});
  EXPECT_FALSE(VerifyOwnJwt(token, SnapshotOf(*EcKey::Generate(), "k1")).has_value());
  EXPECT_FALSE(VerifyOwnJwt(token, SnapshotOf(*key, "k2")).has_value());
  std::string tampered = token;
  tampered[token.find('.') + 2] ^= 1;
  EXPECT_FALSE(VerifyOwnJwt(tampered, SnapshotOf(*key, "k1")).has_value());
  std::string none = Base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." +
                     token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1) + ".";
  EXPECT_FALSE(VerifyOwnJwt(none, SnapshotOf(*key, "k1")).has_value());
  EXPECT_FALSE(VerifyOwnJwt("a.b", SnapshotOf(*key, "k1")).has_value());
  EXPECT_FALSE(VerifyOwnJwt("a.b.c.d", SnapshotOf(*key, "k1")).has_value());
}

}  // namespace
}  // namespace authgent::crypto
