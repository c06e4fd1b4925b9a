#include "authgent/verify/resource_server.h"

namespace authgent::verify {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// Quoted-string per RFC 9110 §5.6.4: backslash-escape '"' and '\'.
std::string Quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

nlohmann::json ProtectedResourceMetadata(const std::string& resource,
                                         const std::vector<std::string>& authorization_servers,
                                         const std::vector<std::string>& scopes_supported) {
  return {{"resource", resource},
          {"authorization_servers", authorization_servers},
          {"scopes_supported", scopes_supported},
          {"bearer_methods_supported", {"header"}}};
}

std::string ProtectedResourceMetadataUrl(const std::string& resource) {
  // RFC 9728 §3.1: insert the well-known segment between the origin and the path.
  size_t scheme_end = resource.find("://");
  size_t path_start = scheme_end == std::string::npos ? std::string::npos
                                                      : resource.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? resource : resource.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : resource.substr(path_start);
  if (path == "/") path.clear();
  return origin + "/.well-known/oauth-protected-resource" + path;
}

std::string Challenge401(const std::string& resource_metadata_url,
                         const std::vector<std::string>& scopes, bool token_sent) {
  std::string v = "Bearer resource_metadata=" + Quote(resource_metadata_url);
  if (!scopes.empty()) v += ", scope=" + Quote(Join(scopes));
  if (token_sent) v += ", error=\"invalid_token\"";
  return v;
}

std::string Challenge403(const std::string& resource_metadata_url,
                         const std::vector<std::string>& needed_scopes) {
  return "Bearer error=\"insufficient_scope\", scope=" + Quote(Join(needed_scopes)) +
         ", resource_metadata=" + Quote(resource_metadata_url);
}

int StatusFor(VerifyError error) {
  if (error == VerifyError::kOk) return 200;
  if (error == VerifyError::kInsufficientScope) return 403;
  return 401;
}

}  // namespace authgent::verify
