// Verifies a token against a static JWKS; prints the error name. Used by scripts/test-verify-package
// to prove the installed package builds and links.
#include <iostream>

#include "authgent/verify/resource_server.h"
#include "authgent/verify/verifier.h"

int main(int argc, char** argv) {
  using namespace authgent::verify;
  auto jwks = Jwks::Parse(R"({"keys":[]})");
  auto verifier = Verifier::Create({"https://auth.example.com", "https://mcp.example.com/mcp"},
                                   KeySource::Static(*jwks));
  if (!verifier) return 2;
  auto result = verifier->Verify(argc > 1 ? argv[1] : "not-a-token");
  VerifyError error = std::holds_alternative<VerifyError>(result) ? std::get<VerifyError>(result)
                                                                   : VerifyError::kOk;
  std::cout << VerifyErrorName(error) << " "
            << ProtectedResourceMetadataUrl("https://mcp.example.com/mcp") << "\n";
  return 0;
}
