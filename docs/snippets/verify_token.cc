// Verify an authgent access token in a C++ MCP server (authgent::verify, authgent::verify_curl).
#include <iostream>

#include "authgent/verify/curl_fetcher.h"
#include "authgent/verify/verifier.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: verify_token ISSUER RESOURCE TOKEN\n";
    return 2;
  }
  using namespace authgent::verify;
  std::string issuer = argv[1], resource = argv[2];
  auto jwks = std::make_shared<JwksCache>(issuer + "/.well-known/jwks.json",
                                          std::make_shared<CurlJwksFetcher>());
  auto verifier = Verifier::Create({.issuer = issuer, .audience = resource},
                                   KeySource::Remote(jwks));
  if (!verifier) return 2;  // an empty issuer or resource would check nothing

  auto result = verifier->Verify(argv[3], {"mcp:read"});
  if (auto* error = std::get_if<VerifyError>(&result)) {
    std::cout << "rejected: " << VerifyErrorName(*error) << "\n";  // answer 401 or 403
    return 1;
  }
  std::cout << "sub=" << std::get<VerifiedToken>(result).subject << "\n";
  return 0;
}
