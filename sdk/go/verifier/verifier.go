package verifier

// Verification of one access token: the rules of authgent's C++ verifier (verify/verifier.h),
// in the same order, so both libraries accept and refuse the same tokens for the same reasons.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config describes the tokens a Verifier accepts. Issuer and Audience are required.
type Config struct {
	// Issuer is authgent's ISSUER; a token's iss must equal it exactly.
	Issuer string
	// Audience is this MCP server's canonical resource URI (e.g. https://mcp.example.com/mcp);
	// a token's aud must contain it (or its twin with or without a trailing slash).
	Audience string
	// JWKSURL is where the verification keys are; default Issuer + "/.well-known/jwks.json".
	// https, or http on a loopback host (localhost, 127.0.0.0/8, ::1) for development.
	JWKSURL string
	// Algorithms is the allow-list, of "ES256" and "RS256"; default ES256 only.
	Algorithms []string
	// Leeway is the clock skew allowed on exp, nbf and iat, in whole seconds; 0 means 60 s.
	Leeway time.Duration
	// HTTPClient fetches the JWKS; default a client that follows no redirects. Every fetch is
	// bounded to 10 s and 1 MiB whatever the client.
	HTTPClient *http.Client
	// RequiredScopes are needed on every request RequireAuth guards, besides its own.
	RequiredScopes []string
	// ResourceMetadataURL is where this server's RFC 9728 metadata is served, named in every
	// challenge; default the well-known URL derived from Audience (RFC 9728 §3.1).
	ResourceMetadataURL string
	// ScopesSupported is advertised in the metadata (MCP clients request these when a challenge
	// names none); default RequiredScopes.
	ScopesSupported []string
	// MaxTokenSize refuses longer tokens unread; 0 means 8192 bytes.
	MaxTokenSize int
	// Cache tunes the JWKS cache.
	Cache CacheOptions
	// OnRefused, when set, is called with every refused token's error (for logs and metrics).
	OnRefused func(r *http.Request, err error)
}

// Claims is what a verified token says.
type Claims struct {
	Subject   string   // the user, or for client_credentials the client
	ClientID  string   // the OAuth client the token was issued to
	Scopes    []string // from "scope" (space-separated) or a "scp" array
	Issuer    string
	Audience  []string
	ExpiresAt time.Time
	JWTID     string
	Raw       map[string]any // every claim as decoded (numbers are float64)
}

// HasScope reports whether the token carries `scope`.
func (c *Claims) HasScope(scope string) bool {
	for _, s := range c.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// Verifier checks access tokens. It is safe for concurrent use.
type Verifier struct {
	issuer      string
	audiences   []string
	algorithms  map[string]bool
	leeway      int64
	maxSize     int
	required    []string
	supported   []string
	metadataURL string
	onRefused   func(*http.Request, error)
	keys        *jwksCache
	now         func() time.Time
}

// New checks the configuration and returns a Verifier. It refuses what would accept tokens it
// must not: an empty issuer or audience, an algorithm other than ES256 and RS256, a JWKS URL that
// is not https (loopback http excepted), a negative leeway.
func New(cfg Config) (*Verifier, error) {
	return newVerifier(cfg, time.Now)
}

func newVerifier(cfg Config, now func() time.Time) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("verifier: the issuer is empty")
	}
	if cfg.Audience == "" {
		return nil, errors.New("verifier: the audience is empty")
	}
	if cfg.Leeway < 0 {
		return nil, errors.New("verifier: the leeway is negative")
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/jwks.json"
	}
	if err := checkJWKSURL(cfg.JWKSURL); err != nil {
		return nil, err
	}
	v := &Verifier{
		issuer:      cfg.Issuer,
		algorithms:  map[string]bool{},
		leeway:      int64(cfg.Leeway / time.Second),
		maxSize:     cfg.MaxTokenSize,
		required:    cfg.RequiredScopes,
		supported:   cfg.ScopesSupported,
		metadataURL: cfg.ResourceMetadataURL,
		onRefused:   cfg.OnRefused,
		now:         now,
	}
	if cfg.Leeway == 0 {
		v.leeway = 60
	}
	if v.maxSize <= 0 {
		v.maxSize = 8192
	}
	if len(v.supported) == 0 {
		v.supported = v.required
	}
	algorithms := cfg.Algorithms
	if len(algorithms) == 0 {
		algorithms = []string{"ES256"}
	}
	for _, alg := range algorithms {
		if alg != "ES256" && alg != "RS256" {
			return nil, fmt.Errorf("verifier: algorithm %q is not supported (ES256, RS256)", alg)
		}
		v.algorithms[alg] = true
	}
	// The audience as configured, or its trailing-slash twin (https://x/mcp vs https://x/mcp/).
	bare := strings.TrimSuffix(cfg.Audience, "/")
	v.audiences = []string{cfg.Audience, bare, bare + "/"}
	if v.metadataURL == "" {
		derived, err := metadataURLFor(cfg.Audience)
		if err != nil {
			return nil, err
		}
		v.metadataURL = derived
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{
			Timeout: fetchTimeout,
			// A JWKS that moved is a configuration to fix, not a redirect to follow blindly.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	v.keys = newJWKSCache(cfg.JWKSURL, client, cfg.Cache, now)
	return v, nil
}

func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("verifier: the JWKS URL %q is not an absolute URL", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" && isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("verifier: the JWKS URL %q must be https (http only on a loopback host)", raw)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// JWKSError is the last JWKS fetch's failure, nil after a success (for health checks and logs).
func (v *Verifier) JWKSError() error {
	return v.keys.lastError()
}

// Verify checks `token` and that it carries every scope of `scopes` (ErrInsufficientScope
// otherwise, with the claims, so the caller can name what is missing). ctx bounds only the wait
// for the first JWKS fetch.
func (v *Verifier) Verify(ctx context.Context, token string, scopes ...string) (*Claims, error) {
	jwt, err := decodeJWT(token, v.maxSize)
	if err != nil {
		return nil, err
	}
	if jwt.typ != "at+jwt" && jwt.typ != "application/at+jwt" {
		return nil, refuse(WrongType, "typ "+jwt.typ)
	}
	if !v.algorithms[jwt.alg] {
		return nil, refuse(UnsupportedAlgorithm, jwt.alg)
	}
	if !jwt.hasKid {
		return nil, refuse(UnknownKey, "the token names no kid")
	}
	keys := v.keys.get(ctx)
	if keys == nil {
		return nil, refuse(JWKSUnavailable, errorText(v.keys.lastError()))
	}
	key := keys.find(jwt.kid)
	if key == nil {
		if keys = v.keys.refreshForUnknownKid(ctx); keys != nil {
			key = keys.find(jwt.kid)
		}
		if key == nil {
			return nil, refuse(UnknownKey, "kid "+jwt.kid)
		}
	}
	if err := verifyWith(jwt, key); err != nil {
		return nil, err
	}
	claims, err := v.checkClaims(jwt.claims)
	if err != nil {
		return nil, err
	}
	for _, needed := range scopes {
		if !claims.HasScope(needed) {
			return claims, refuse(InsufficientScope, needed)
		}
	}
	return claims, nil
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// numericDate reads a NumericDate (RFC 7519 §2) as Unix seconds, saturating: a far-future exp
// never wraps into the past.
func numericDate(claims map[string]any, name string) (seconds int64, present, ok bool) {
	raw, found := claims[name]
	if !found {
		return 0, false, true
	}
	f, isNumber := raw.(float64)
	if !isNumber {
		return 0, true, false
	}
	switch {
	case f != f || f >= math.MaxInt64: // NaN cannot come out of JSON; kept for safety
		return math.MaxInt64, true, true
	case f <= math.MinInt64:
		return math.MinInt64, true, true
	}
	return int64(f), true, true
}

func (v *Verifier) checkClaims(raw map[string]any) (*Claims, error) {
	now := v.now().Unix()
	exp, present, ok := numericDate(raw, "exp")
	if !present || !ok {
		return nil, refuse(MissingClaim, "exp")
	}
	if now-v.leeway >= exp {
		return nil, refuse(Expired, "")
	}
	if nbf, present, ok := numericDate(raw, "nbf"); present {
		if !ok {
			return nil, refuse(MissingClaim, "nbf")
		}
		if nbf > now+v.leeway {
			return nil, refuse(NotYetValid, "")
		}
	}
	if iat, present, ok := numericDate(raw, "iat"); present {
		if !ok {
			return nil, refuse(MissingClaim, "iat")
		}
		if iat > now+v.leeway {
			return nil, refuse(IssuedInFuture, "")
		}
	}
	iss, isString := raw["iss"].(string)
	if !isString {
		return nil, refuse(MissingClaim, "iss")
	}
	if iss != v.issuer {
		return nil, refuse(WrongIssuer, iss)
	}
	audiences := audienceList(raw["aud"])
	if len(audiences) == 0 {
		return nil, refuse(MissingClaim, "aud")
	}
	if !v.audienceMatches(audiences) {
		return nil, refuse(WrongAudience, strings.Join(audiences, " "))
	}
	sub, isString := raw["sub"].(string)
	if !isString {
		return nil, refuse(MissingClaim, "sub")
	}
	claims := &Claims{Subject: sub, Issuer: iss, Audience: audiences, Raw: raw,
		ExpiresAt: time.Unix(exp, 0), Scopes: scopeList(raw)}
	claims.ClientID, _ = raw["client_id"].(string)
	claims.JWTID, _ = raw["jti"].(string)
	return claims, nil
}

func (v *Verifier) audienceMatches(audiences []string) bool {
	for _, a := range audiences {
		for _, want := range v.audiences {
			if a == want {
				return true
			}
		}
	}
	return false
}

// audienceList: aud as a string or an array (its strings).
func audienceList(aud any) []string {
	switch a := aud.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, item := range a {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// scopeList: the space-separated "scope" claim, or else a "scp" array of strings.
func scopeList(claims map[string]any) []string {
	var out []string
	if scope, ok := claims["scope"].(string); ok {
		// RFC 6749 §3.3: space-delimited, as the C++ library reads it.
		for _, s := range strings.Split(scope, " ") {
			if s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if scp, ok := claims["scp"].([]any); ok {
		for _, item := range scp {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
