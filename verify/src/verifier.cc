#include "authgent/verify/verifier.h"

#include <algorithm>
#include <chrono>

#include "numeric_date.h"

namespace authgent::verify {
namespace {

class StaticKeys final : public KeySource {
 public:
  explicit StaticKeys(Jwks jwks) : jwks_(std::make_shared<const Jwks>(std::move(jwks))) {}
  std::shared_ptr<const Jwks> Current() override { return jwks_; }
  std::shared_ptr<const Jwks> Refresh() override { return jwks_; }

 private:
  std::shared_ptr<const Jwks> jwks_;
};

class RemoteKeys final : public KeySource {
 public:
  explicit RemoteKeys(std::shared_ptr<JwksCache> cache) : cache_(std::move(cache)) {}
  std::shared_ptr<const Jwks> Current() override { return cache_->Get(); }
  std::shared_ptr<const Jwks> Refresh() override { return cache_->RefreshForUnknownKid(); }

 private:
  std::shared_ptr<JwksCache> cache_;
};

std::string WithoutTrailingSlash(std::string s) {
  if (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::shared_ptr<KeySource> KeySource::Static(Jwks jwks) {
  return std::make_shared<StaticKeys>(std::move(jwks));
}

std::shared_ptr<KeySource> KeySource::Remote(std::shared_ptr<JwksCache> cache) {
  return std::make_shared<RemoteKeys>(std::move(cache));
}

std::vector<std::string> TokenScopes(const nlohmann::json& claims) {
  std::vector<std::string> out;
  auto scope = claims.find("scope");
  if (scope != claims.end() && scope->is_string()) {
    const std::string& text = scope->get_ref<const std::string&>();
    size_t i = 0;
    while (i < text.size()) {
      size_t j = text.find(' ', i);
      if (j == std::string::npos) j = text.size();
      if (j > i) out.push_back(text.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }
  auto scp = claims.find("scp");
  if (scp != claims.end() && scp->is_array()) {
    for (const auto& s : *scp) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

std::optional<Verifier> Verifier::Create(VerifierOptions options, std::shared_ptr<KeySource> keys,
                                         std::string* error) {
  const char* problem = nullptr;
  if (options.issuer.empty()) problem = "the issuer is empty";
  else if (options.audience.empty()) problem = "the audience is empty";
  else if (options.algorithms.empty()) problem = "no algorithm is allowed";
  else if (!keys) problem = "there is no key source";
  else if (options.leeway < 0) problem = "the leeway is negative";
  if (problem) {
    if (error) *error = problem;
    return std::nullopt;
  }
  return Verifier(std::move(options), std::move(keys));
}

Verifier::Verifier(VerifierOptions options, std::shared_ptr<KeySource> keys)
    : options_(std::move(options)), keys_(std::move(keys)) {}

std::variant<VerifiedToken, VerifyError> Verifier::Verify(
    std::string_view token, const std::vector<std::string>& required_scopes, int64_t now) const {
  if (now == 0) {
    now = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  }
  auto decoded = DecodeJwt(token, options_.max_token_size);
  if (auto* e = std::get_if<VerifyError>(&decoded)) return *e;
  const DecodedJwt& jwt = std::get<DecodedJwt>(decoded);
  bool typ_ok = jwt.typ == "at+jwt" || jwt.typ == "application/at+jwt" ||
                (options_.accept_plain_jwt_type && (jwt.typ.empty() || jwt.typ == "JWT"));
  if (!typ_ok) return VerifyError::kWrongType;
  std::shared_ptr<const Jwks> jwks = keys_->Current();
  if (!jwks) return VerifyError::kJwksUnavailable;
  VerifyError signature = VerifyWithJwks(jwt, *jwks, options_.algorithms);
  if (signature == VerifyError::kUnknownKey) {
    jwks = keys_->Refresh();
    if (!jwks) return VerifyError::kJwksUnavailable;
    signature = VerifyWithJwks(jwt, *jwks, options_.algorithms);
  }
  if (signature != VerifyError::kOk) return signature;
  // The audience as configured, or its trailing-slash twin (https://x/mcp vs https://x/mcp/).
  ClaimRequirements required{options_.issuer,
                             {options_.audience, WithoutTrailingSlash(options_.audience),
                              WithoutTrailingSlash(options_.audience) + "/"},
                             now, options_.leeway, true};
  VerifyError claims = CheckClaims(jwt.claims, required);
  if (claims != VerifyError::kOk) return claims;
  VerifiedToken out;
  out.claims = jwt.claims;
  auto sub = jwt.claims.find("sub");
  if (sub == jwt.claims.end() || !sub->is_string()) return VerifyError::kMissingClaim;
  out.subject = sub->get<std::string>();
  auto client = jwt.claims.find("client_id");
  if (client != jwt.claims.end() && client->is_string()) out.client_id = client->get<std::string>();
  out.scopes = TokenScopes(jwt.claims);
  out.expires_at = SaturatedSeconds(jwt.claims["exp"]);  // CheckClaims made sure it is a number
  for (const std::string& needed : required_scopes) {
    if (std::find(out.scopes.begin(), out.scopes.end(), needed) == out.scopes.end()) {
      return VerifyError::kInsufficientScope;
    }
  }
  return out;
}

}  // namespace authgent::verify
