// Micro-benchmarks (Google Benchmark) of the pieces on the token endpoint's hot path: ES256
// signing, JWT encoding, PKCE, token hashing, redirect-URI matching, form parsing, verification,
// one SQLite authorization-code insert + consume, and one code's whole database work (insert,
// then redemption with its refresh family and first token), and what observing a token request
// adds: the request and token metrics, and the token.issued audit line written to a file.
//
//   build/release/bench/micro/micro_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <filesystem>

#include "authgent/verify/verifier.h"
#include "core/base64.h"
#include "core/bytes.h"
#include "core/json_writer.h"
#include "core/random.h"
#include "core/sortable_token.h"
#include "core/temp_dir.h"
#include "crypto/ec_key.h"
#include "crypto/es256.h"
#include "crypto/jwt.h"
#include "oauth/params.h"
#include "oauth/pkce.h"
#include "oauth/redirect_uri.h"
#include "server/events.h"
#include "server/telemetry.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/testing/await.h"

namespace authgent {
namespace {

const crypto::EcKey& Key() {
  static const crypto::EcKey key = *crypto::EcKey::Generate();
  return key;
}

// An access token's claims, written as authgent writes them (core/json_writer).
std::string Claims() {
  std::string out;
  JsonObjectWriter(out)
      .String("iss", "https://auth.example.com")
      .String("sub", "5f2b8c0e9d6a4b1c8e7f6a5b4c3d2e1f")
      .String("aud", "https://mcp.example.com/mcp")
      .Int("exp", 1800003600)
      .Int("iat", 1800000000)
      .String("jti", "0123456789abcdef0123456789abcdef")
      .String("client_id", "abcdef0123456789abcdef0123456789")
      .String("scope", "mcp:read mcp:write")
      .Close();
  return out;
}

void BM_Es256Sign(benchmark::State& state) {
  std::string input(300, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Es256Sign(Key(), input));
}
BENCHMARK(BM_Es256Sign);

void BM_JwtEncodeAndSign(benchmark::State& state) {
  std::string claims = Claims();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::SignJwt(Key(), "kid-1", "at+jwt", std::string_view(claims)));
  }
}
BENCHMARK(BM_JwtEncodeAndSign);

void BM_ClaimsToJson(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Claims());
}
BENCHMARK(BM_ClaimsToJson);

// The same claims through an nlohmann::json tree, as they were written before core/json_writer.
void BM_ClaimsToJsonThroughATree(benchmark::State& state) {
  for (auto _ : state) {
    nlohmann::json claims = {{"iss", "https://auth.example.com"},
                             {"sub", "5f2b8c0e9d6a4b1c8e7f6a5b4c3d2e1f"},
                             {"aud", "https://mcp.example.com/mcp"},
                             {"exp", 1800003600},
                             {"iat", 1800000000},
                             {"jti", "0123456789abcdef0123456789abcdef"},
                             {"client_id", "abcdef0123456789abcdef0123456789"},
                             {"scope", "mcp:read mcp:write"}};
    benchmark::DoNotOptimize(claims.dump());
  }
}
BENCHMARK(BM_ClaimsToJsonThroughATree);

void BM_VerifyAccessToken(benchmark::State& state) {
  std::string token = *crypto::SignJwt(Key(), "kid-1", "at+jwt", std::string_view(Claims()));
  nlohmann::json jwk = Key().PublicJwk();
  jwk["kid"] = "kid-1";
  verify::Verifier verifier = *verify::Verifier::Create(
      {"https://auth.example.com", "https://mcp.example.com/mcp"},
      verify::KeySource::Static(*verify::Jwks::Parse(nlohmann::json{{"keys", {jwk}}}.dump())));
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

// A store on a real SQLite file with the client and user that codes name; deleted afterwards.
class BenchStore {
 public:
  BenchStore() : dir_(MakeTempDir("authgent-bench")) {
    store_ = storage::OpenSqliteStore({dir_ + "/bench.db"}).value();
    (void)store_->Migrate();
    storage::Client client;
    client.client_id = "c1";
    client.metadata_json = "{}";
    (void)storage::CreateClientAndWait(*store_, client);
    storage::User user;
    user.user_id = "u1";
    user.username = "u1";
    (void)store_->CreateUser(user);
  }
  ~BenchStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  storage::Store& operator*() { return *store_; }
  storage::Store* operator->() { return store_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

// A code as the authorize endpoint stores it: time-ordered key, as in the server.
storage::AuthorizationCode NewCode() {
  storage::AuthorizationCode code;
  code.code_hash = SortableTokenKey(NewSortableToken(SecureRandom::Instance(), SystemClock::Instance().NowMillis()));
  code.client_id = "c1";
  code.user_id = "u1";
  code.redirect_uri = "http://127.0.0.1:3000/callback";
  code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  code.resource = "https://mcp.example.com/mcp";
  code.scope = "mcp:read";
  code.created_at = 1800000000;
  code.expires_at = 1800000600;
  return code;
}

// One code stored and redeemed without tokens, on a real SQLite file.
void BM_SqliteCodeInsertAndConsume(benchmark::State& state) {
  BenchStore store;
  for (auto _ : state) {
    storage::AuthorizationCode code = NewCode();
    (void)store->CreateCode(code);
    benchmark::DoNotOptimize(
        storage::testing::RedeemCodeAndWait(*store, code.code_hash, 1800000001, nullptr, nullptr));
  }
}
BENCHMARK(BM_SqliteCodeInsertAndConsume)->UseRealTime();

// The database work of one code's life as the server does it: the authorize endpoint's insert,
// then the token endpoint's redemption that writes the refresh family and its first token.
void BM_SqliteCodeExchange(benchmark::State& state) {
  BenchStore store;
  Random& random = SecureRandom::Instance();
  for (auto _ : state) {
    storage::AuthorizationCode code = NewCode();
    (void)store->CreateCode(code);
    storage::IssuedFamily issued;
    issued.family = {NewSortableId(random, SystemClock::Instance().NowMillis()), "c1", "u1", code.resource,
                     code.scope, 1800000000, 1800000001, 1802592001, 0};
    issued.first_token = {SortableTokenKey(NewSortableToken(random, SystemClock::Instance().NowMillis())), "",
                          random.Hex(16), 1800003601, 1800000001, 1801296001, 0, ""};
    auto issue = [&](const storage::AuthorizationCode&) { return std::optional(issued); };
    benchmark::DoNotOptimize(
        storage::testing::RedeemCodeAndWait(*store, code.code_hash, 1800000001, issue, nullptr));
  }
}
BENCHMARK(BM_SqliteCodeExchange)->UseRealTime();

// The metrics one token request moves: its route's status class and latency, and the grant's
// token counter (server/telemetry; relaxed atomic adds).
void BM_RequestMetrics(benchmark::State& state) {
  server::Telemetry telemetry;
  telemetry.AddRoutes({"/oauth/authorize", "/oauth/token", "/oauth/register", "/metrics"});
  for (auto _ : state) {
    telemetry.CountRequest("/oauth/token", 200, 1234);
    telemetry.TokensIssued("client_credentials");
  }
}
BENCHMARK(BM_RequestMetrics);

// One token.issued audit event: built (time, request id, IP, client, grant, jti) and appended to
// a file (server/events, server/audit_log). A fixed count keeps the file at about 60 MB.
void BM_TokenIssuedAuditLine(benchmark::State& state) {
  std::string dir = MakeTempDir("authgent-micro-audit");
  auto audit = server::AuditLog::Open(dir + "/audit.log", false);
  server::Events events(**audit, nullptr, {});
  http::Request request;
  request.request_id = "0123456789abcdef0123456789abcdef";
  request.remote_address = "127.0.0.1";
  storage::Client client;
  client.client_id = "01a242d4ce41fbc64d98ec36266077cd";
  client.source = "dcr";
  client.redirect_uris = {"http://127.0.0.1:33418/callback"};
  oauth::IssuedTokens issued{"5f2b8c0e9d6a4b1c8e7f6a5b4c3d2e1f", "https://mcp.example.com/mcp",
                             "mcp:read mcp:write", "0123456789abcdef0123456789abcdef", true};
  for (auto _ : state) events.TokensIssued(request, client, "authorization_code", issued);
  (*audit)->Flush();
}
BENCHMARK(BM_TokenIssuedAuditLine)->Iterations(200000);

}  // namespace
}  // namespace authgent

BENCHMARK_MAIN();
