#include "oauth/issuer.h"

#include <boost/url/parse.hpp>

namespace authgent::oauth {

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  // 127.0.0.0/8 in dotted-quad form.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0, digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

Status ValidateIssuer(std::string_view issuer, bool allow_insecure) {
  std::string quoted = "(got '" + std::string(issuer) + "')";
  auto url = boost::urls::parse_uri(issuer);
  if (!url) return InvalidArgumentError("must be an absolute http(s) URL " + quoted);
  std::string scheme(url->scheme());
  if (scheme != "http" && scheme != "https") {
    return InvalidArgumentError("must use http or https, not '" + scheme + "' " + quoted);
  }
  if (!url->has_authority() || url->host().empty()) {
    return InvalidArgumentError("must name a host " + quoted);
  }
  if (url->has_userinfo()) return InvalidArgumentError("must not contain user information " + quoted);
  if (url->has_query()) return InvalidArgumentError("must not have a query " + quoted);
  if (url->has_fragment()) return InvalidArgumentError("must not have a fragment " + quoted);
  if (url->path() == "/") return InvalidArgumentError("must not end with '/' " + quoted);
  if (!url->path().empty()) return InvalidArgumentError("must not have a path " + quoted);
  if (url->has_port() && url->port_number() == 0) {
    return InvalidArgumentError("has an invalid port " + quoted);
  }
  if (scheme == "http" && !allow_insecure && !IsLoopbackHost(url->host())) {
    return InvalidArgumentError(
        "uses http with a non-loopback host; use https or set ALLOW_INSECURE_ISSUER=true " + quoted);
  }
  return Status::Ok();
}

}  // namespace authgent::oauth
