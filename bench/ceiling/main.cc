// The ceiling: the same HTTP stack as authgent doing nothing but the cryptography a token request
// needs. POST /sign signs one ES256 JWT of an access token's size and answers it like a token
// response; POST /verify checks one (like introspection). authgent's endpoints are reported as a
// fraction of these in the same run (bench/run).
#include <iostream>

#include "authgent/verify/verifier.h"
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
  auto claims = [] {
    return nlohmann::json{{"iss", "http://127.0.0.1:8080"}, {"sub", "abcdef0123456789abcdef0123456789"},
                          {"aud", "https://mcp.example.com/mcp"}, {"exp", 1900000000}, {"iat", 1899996400},
                          {"jti", SecureRandom::Instance().Hex(16)}, {"client_id", "abcdef0123456789abcdef0123456789"},
                          {"scope", "mcp:read"}};
  };
  nlohmann::json jwk = key.PublicJwk();
  jwk["kid"] = kid;
  verify::Verifier verifier({"http://127.0.0.1:8080", "https://mcp.example.com/mcp"},
                            verify::KeySource::Static(*verify::Jwks::Parse(nlohmann::json{{"keys", {jwk}}}.dump())));
  const std::string sample = *crypto::SignJwt(key, kid, "at+jwt", claims());

  http::Router router;
  router.Add("POST", "/sign", [&](const http::Request&) {
    std::string token = *crypto::SignJwt(key, kid, "at+jwt", claims());
    http::Response r = http::Response::Json(200, {{"access_token", token}, {"token_type", "Bearer"},
                                                  {"expires_in", 3600}, {"scope", "mcp:read"}});
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
