#include "server/client_assertions.h"

#include "core/bytes.h"
#include "core/log.h"

namespace authgent::server {

std::optional<oauth::OAuthError> ClientAssertions::Check(const storage::Client& client,
                                                         const std::string& assertion) {
  int64_t now = clock_.Now();
  std::variant<oauth::VerifiedAssertion, oauth::AssertionFailure> verified;
  for (bool unknown_kid : {false, true}) {
    auto keys = keys_.For(client, unknown_kid);
    if (auto* why = std::get_if<std::string>(&keys)) {
      log::Warn("client keys unavailable", {{"client_id", client.client_id}, {"reason", *why}});
      return oauth::InvalidClient("client assertion: " + *why);
    }
    verified = oauth::VerifyClientAssertion(assertion, client.client_id,
                                            *std::get<std::shared_ptr<const verify::Jwks>>(keys),
                                            audience_, now);
    auto* failure = std::get_if<oauth::AssertionFailure>(&verified);
    // A client that rotated its keys: its jwks_uri may have the new kid (refetched at most once
    // a minute by the cache, whatever strangers send).
    if (!failure || !failure->unknown_key) break;
  }
  if (auto* failure = std::get_if<oauth::AssertionFailure>(&verified)) return failure->error;
  const oauth::VerifiedAssertion& ok = std::get<oauth::VerifiedAssertion>(verified);
  // Remembered until it could no longer be accepted (exp plus the leeway) by any instance.
  StatusOr<int64_t> uses =
      counters_.AddToCounter("assertion:" + TokenHash(client.client_id + " " + ok.jti), 1,
                             ok.expires_at + oauth::kAssertionLeeway, now);
  if (!uses.ok()) return oauth::FromFailure(uses.status());
  if (*uses > 1) return oauth::InvalidClient("client assertion: jti already used");
  return std::nullopt;
}

}  // namespace authgent::server
