// oauth/issuer: what makes a valid authorization-server issuer (RFC 8414 §2, docs/mcp-clients.md §1) and
// which hosts count as loopback (RFC 8252 §7.3, also used for redirect URIs and resources).
#pragma once

#include <string_view>

#include "core/status.h"

namespace authgent::oauth {

// True for localhost, 127.0.0.0/8 and [::1] (with or without brackets).
bool IsLoopbackHost(std::string_view host);

// OK when `issuer` is an origin: http or https, a host, an optional port, and nothing else (no
// path, not even "/", no query, fragment or userinfo). Plain http is allowed only for loopback
// hosts unless `allow_insecure`. The message names what is wrong, for a one-line config error.
Status ValidateIssuer(std::string_view issuer, bool allow_insecure);

}  // namespace authgent::oauth
