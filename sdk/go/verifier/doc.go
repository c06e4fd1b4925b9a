// Package verifier checks authgent's access tokens in a Go MCP server, offline, against the
// authorization server's JWKS, and answers the MCP authorization challenges.
//
//	v, err := verifier.New(verifier.Config{
//		Issuer:   "https://auth.example.com",
//		Audience: "https://mcp.example.com/mcp",
//		JWKSURL:  "https://auth.example.com/.well-known/jwks.json",
//	})
//	mux.Handle("/mcp", v.RequireAuth("mcp:read")(handler))
//	mux.Handle("/.well-known/oauth-protected-resource/mcp", v.ProtectedResourceMetadataHandler())
//
// The rules are those of authgent's C++ verifier library (verify/ in the repository), strict by
// default:
//   - an explicit algorithm allow-list: ES256 by default, RS256 only when listed; "none", HS256
//     and anything else are refused;
//   - a JOSE header with typ "at+jwt" (RFC 9068), a kid that names a key of the JWKS (no kid is
//     refused: a verifier that guesses a key is the lenient selection attackers look for), and no
//     "crit";
//   - ES256 signatures of exactly 64 bytes (R||S) on P-256 keys, RS256 on keys of 2048 bits or
//     more;
//   - iss equal to the issuer, aud (a string or an array) containing the audience (or its twin
//     with or without a trailing slash), exp required, exp/nbf/iat checked with a leeway, sub
//     required;
//   - tokens longer than 8 KiB refused unread, strict base64url, JSON objects only, case-sensitive
//     member names.
//
// The JWKS cache honours Cache-Control max-age (between 30 s and a day; 300 s without one),
// refetches on an unknown kid at most once a minute, keeps the last good set when a fetch fails,
// and never makes a verification wait on a fetch in flight once it has a set.
package verifier
