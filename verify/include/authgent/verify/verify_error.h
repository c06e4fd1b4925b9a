// authgent/verify/verify_error: why a token was not accepted. Fine-grained for logs and metrics;
// an HTTP response shows only 401/403 and WWW-Authenticate (see resource_server.h).
#pragma once

#include <string_view>

namespace authgent::verify {

enum class VerifyError {
  kOk = 0,
  kTooLarge,               // longer than the configured cap
  kMalformed,              // not three base64url parts of JSON objects
  kUnsupportedAlgorithm,   // alg not in the allow-list (none, HS*, anything unexpected)
  kWrongType,              // typ not accepted (at+jwt expected)
  kUnknownKey,             // no key with this kid (or, without kid, no single candidate)
  kKeyMismatch,            // the key's type or curve does not fit the algorithm
  kBadSignature,
  kWrongIssuer,
  kWrongAudience,
  kExpired,
  kNotYetValid,            // nbf in the future
  kIssuedInFuture,         // iat in the future
  kMissingClaim,           // exp, iss, aud, sub ... absent or of the wrong JSON type
  kNonceMismatch,          // OpenID Connect id_token nonce
  kAuthorizedPartyMismatch,  // OpenID Connect azp
  kInsufficientScope,
  kJwksUnavailable,        // no key set could be obtained
};

std::string_view VerifyErrorName(VerifyError error);

}  // namespace authgent::verify
