// Micro-benchmarks (Google Benchmark) of the pieces on the token endpoint's hot path: ES256
// signing, JWT encoding, PKCE, token hashing, redirect-URI matching, form parsing, verification,
// and one SQLite authorization-code insert + consume.
//
//   build/release/bench/micro/micro_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <filesystem>

#include "authgent/verify/verifier.h"
#include "core/base64.h"
#include "core/bytes.h"
#include "core/random.h"
#include "core/temp_dir.h"
#include "crypto/ec_key.h"
#include "crypto/es256.h"
#include "crypto/jwt.h"
#include "oauth/params.h"
#include "oauth/pkce.h"
#include "oauth/redirect_uri.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent {
namespace {

const crypto::EcKey& Key() {
  static const crypto::EcKey key = *crypto::EcKey::Generate();
  return key;
}

nlohmann::json Claims() {
  return {{"iss", "https://auth.example.com"}, {"sub", "5f2b8c0e9d6a4b1c8e7f6a5b4c3d2e1f"},
          {"aud", "https://mcp.example.com/mcp"}, {"exp", 1800003600}, {"iat", 1800000000},
          {"jti", "0123456789abcdef0123456789abcdef"}, {"client_id", "abcdef0123456789abcdef0123456789"},
          {"scope", "mcp:read mcp:write"}};
}

void BM_Es256Sign(benchmark::State& state) {
  std::string input(300, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Es256Sign(Key(), input));
}
BENCHMARK(BM_Es256Sign);

void BM_JwtEncodeAndSign(benchmark::State& state) {
  nlohmann::json claims = Claims();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::SignJwt(Key(), "kid-1", "at+jwt", claims));
}
BENCHMARK(BM_JwtEncodeAndSign);

void BM_ClaimsToJson(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Claims().dump());
}
BENCHMARK(BM_ClaimsToJson);

void BM_VerifyAccessToken(benchmark::State& state) {
  std::string token = *crypto::SignJwt(Key(), "kid-1", "at+jwt", Claims());
  nlohmann::json jwk = Key().PublicJwk();
  jwk["kid"] = "kid-1";
  verify::Verifier verifier({"https://auth.example.com", "https://mcp.example.com/mcp"},
                            verify::KeySource::Static(*verify::Jwks::Parse(
                                nlohmann::json{{"keys", {jwk}}}.dump())));
  for (auto _ : state) benchmark::DoNotOptimize(verifier.Verify(token, {"mcp:read"}, 1800000100));
}
BENCHMARK(BM_VerifyAccessToken);

void BM_PkceVerify(benchmark::State& state) {
  std::string verifier = SecureRandom::Instance().NewToken() + "abcdefgh";
  std::string challenge = Base64UrlEncode(Sha256(verifier));
  for (auto _ : state) benchmark::DoNotOptimize(oauth::VerifyS256(verifier, challenge));
}
BENCHMARK(BM_PkceVerify);

void BM_TokenHash(benchmark::State& state) {
  std::string token = SecureRandom::Instance().NewToken();
  for (auto _ : state) benchmark::DoNotOptimize(TokenHash(token));
}
BENCHMARK(BM_TokenHash);

void BM_NewToken(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(SecureRandom::Instance().NewToken());
}
BENCHMARK(BM_NewToken);

void BM_RedirectMatchExact(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(oauth::RedirectUriMatches("https://claude.ai/api/mcp/auth_callback",
                                                       "https://claude.ai/api/mcp/auth_callback"));
  }
}
BENCHMARK(BM_RedirectMatchExact);

void BM_RedirectMatchLoopbackPort(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(oauth::RedirectUriMatches("http://127.0.0.1:3000/callback",
                                                       "http://127.0.0.1:51234/callback"));
  }
}
BENCHMARK(BM_RedirectMatchLoopbackPort);

void BM_FormParse(benchmark::State& state) {
  std::string body =
      "grant_type=authorization_code&code=Zk3q8d0JmY1v2x9wLq7pR4sT6uV8wX0yZ1a2b3c4d5e&"
      "redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcallback&client_id=abcdef0123456789abcdef0123456789&"
      "code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&resource=https%3A%2F%2Fmcp.example.com%2Fmcp";
  for (auto _ : state) benchmark::DoNotOptimize(oauth::Params::Parse(body));
}
BENCHMARK(BM_FormParse);

// One code stored and redeemed, as the authorize and token endpoints do, on a real SQLite file.
void BM_SqliteCodeInsertAndConsume(benchmark::State& state) {
  std::string dir = MakeTempDir("authgent-bench");
  auto store = storage::OpenSqliteStore({dir + "/bench.db"}).value();
  (void)store->Migrate();
  storage::Client client;
  client.client_id = "c1";
  client.metadata_json = "{}";
  (void)store->CreateClient(client);
  storage::User user;
  user.user_id = "u1";
  user.username = "u1";
  (void)store->CreateUser(user);
  storage::AuthorizationCode code;
  code.client_id = "c1";
  code.user_id = "u1";
  code.redirect_uri = "http://127.0.0.1:3000/callback";
  code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  code.resource = "https://mcp.example.com/mcp";
  code.scope = "mcp:read";
  code.created_at = 1800000000;
  code.expires_at = 1800000600;
  for (auto _ : state) {
    code.code_hash = TokenHash(SecureRandom::Instance().NewToken());
    (void)store->CreateCode(code);
    benchmark::DoNotOptimize(store->RedeemCode(code.code_hash, 1800000001));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SqliteCodeInsertAndConsume)->UseRealTime();

}  // namespace
}  // namespace authgent

BENCHMARK_MAIN();
