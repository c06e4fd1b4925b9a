package verifier

// The resource server's side of MCP authorization over HTTP: RFC 6750 bearer tokens in the
// Authorization header, RFC 9728 protected-resource metadata, and the challenges MCP clients
// act on: 401 with resource_metadata (where to find the authorization server) and 403
// insufficient_scope with the scopes to ask for (step-up).

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

type claimsKey struct{}

// ClaimsFrom returns the verified claims RequireAuth put in the request's context.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// RequireAuth guards a handler: the request needs a valid access token carrying
// Config.RequiredScopes and `scopes`. Without a token: 401 and a challenge without an error code
// (RFC 6750 §3.1); with a bad one: 401 invalid_token; without a needed scope: 403
// insufficient_scope naming the token's scopes plus the missing ones, so that re-authorizing
// loses nothing. 503 while no JWKS could be fetched yet. Otherwise the handler runs with the
// claims in the context (ClaimsFrom).
func (v *Verifier) RequireAuth(scopes ...string) func(http.Handler) http.Handler {
	needed := append(append([]string{}, v.required...), scopes...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, status := bearerToken(r)
			switch status {
			case tokenAbsent:
				v.challenge(w, http.StatusUnauthorized, "", needed)
				return
			case tokenRepeated:
				v.challenge(w, http.StatusBadRequest, "invalid_request", needed)
				return
			}
			claims, err := v.Verify(r.Context(), token)
			if err != nil {
				if v.onRefused != nil {
					v.onRefused(r, err)
				}
				if ReasonOf(err) == JWKSUnavailable {
					w.Header().Set("Retry-After", "5")
					writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
					return
				}
				v.challenge(w, http.StatusUnauthorized, "invalid_token", needed)
				return
			}
			if !v.scopesOr403(w, r, claims, needed) {
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
		})
	}
}

// CheckScopes is for checks finer than a route, such as one tool of many behind /mcp: it reports
// whether the request's verified token (RequireAuth ran before) carries every scope of `scopes`,
// and when not it has answered: 403 insufficient_scope, or 401 when the request was not verified.
func (v *Verifier) CheckScopes(w http.ResponseWriter, r *http.Request, scopes ...string) bool {
	claims, ok := ClaimsFrom(r.Context())
	if !ok {
		v.challenge(w, http.StatusUnauthorized, "", append(append([]string{}, v.required...), scopes...))
		return false
	}
	return v.scopesOr403(w, r, claims, scopes)
}

func (v *Verifier) scopesOr403(w http.ResponseWriter, r *http.Request, claims *Claims, needed []string) bool {
	ask := append([]string{}, claims.Scopes...)
	missing := false
	for _, s := range needed {
		if !claims.HasScope(s) && !contains(ask, s) {
			ask = append(ask, s)
			missing = true
		}
	}
	if !missing {
		return true
	}
	if v.onRefused != nil {
		v.onRefused(r, refuse(InsufficientScope, strings.Join(ask, " ")))
	}
	v.challenge(w, http.StatusForbidden, "insufficient_scope", ask)
	return false
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

type tokenStatus int

const (
	tokenPresent  tokenStatus = iota
	tokenAbsent               // no Authorization header, or another scheme (Basic ...)
	tokenRepeated             // more than one Authorization header (RFC 6750 §3.1 invalid_request)
)

// bearerToken reads "Authorization: Bearer <token>" (the scheme case-insensitive, RFC 9110
// §11.1). Tokens in the query or the body are not read: OAuth 2.1 forbids the query, and MCP
// uses the header alone.
func bearerToken(r *http.Request) (string, tokenStatus) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", tokenAbsent
	}
	if len(values) > 1 {
		return "", tokenRepeated
	}
	scheme, token, found := strings.Cut(values[0], " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", tokenAbsent
	}
	return strings.TrimLeft(token, " "), tokenPresent
}

// challenge answers with WWW-Authenticate as the C++ library writes it (resource_server.h) and
// a JSON body naming the error (empty without one).
func (v *Verifier) challenge(w http.ResponseWriter, status int, errorCode string, scopes []string) {
	var header string
	if status == http.StatusForbidden {
		header = `Bearer error="insufficient_scope", scope=` + quote(strings.Join(scopes, " ")) +
			", resource_metadata=" + quote(v.metadataURL)
	} else {
		header = "Bearer resource_metadata=" + quote(v.metadataURL)
		if len(scopes) > 0 {
			header += ", scope=" + quote(strings.Join(scopes, " "))
		}
		if errorCode != "" {
			header += ", error=" + quote(errorCode)
		}
	}
	w.Header().Set("WWW-Authenticate", header)
	body := map[string]string{}
	if errorCode != "" {
		body["error"] = errorCode
	}
	writeJSON(w, status, body)
}

// quote makes an RFC 9110 §5.6.4 quoted-string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// ResourceMetadataURL is the URL every challenge names (Config.ResourceMetadataURL or the one
// derived from the audience).
func (v *Verifier) ResourceMetadataURL() string {
	return v.metadataURL
}

// ResourceMetadataPath is the path of ResourceMetadataURL, to mount
// ProtectedResourceMetadataHandler on.
func (v *Verifier) ResourceMetadataPath() string {
	if i := strings.Index(v.metadataURL, "://"); i >= 0 {
		if j := strings.Index(v.metadataURL[i+3:], "/"); j >= 0 {
			return v.metadataURL[i+3+j:]
		}
	}
	return "/.well-known/oauth-protected-resource"
}

// ProtectedResourceMetadataHandler serves this server's RFC 9728 metadata: the audience as the
// resource, the issuer as its authorization server, the supported scopes and header-only bearer
// tokens. Public and cacheable, with CORS for browser-based clients.
func (v *Verifier) ProtectedResourceMetadataHandler() http.Handler {
	type metadata struct {
		Resource               string   `json:"resource"`
		AuthorizationServers   []string `json:"authorization_servers"`
		ScopesSupported        []string `json:"scopes_supported,omitempty"`
		BearerMethodsSupported []string `json:"bearer_methods_supported"`
	}
	doc, _ := json.Marshal(metadata{
		Resource:               v.audiences[0],
		AuthorizationServers:   []string{v.issuer},
		ScopesSupported:        v.supported,
		BearerMethodsSupported: []string{"header"},
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc)
	})
}

// metadataURLFor inserts the well-known segment between the resource's origin and its path
// (RFC 9728 §3.1): https://x/mcp -> https://x/.well-known/oauth-protected-resource/mcp.
func metadataURLFor(resource string) (string, error) {
	u, err := url.Parse(resource)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("verifier: the audience is not an http(s) URL; set ResourceMetadataURL")
	}
	path := u.EscapedPath()
	if path == "/" {
		path = ""
	}
	return u.Scheme + "://" + u.Host + "/.well-known/oauth-protected-resource" + path, nil
}
