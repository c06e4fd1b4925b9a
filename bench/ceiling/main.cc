// The ceiling: the same HTTP stack as authgent doing nothing but the cryptography a token request
// needs. POST /sign signs one ES256 JWT of an access token's size and answers it like a token
// response; POST /verify checks one (like introspection). authgent's endpoints are reported as a
// fraction of these in the same run (bench/run).
#include <iostream>

#include "authgent/verify/verifier.h"
#include "core/json_writer.h"
#include "core/random.h"
#include "crypto/ec_key.h"
#include "crypto/jwt.h"
#include "http/router.h"
#include "http/server.h"

using namespace authgent;

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 0;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  static const crypto::EcKey key = *crypto::EcKey::Generate();
  const std::string kid = key.Thumbprint();
  // The claims and the answer are written as authgent writes them (core/json_writer).
  auto claims = [] {
    std::string out;
    JsonObjectWriter(out)
        .String("iss", "http://127.0.0.1:8080")
        .String("sub", "abcdef0123456789abcdef0123456789")
        .String("aud", "https://mcp.example.com/mcp")
        .Int("exp", 1900000000)
        .Int("iat", 1899996400)
        .String("jti", SecureRandom::Instance().Hex(16))
        .String("client_id", "abcdef0123456789abcdef0123456789")
        .String("scope", "mcp:read")
        .Close();
    return out;
  };
  nlohmann::json jwk = key.PublicJwk();
  jwk["kid"] = kid;
  verify::Verifier verifier = *verify::Verifier::Create(
      {"http://127.0.0.1:8080", "https://mcp.example.com/mcp"},
      verify::KeySource::Static(*verify::Jwks::Parse(nlohmann::json{{"keys", {jwk}}}.dump())));
  const std::string sample = *crypto::SignJwt(key, kid, "at+jwt", std::string_view(claims()));

  http::Router router;
  router.Add("POST", "/sign", [&](const http::Request&) {
    std::string token = *crypto::SignJwt(key, kid, "at+jwt", std::string_view(claims()));
    std::string body;
    JsonObjectWriter(body)
        .String("access_token", token)
        .String("token_type", "Bearer")
        .Int("expires_in", 3600)
        .String("scope", "mcp:read")
        .Close();
    http::Response r = http::Response::JsonText(200, std::move(body));
    r.Set("Cache-Control", "no-store");
    return r;
  });
  router.Add("POST", "/verify", [&](const http::Request&) {
    bool active = std::holds_alternative<verify::VerifiedToken>(verifier.Verify(sample, {}, 1899996500));
    return http::Response::Json(200, {{"active", active}});
  });
  http::ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = port;
  options.io_threads = threads;
  options.access_log = false;
  http::Server server(options, router);
  auto bound = server.Listen();
  if (!bound.ok()) return 1;
  std::cerr << "ceiling listening on 127.0.0.1:" << *bound << "\n" << std::flush;
  server.Run(true);
  return 0;
}
