// oauth/client_assertion: private_key_jwt client authentication (RFC 7523 §2.2 and §3, RFC 7521
// §4.2): the client signs a short-lived JWT with its own key, and the server checks it against
// the public keys the client registered (jwks or jwks_uri in its metadata or its metadata
// document). The checks, without I/O: which keys (the caller fetches a jwks_uri and remembers
// jti values, server/client_assertions).
//
// The assertion must be ES256 or RS256, signed by one of the client's keys (by kid, or the only
// key of its type), with iss = sub = the client_id, an aud naming this server (its issuer or its
// token endpoint), an exp no more than kMaxAssertionLifetime ahead, and a jti (replay is the
// caller's check, until exp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "authgent/verify/jwks.h"
#include "oauth/errors.h"
#include "storage/records.h"

namespace authgent::oauth {

inline constexpr char kJwtBearerAssertionType[] =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// An assertion is for one request: one valid for longer is refused (it would have to be
// remembered that long against replay, and a stolen one would be worth more).
constexpr int64_t kMaxAssertionLifetime = 300;
constexpr int64_t kAssertionLeeway = 30;  // seconds of clock skew tolerated
constexpr size_t kMaxAssertionBytes = 8192;
constexpr size_t kMaxJtiLength = 256;

// Where a client's public keys are: its key set as JSON text, or the URL to fetch it from. Both
// empty when the client registered none.
struct ClientKeySource {
  std::string jwks_json;
  std::string jwks_uri;
};
ClientKeySource KeySourceOf(const storage::Client& client);

// The client_id an assertion claims to be from (its `sub`), read without checking anything: for a
// request that sends no client_id parameter (RFC 7521 §4.2 makes it optional). Empty when the
// assertion cannot be read.
std::string AssertionSubject(std::string_view assertion);

struct AssertionAudience {
  std::string issuer;
  std::string token_endpoint;
};

struct VerifiedAssertion {
  std::string jti;
  int64_t expires_at = 0;
};

struct AssertionFailure {
  OAuthError error;          // invalid_client (401)
  bool unknown_key = false;  // no key with its kid: a refetched jwks_uri may have it
};

std::variant<VerifiedAssertion, AssertionFailure> VerifyClientAssertion(
    std::string_view assertion, const std::string& client_id, const verify::Jwks& keys,
    const AssertionAudience& audience, int64_t now);

}  // namespace authgent::oauth
