#include "oauth/client_auth.h"

#include <strings.h>

#include "core/base64.h"
#include "core/bytes.h"
#include "oauth/client_assertion.h"

namespace authgent::oauth {
namespace {

// Percent-decodes when the text is valid percent-encoding, else keeps it as sent.
std::string LenientDecode(std::string_view text) {
  auto decoded = PercentDecode(text, /*plus_is_space=*/true);
  return decoded ? *decoded : std::string(text);
}

}  // namespace

std::variant<PresentedCredentials, OAuthError> ExtractClientCredentials(
    const std::string& authorization_header, const Params& params) {
  PresentedCredentials c;
  bool asserted = params.Has("client_assertion") || params.Has("client_assertion_type");
  if (asserted) {
    if (!authorization_header.empty() || params.Has("client_secret")) {
      return InvalidRequest("use one client authentication method", "assertion and a secret");
    }
    if (params.Get("client_assertion_type") != kJwtBearerAssertionType) {
      return InvalidClient("unsupported client_assertion_type");
    }
    c.client_assertion = params.Get("client_assertion");
    if (c.client_assertion.empty()) return InvalidClient("empty client_assertion");
    std::string subject = AssertionSubject(c.client_assertion);
    c.client_id = params.Has("client_id") ? params.Get("client_id") : subject;
    if (c.client_id.empty()) return InvalidClient("the client assertion names no client");
    if (c.client_id != subject) {
      return InvalidClient("client_id does not match the assertion's sub");
    }
    c.method = "private_key_jwt";
    return c;
  }
  if (!authorization_header.empty()) {
    constexpr std::string_view kBasic = "Basic ";
    if (authorization_header.size() <= kBasic.size() ||
        strncasecmp(authorization_header.c_str(), "basic ", kBasic.size()) != 0) {
      return InvalidClient("unsupported Authorization scheme");
    }
    std::string_view encoded(authorization_header);
    encoded.remove_prefix(kBasic.size());
    while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
    auto raw = Base64Decode(encoded);
    if (!raw) return InvalidClient("Basic credentials are not base64");
    size_t colon = raw->find(':');
    if (colon == std::string::npos) return InvalidClient("Basic credentials lack ':'");
    c.client_id = LenientDecode(std::string_view(*raw).substr(0, colon));
    c.client_secret = LenientDecode(std::string_view(*raw).substr(colon + 1));
    c.method = "client_secret_basic";
    if (params.Has("client_secret")) {
      return InvalidRequest("use one client authentication method", "Basic and client_secret");
    }
    if (params.Has("client_id") && params.Get("client_id") != c.client_id) {
      return InvalidRequest("client_id does not match the Authorization header");
    }
    return c;
  }
  c.client_id = params.Get("client_id");
  if (c.client_id.empty()) return InvalidClient("no client credentials");
  if (params.Has("client_secret")) {
    c.client_secret = params.Get("client_secret");
    c.method = "client_secret_post";
  } else {
    c.method = "none";
  }
  return c;
}

std::variant<storage::Client, OAuthError> CheckClientCredentials(StatusOr<storage::Client> client,
                                                                 const PresentedCredentials& creds,
                                                                 int64_t now,
                                                                 const AssertionCheck& check) {
  if (!client.ok()) {
    if (client.status().code() == StatusCode::kNotFound) {
      return InvalidClient("unknown client " + creds.client_id);
    }
    return FromFailure(client.status());
  }
  const std::string& registered = client->token_endpoint_auth_method;
  if (registered == "private_key_jwt" || creds.method == "private_key_jwt") {
    if (registered != creds.method) {
      return InvalidClient("registered " + registered + ", presented " + creds.method);
    }
    if (!check) return InvalidClient("client assertions are not accepted here");
    if (auto refused = check(*client, creds.client_assertion)) return std::move(*refused);
    return std::move(client).value();
  }
  if (registered == "none") {
    if (creds.method != "none") return InvalidClient("public client sent a secret");
    return std::move(client).value();
  }
  // A confidential client may use either secret method: both prove the same secret, and clients
  // differ in which they pick regardless of what they registered.
  if (creds.method == "none") return InvalidClient("confidential client sent no secret");
  if (!ConstantTimeEquals(TokenHash(creds.client_secret), client->secret_hash)) {
    return InvalidClient("wrong client secret");
  }
  if (client->secret_expires_at != 0 && client->secret_expires_at <= now) {
    return InvalidClient("client secret expired");
  }
  return std::move(client).value();
}

}  // namespace authgent::oauth
