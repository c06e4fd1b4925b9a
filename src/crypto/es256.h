// crypto/es256: ES256 (ECDSA P-256 + SHA-256) signatures in the JOSE form: the 64-byte R || S
// concatenation of RFC 7518 §3.4, never DER.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/ec_key.h"

namespace authgent::crypto {

// Signs `input` with `key`; returns the 64-byte R || S signature.
StatusOr<std::string> Es256Sign(const EcKey& key, std::string_view input);

// Verifies a 64-byte R || S signature with the public part of `key`. Any other length is false.
bool Es256Verify(const EcKey& key, std::string_view input, std::string_view signature);

}  // namespace authgent::crypto
