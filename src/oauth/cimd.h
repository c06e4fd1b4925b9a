// oauth/cimd: Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document,
// docs/mcp-clients.md §3). A client may identify itself with an https URL as its client_id; the
// document at that URL is its registration. Every installation of one product (claude.ai, VS
// Code) shares that identity, and the URL's host is who vouches for it.
//
// This module holds the rules only: which URLs may be client IDs, what a document must say and
// how long a fetched copy may be used. Fetching it safely (the SSRF guard) is the fetcher's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "oauth/errors.h"
#include "storage/records.h"

namespace authgent::oauth {

// The longest client ID URL accepted, and the largest document read (the draft's advice: 5 KiB).
constexpr size_t kMaxClientIdUrlLength = 1024;
constexpr size_t kMaxClientIdDocumentBytes = 5 * 1024;

// How long a fetched document is used, whatever its response says: a minute at least (a client
// cannot make authgent refetch on every request), a day at most (a changed document is seen the
// next day at the latest), an hour when the response gives no lifetime.
constexpr int64_t kMinDocumentLifetime = 60;
constexpr int64_t kMaxDocumentLifetime = 24 * 3600;
constexpr int64_t kDefaultDocumentLifetime = 3600;

// True when `client_id` names a metadata document rather than a registered client: it starts with
// "https://". The ids authgent assigns never do, so the two kinds cannot collide.
bool IsClientIdUrl(std::string_view client_id);

// nullopt when `url` may be a client ID, else a client-safe reason. The rules: https; a host
// name (not an IP literal: the host is what the consent page names); a path other than "/"; no
// "." or ".." segment (also percent-encoded); no fragment, no user information; a query and a
// port are allowed; at most kMaxClientIdUrlLength bytes.
std::optional<std::string> CheckClientIdUrl(std::string_view url);

// The host of a URL that passed CheckClientIdUrl, lower-cased (what consent shows).
std::string ClientIdUrlHost(std::string_view url);

// Validates the document fetched from `url` and returns the client it describes, as of `now`
// (Unix seconds). The document's `client_id` must equal `url` exactly; `redirect_uris` are
// required and follow the registration rules; the client is public (`none`, the default) or
// authenticates with `private_key_jwt`, which needs exactly one of `jwks_uri` (https) and `jwks`;
// a client secret in any form is refused, as is the client_credentials grant. Unknown fields
// are ignored. Errors are invalid_client_metadata or invalid_redirect_uri, fixed descriptions.
std::variant<storage::Client, OAuthError> ClientFromDocument(std::string_view url,
                                                             std::string_view document,
                                                             int64_t now);

// How many seconds a document fetched at `now` may be used: `s-maxage`, else `max-age` of
// `cache_control` (authgent is a cache shared by its instances), `no-store` and `no-cache` the
// minimum, else `expires` (Unix seconds, when the response had a valid Expires), else the
// default; always within [kMinDocumentLifetime, kMaxDocumentLifetime].
int64_t DocumentLifetime(std::string_view cache_control, std::optional<int64_t> expires,
                         int64_t now);

// True when the client has redirect URIs and every one is an http loopback URI: any program on
// the user's machine could then present this client's identity (consent warns).
bool AllRedirectsLoopback(const storage::Client& client);

}  // namespace authgent::oauth
