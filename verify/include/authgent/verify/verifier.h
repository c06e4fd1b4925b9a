// authgent/verify/verifier: what an MCP server calls on every request: is this bearer token an
// access token from our authorization server, for us, still valid, with the scopes needed?
//
//   auto verifier = authgent::verify::Verifier::Create({.issuer = "https://auth.example.com",
//                                                       .audience = "https://mcp.example.com/mcp"},
//                                                      authgent::verify::KeySource::Remote(cache));
//   auto result = verifier->Verify(token, {"mcp:read"});
//
// Strict by default: ES256 only (RS256 only when listed), P-256 keys, 64-byte signatures, typ
// `at+jwt` (plain `JWT` only when allowed), `iss` exact, `aud` (string or array) containing the
// audience (a trailing-slash variant of it is accepted), `exp` required, `nbf`/`iat` checked,
// with `leeway` seconds of skew, tokens larger than `max_token_size` refused unread.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "authgent/verify/jwks.h"
#include "authgent/verify/jwks_cache.h"
#include "authgent/verify/jwt.h"
#include "authgent/verify/verify_error.h"

namespace authgent::verify {

struct VerifierOptions {
  std::string issuer;
  std::string audience;  // the MCP server's canonical resource URI
  std::vector<Algorithm> algorithms = {Algorithm::kES256};
  bool accept_plain_jwt_type = false;  // accept typ "JWT" (and no typ) besides "at+jwt"
  int64_t leeway = 60;
  size_t max_token_size = 8192;
};

struct VerifiedToken {
  nlohmann::json claims;
  std::string subject;
  std::string client_id;
  std::vector<std::string> scopes;
  int64_t expires_at = 0;
};

// Where the verification keys come from: a fixed set, or a JwksCache.
class KeySource {
 public:
  static std::shared_ptr<KeySource> Static(Jwks jwks);
  static std::shared_ptr<KeySource> Remote(std::shared_ptr<JwksCache> cache);
  virtual ~KeySource() = default;
  virtual std::shared_ptr<const Jwks> Current() = 0;
  // After an unknown kid: a refreshed set (or the same).
  virtual std::shared_ptr<const Jwks> Refresh() = 0;
};

class Verifier {
 public:
  // A verifier, or nullopt (and the reason in `error`, when given) for options that would accept
  // tokens they must not: an empty issuer or audience (every token's `iss`/`aud` would have to be
  // empty, or a caller's typo would check nothing), no algorithm, no key source, negative leeway.
  static std::optional<Verifier> Create(VerifierOptions options, std::shared_ptr<KeySource> keys,
                                        std::string* error = nullptr);

  // Verifies `token` at time `now` (Unix seconds; default: the system clock) and checks that it
  // carries every scope of `required_scopes` (kInsufficientScope otherwise).
  std::variant<VerifiedToken, VerifyError> Verify(std::string_view token,
                                                  const std::vector<std::string>& required_scopes = {},
                                                  int64_t now = 0) const;

  const VerifierOptions& options() const { return options_; }

 private:
  Verifier(VerifierOptions options, std::shared_ptr<KeySource> keys);

  VerifierOptions options_;
  std::shared_ptr<KeySource> keys_;
};

// Space-separated `scope` claim (or a `scp` array) as a list.
std::vector<std::string> TokenScopes(const nlohmann::json& claims);

}  // namespace authgent::verify
