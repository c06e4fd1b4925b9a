#include "authgent/verify/jwt.h"

#include <gtest/gtest.h>

#include "../testing/test_signer.h"

namespace authgent::verify {
namespace {

using testing::TestSigner;
const std::vector<Algorithm> kBoth = {Algorithm::kES256, Algorithm::kRS256};
const std::vector<Algorithm> kEsOnly = {Algorithm::kES256};

nlohmann::json Claims(int64_t now) {
  return {{"iss", "https://idp.example"}, {"aud", "client-1"}, {"sub", "u1"},
          {"exp", now + 300}, {"iat", now}};
}

VerifyError Verify(const std::string& token, const Jwks& jwks, const std::vector<Algorithm>& allowed) {
  auto decoded = DecodeJwt(token);
  if (auto* e = std::get_if<VerifyError>(&decoded)) return *e;
  return VerifyWithJwks(std::get<DecodedJwt>(decoded), jwks, allowed);
}

TEST(Jwt, Es256AndRs256VerifyWithTheirJwks) {
  for (const char* alg : {"ES256", "RS256"}) {
    TestSigner signer(alg, std::string("k-") + alg);
    auto jwks = Jwks::Parse(signer.JwksJson());
    ASSERT_TRUE(jwks.has_value());
    ASSERT_EQ(jwks->keys().size(), 1u);
    EXPECT_EQ(Verify(signer.Sign(Claims(1000)), *jwks, kBoth), VerifyError::kOk) << alg;
  }
}

TEST(Jwt, EveryBitFlipAndTruncationOfTheSignatureFails) {
  TestSigner signer("ES256");
  auto jwks = *Jwks::Parse(signer.JwksJson());
  std::string token = signer.Sign(Claims(1000));
  auto decoded = std::get<DecodedJwt>(DecodeJwt(token));
  for (size_t bit = 0; bit < decoded.signature.size() * 8; ++bit) {
    DecodedJwt bad = decoded;
    bad.signature[bit / 8] = static_cast<char>(bad.signature[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_EQ(VerifyWithJwks(bad, jwks, kBoth), VerifyError::kBadSignature) << bit;
  }
  for (size_t len = 0; len < decoded.signature.size(); ++len) {
    DecodedJwt bad = decoded;
    bad.signature.resize(len);
    EXPECT_EQ(VerifyWithJwks(bad, jwks, kBoth), VerifyError::kBadSignature) << len;
  }
}

TEST(Jwt, AlgorithmIsThePinnedOneNeverTheTokens) {
  TestSigner es("ES256"), rs("RS256");
  auto rs_jwks = *Jwks::Parse(rs.JwksJson());
  EXPECT_EQ(Verify(rs.Sign(Claims(1)), rs_jwks, kEsOnly), VerifyError::kUnsupportedAlgorithm);
  // alg none, with or without a signature.
  nlohmann::json header = {{"alg", "none"}, {"kid", "test-key"}};
  std::string unsigned_token = testing::Base64UrlEncode(header.dump()) + "." +
                               testing::Base64UrlEncode(Claims(1).dump()) + ".";
  EXPECT_EQ(Verify(unsigned_token, *Jwks::Parse(es.JwksJson()), kBoth),
            VerifyError::kUnsupportedAlgorithm);
  // HS256 keyed with the public key's text (the classic key confusion).
  std::string confused = testing::SignHs256({{"alg", "HS256"}, {"kid", "test-key"}}, Claims(1),
                                            rs.PublicJwk().dump());
  EXPECT_EQ(Verify(confused, rs_jwks, kBoth), VerifyError::kUnsupportedAlgorithm);
  // ES256 claimed, RSA key published under that kid.
  TestSigner es_same_kid("ES256", "test-key");
  EXPECT_EQ(Verify(es_same_kid.Sign(Claims(1)), rs_jwks, kBoth), VerifyError::kKeyMismatch);
}

TEST(Jwt, UnknownKidAndOtherCurves) {
  TestSigner a("ES256", "a"), b("ES256", "b"), p384("ES384", "c");
  EXPECT_EQ(Verify(a.Sign(Claims(1)), *Jwks::Parse(b.JwksJson()), kBoth), VerifyError::kUnknownKey);
  // A P-384 key is not a usable ES256 key: it is left out of the set.
  EXPECT_TRUE(Jwks::Parse(p384.JwksJson())->keys().empty());
  EXPECT_EQ(Verify(p384.Sign(Claims(1), "JWT", "ES256"), *Jwks::Parse(p384.JwksJson()), kBoth),
            VerifyError::kUnknownKey);
}

TEST(Jwks, KeysWithMissingOrWrongMembersAreSkippedNotFatal) {
  auto jwks = Jwks::Parse(R"({"keys":[{}, {"kty":"EC"}, {"kty":"RSA"}, {"kty":"EC","crv":"P-256"},
    {"kty":"RSA","n":7,"e":"AQAB"}, {"kty":"oct","k":"c2VjcmV0"}, 5, {"kty":"EC","kid":9},
    {"kty":"EC","crv":4444}]})");
  ASSERT_TRUE(jwks.has_value());
  EXPECT_TRUE(jwks->keys().empty());
  std::string error;
  EXPECT_FALSE(Jwks::Parse("[]", &error).has_value());
  EXPECT_EQ(error, "not a JWK set: a JSON object with a \"keys\" array is required");
  EXPECT_FALSE(Jwks::Parse(R"({"keys":{}})").has_value());
  // An encryption key is not a signature key.
  TestSigner s("RS256");
  nlohmann::json enc = s.PublicJwk();
  enc["use"] = "enc";
  EXPECT_TRUE(Jwks::Parse(nlohmann::json{{"keys", {enc}}}.dump())->keys().empty());
  // A short RSA modulus is refused.
  nlohmann::json small = s.PublicJwk();
  small["n"] = "AQAB";
  EXPECT_FALSE(ParseJwk(small.dump()).has_value());
}

TEST(Jwt, MalformedAndOversizedTokens) {
  EXPECT_EQ(std::get<VerifyError>(DecodeJwt("abc")), VerifyError::kMalformed);
  EXPECT_EQ(std::get<VerifyError>(DecodeJwt("a.b.c.d")), VerifyError::kMalformed);
  EXPECT_EQ(std::get<VerifyError>(DecodeJwt("e30.e30.***")), VerifyError::kMalformed);
  EXPECT_EQ(std::get<VerifyError>(DecodeJwt("W10.e30.")), VerifyError::kMalformed);  // header []
  EXPECT_EQ(std::get<VerifyError>(DecodeJwt(std::string(9000, 'a'))), VerifyError::kTooLarge);
  TestSigner s("ES256");
  nlohmann::json crit = {{"alg", "ES256"}, {"kid", "test-key"}, {"crit", {"exp"}}};
  EXPECT_EQ(std::get<VerifyError>(DecodeJwt(s.SignWithHeader(crit, Claims(1)))), VerifyError::kMalformed);
}

// NumericDates outside int64 saturate instead of converting with undefined behaviour (found by
// fuzz/upstream_fuzzer under UBSan: exp = 3.6e22).
TEST(Claims, TimesOutsideInt64Saturate) {
  ClaimRequirements r{"https://idp.example", {"client-1"}, 1000, 60, true};
  nlohmann::json c = Claims(1000);
  for (nlohmann::json far : {nlohmann::json(3.6e22), nlohmann::json(18446744073709551615ull),
                             nlohmann::json(9.3e18)}) {
    c["exp"] = far;
    EXPECT_EQ(CheckClaims(c, r), VerifyError::kOk) << far.dump();
    c["exp"] = Claims(1000)["exp"];
    c["iat"] = far;
    EXPECT_EQ(CheckClaims(c, r), VerifyError::kIssuedInFuture) << far.dump();
    c["iat"] = Claims(1000)["iat"];
  }
  c["exp"] = -3.6e22;
  EXPECT_EQ(CheckClaims(c, r), VerifyError::kExpired);
}

TEST(Claims, TimeIssuerAudience) {
  ClaimRequirements r{"https://idp.example", {"client-1"}, 1000, 60, true};
  EXPECT_EQ(CheckClaims(Claims(1000), r), VerifyError::kOk);
  r.now = 1000 + 300 + 60;
  EXPECT_EQ(CheckClaims(Claims(1000), r), VerifyError::kExpired);
  r.now = 1000 + 300 + 59;
  EXPECT_EQ(CheckClaims(Claims(1000), r), VerifyError::kOk);
  r.now = 1000;
  nlohmann::json future = Claims(1000);
  future["iat"] = 1061;
  EXPECT_EQ(CheckClaims(future, r), VerifyError::kIssuedInFuture);
  future = Claims(1000);
  future["nbf"] = 1100;
  EXPECT_EQ(CheckClaims(future, r), VerifyError::kNotYetValid);
  nlohmann::json other = Claims(1000);
  other["iss"] = "https://idp.example/";
  EXPECT_EQ(CheckClaims(other, r), VerifyError::kWrongIssuer);
  other = Claims(1000);
  other["aud"] = {"x", "client-1"};
  EXPECT_EQ(CheckClaims(other, r), VerifyError::kOk);
  other["aud"] = {"x"};
  EXPECT_EQ(CheckClaims(other, r), VerifyError::kWrongAudience);
  other.erase("exp");
  EXPECT_EQ(CheckClaims(other, r), VerifyError::kMissingClaim);
  other = Claims(1000);
  other["exp"] = "soon";
  EXPECT_EQ(CheckClaims(other, r), VerifyError::kMissingClaim);
}

}  // namespace
}  // namespace authgent::verify
