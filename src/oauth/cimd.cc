#include "oauth/cimd.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "oauth/redirect_uri.h"
#include "oauth/registration.h"

namespace authgent::oauth {
namespace {

OAuthError BadDocument(std::string description, std::string debug = "") {
  return {"invalid_client_metadata", std::move(description), std::move(debug), 400};
}

bool IsDotSegment(std::string_view segment) { return segment == "." || segment == ".."; }

// A path segment with "%2e" (either case) decoded to '.', the one escape that can spell a dot
// segment; other bytes are left as they are.
std::string DecodeDots(std::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2' &&
        (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
      out += '.';
      i += 2;
    } else {
      out += segment[i];
    }
  }
  return out;
}

// A non-negative integer directive value ("max-age=600"); nullopt when malformed.
std::optional<int64_t> DirectiveSeconds(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec == std::errc::result_out_of_range) return kMaxDocumentLifetime;  // huge: the maximum
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) return std::nullopt;
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsClientIdUrl(std::string_view client_id) { return client_id.rfind("https://", 0) == 0; }

std::optional<std::string> CheckClientIdUrl(std::string_view text) {
  if (text.size() > kMaxClientIdUrlLength) return "client ID URL too long";
  auto url = boost::urls::parse_uri(text);
  if (!url) return "client ID is not an absolute URL";
  if (url->scheme() != "https") return "client ID URL must use https";
  if (url->host_type() != boost::urls::host_type::name || url->host().empty()) {
    return "client ID URL needs a host name";
  }
  if (url->has_userinfo()) return "client ID URL must not contain user information";
  if (url->has_fragment()) return "client ID URL must not contain a fragment";
  std::string_view path = url->encoded_path();
  if (path.empty() || path == "/") return "client ID URL needs a path";
  // Split by hand: Boost.URL's segment views drop a leading "." it treats as a prefix.
  for (size_t start = 1; start <= path.size();) {
    size_t slash = std::min(path.find('/', start), path.size());
    if (IsDotSegment(DecodeDots(path.substr(start, slash - start)))) {
      return "client ID URL must not contain dot segments";
    }
    start = slash + 1;
  }
  return std::nullopt;
}

std::string ClientIdUrlHost(std::string_view text) {
  auto url = boost::urls::parse_uri(text);
  return url ? AsciiLower(url->host()) : std::string();
}

std::variant<storage::Client, OAuthError> ClientFromDocument(std::string_view url,
                                                             std::string_view document,
                                                             int64_t now) {
  if (document.size() > kMaxClientIdDocumentBytes) {
    return BadDocument("the client metadata document is too large");
  }
  nlohmann::json doc = nlohmann::json::parse(document, nullptr, false);
  if (!doc.is_object()) return BadDocument("the client metadata document must be a JSON object");
  if (!doc.contains("client_id") || !doc["client_id"].is_string() ||
      doc["client_id"].get_ref<const std::string&>() != url) {
    return BadDocument("the document's client_id must equal the URL it was fetched from");
  }
  for (const char* secret : {"client_secret", "client_secret_expires_at"}) {
    if (doc.contains(secret)) {
      return BadDocument("a client metadata document must not carry a client secret");
    }
  }
  MetadataRules rules;
  rules.auth_methods = {"none", "private_key_jwt"};
  rules.default_auth_method = "none";
  auto parsed = ParseClientMetadata(doc, rules);
  if (auto* e = std::get_if<OAuthError>(&parsed)) return std::move(*e);
  storage::Client client = std::get<storage::Client>(std::move(parsed));
  if (client.redirect_uris.empty()) {
    return OAuthError{"invalid_redirect_uri", "redirect_uris is required", "", 400};
  }
  client.client_id = std::string(url);
  client.source = "cimd";
  client.created_at = now;
  return client;
}

int64_t DocumentLifetime(std::string_view cache_control, std::optional<int64_t> expires,
                         int64_t now) {
  std::optional<int64_t> max_age, shared_max_age;
  bool no_cache = false;
  while (!cache_control.empty()) {
    size_t comma = cache_control.find(',');
    std::string_view item = Trim(cache_control.substr(0, comma));
    cache_control = comma == std::string_view::npos ? "" : cache_control.substr(comma + 1);
    size_t eq = item.find('=');
    std::string name = AsciiLower(Trim(item.substr(0, eq)));
    std::string_view value = eq == std::string_view::npos ? "" : Trim(item.substr(eq + 1));
    if (name == "no-store" || name == "no-cache") no_cache = true;
    if (name == "max-age") max_age = DirectiveSeconds(value);
    if (name == "s-maxage") shared_max_age = DirectiveSeconds(value);
  }
  int64_t lifetime = kDefaultDocumentLifetime;
  if (no_cache)
    lifetime = kMinDocumentLifetime;
  else if (shared_max_age)
    lifetime = *shared_max_age;
  else if (max_age)
    lifetime = *max_age;
  else if (expires)
    lifetime = *expires - now;
  return std::clamp(lifetime, kMinDocumentLifetime, kMaxDocumentLifetime);
}

bool AllRedirectsLoopback(const storage::Client& client) {
  return !client.redirect_uris.empty() &&
         std::all_of(client.redirect_uris.begin(), client.redirect_uris.end(),
                     [](const std::string& uri) { return IsLoopbackRedirect(uri); });
}

}  // namespace authgent::oauth
