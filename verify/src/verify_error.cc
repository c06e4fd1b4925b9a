#include "authgent/verify/verify_error.h"

namespace authgent::verify {

std::string_view VerifyErrorName(VerifyError error) {
  switch (error) {
    case VerifyError::kOk: return "ok";
    case VerifyError::kTooLarge: return "too_large";
    case VerifyError::kMalformed: return "malformed";
    case VerifyError::kUnsupportedAlgorithm: return "unsupported_algorithm";
    case VerifyError::kWrongType: return "wrong_type";
    case VerifyError::kUnknownKey: return "unknown_key";
    case VerifyError::kKeyMismatch: return "key_mismatch";
    case VerifyError::kBadSignature: return "bad_signature";
    case VerifyError::kWrongIssuer: return "wrong_issuer";
    case VerifyError::kWrongAudience: return "wrong_audience";
    case VerifyError::kExpired: return "expired";
    case VerifyError::kNotYetValid: return "not_yet_valid";
    case VerifyError::kIssuedInFuture: return "issued_in_future";
    case VerifyError::kMissingClaim: return "missing_claim";
    case VerifyError::kNonceMismatch: return "nonce_mismatch";
    case VerifyError::kAuthorizedPartyMismatch: return "azp_mismatch";
    case VerifyError::kInsufficientScope: return "insufficient_scope";
    case VerifyError::kJwksUnavailable: return "jwks_unavailable";
  }
  return "unknown";
}

}  // namespace authgent::verify
