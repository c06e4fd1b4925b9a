package verifier

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAcceptsAValidTokenAndReportsItsClaims(t *testing.T) {
	f := newFixture(t, nil)
	claims, err := f.v.Verify(context.Background(), f.token(nil), "mcp:read")
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "user-1" || claims.ClientID != "client-1" || claims.JWTID != "jti-1" ||
		claims.Issuer != testIssuer || strings.Join(claims.Audience, ",") != testAudience ||
		strings.Join(claims.Scopes, ",") != "mcp:read,mcp:write" ||
		!claims.ExpiresAt.Equal(testStart.Add(300*time.Second)) || claims.Raw["sub"] != "user-1" {
		t.Fatalf("claims: %+v", claims)
	}
}

// Every single bit of the token, as text and as decoded bytes of each part, flipped: refused.
func TestEveryFlippedBitIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	token := f.token(nil)
	if _, err := f.v.Verify(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(token); i++ {
		for bit := 0; bit < 8; bit++ {
			mutated := []byte(token)
			mutated[i] ^= 1 << bit
			if _, err := f.v.Verify(context.Background(), string(mutated)); err == nil {
				t.Fatalf("accepted with bit %d of character %d flipped", bit, i)
			}
		}
	}
	parts := strings.Split(token, ".")
	for p, name := range []string{"header", "payload", "signature"} {
		decoded, _ := base64.RawURLEncoding.DecodeString(parts[p])
		for i := range decoded {
			for bit := 0; bit < 8; bit++ {
				mutated := append([]byte{}, decoded...)
				mutated[i] ^= 1 << bit
				copyParts := append([]string{}, parts...)
				copyParts[p] = base64.RawURLEncoding.EncodeToString(mutated)
				if _, err := f.v.Verify(context.Background(), strings.Join(copyParts, ".")); err == nil {
					t.Fatalf("accepted with bit %d of %s byte %d flipped", bit, name, i)
				}
			}
		}
	}
}

func TestRefusesEachBrokenRuleWithItsReason(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock.Now().Unix()
	es := func(edit func(h, c map[string]any)) string { return f.token(edit) }
	rs := func(edit func(h, c map[string]any)) string {
		h, c := f.header(), f.claims()
		h["alg"], h["kid"] = "RS256", rsKid
		if edit != nil {
			edit(h, c)
		}
		return signToken(t, h, c, rsKey)
	}
	valid := es(nil)
	parts := strings.Split(valid, ".")
	cases := []struct {
		name  string
		token string
		want  *Error
	}{
		{"alg none", func() string {
			h := f.header()
			h["alg"] = "none"
			return strings.Join(strings.Split(signToken(t, h, f.claims(), esKey), ".")[:2], ".") + "."
		}(), ErrUnsupportedAlgorithm},
		{"HS256 with the public key as secret", func() string {
			h := f.header()
			h["alg"] = "HS256"
			return signToken(t, h, f.claims(), []byte(jwksDoc(ecJWK(esKid, esKey))))
		}(), ErrUnsupportedAlgorithm},
		{"RS256 not in the allow-list", rs(nil), ErrUnsupportedAlgorithm},
		{"no kid", es(func(h, c map[string]any) { delete(h, "kid") }), ErrUnknownKey},
		{"unknown kid", es(func(h, c map[string]any) { h["kid"] = "nobody" }), ErrUnknownKey},
		{"kid naming a key of another type", es(func(h, c map[string]any) { h["kid"] = rsKid }), ErrKeyMismatch},
		{"kid not a string", es(func(h, c map[string]any) { h["kid"] = 7 }), ErrMalformed},
		{"typ missing", es(func(h, c map[string]any) { delete(h, "typ") }), ErrWrongType},
		{"typ JWT", es(func(h, c map[string]any) { h["typ"] = "JWT" }), ErrWrongType},
		{"crit", es(func(h, c map[string]any) { h["crit"] = []string{"exp"} }), ErrMalformed},
		{"ALG in capitals only", es(func(h, c map[string]any) { delete(h, "alg"); h["ALG"] = "ES256" }), ErrMalformed},
		{"expired beyond the leeway", es(func(h, c map[string]any) { c["exp"] = now - 60 }), ErrExpired},
		{"not yet valid", es(func(h, c map[string]any) { c["nbf"] = now + 61 }), ErrNotYetValid},
		{"issued in the future", es(func(h, c map[string]any) { c["iat"] = now + 61 }), ErrIssuedInFuture},
		{"wrong issuer", es(func(h, c map[string]any) { c["iss"] = testIssuer + "/" }), ErrWrongIssuer},
		{"wrong audience", es(func(h, c map[string]any) { c["aud"] = "https://other.example.com/mcp" }), ErrWrongAudience},
		{"audience only as a prefix", es(func(h, c map[string]any) { c["aud"] = testAudience + "/x" }), ErrWrongAudience},
		{"no exp", es(func(h, c map[string]any) { delete(c, "exp") }), ErrMissingClaim},
		{"exp a string", es(func(h, c map[string]any) { c["exp"] = "9999999999" }), ErrMissingClaim},
		{"no iss", es(func(h, c map[string]any) { delete(c, "iss") }), ErrMissingClaim},
		{"no aud", es(func(h, c map[string]any) { delete(c, "aud") }), ErrMissingClaim},
		{"no sub", es(func(h, c map[string]any) { delete(c, "sub") }), ErrMissingClaim},
		{"a DER signature", parts[0] + "." + parts[1] + "." + b64(append([]byte{0x30, 0x44}, make([]byte, 68)...)), ErrBadSignature},
		{"the same R and S in 65 bytes", func() string {
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			return parts[0] + "." + parts[1] + "." + b64(append(append(append([]byte{}, sig[:32]...), 0), sig[32:]...))
		}(), ErrBadSignature},
		{"signed by an unpublished key", signToken(t, f.header(), f.claims(), esKey2), ErrBadSignature},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], ErrMalformed},
		{"a line break in base64", parts[0] + "\n." + parts[1] + "." + parts[2], ErrMalformed},
		{"four parts", valid + ".x", ErrMalformed},
		{"payload null", parts[0] + "." + b64([]byte("null")) + "." + parts[2], ErrMalformed},
		{"payload not UTF-8", parts[0] + "." + b64([]byte("{\"sub\":\"\xff\"}")) + "." + parts[2], ErrMalformed},
		{"larger than 8 KiB", es(func(h, c map[string]any) { c["pad"] = strings.Repeat("a", 8192) }), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAcceptsWhatTheRulesAllow(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock.Now().Unix()
	cases := map[string]func(h, c map[string]any){
		"expired within the leeway":  func(h, c map[string]any) { c["exp"] = now - 59 },
		"nbf within the leeway":      func(h, c map[string]any) { c["nbf"] = now + 60 },
		"typ application/at+jwt":     func(h, c map[string]any) { h["typ"] = "application/at+jwt" },
		"aud an array containing it": func(h, c map[string]any) { c["aud"] = []string{"https://a.example", testAudience} },
		"aud with a trailing slash":  func(h, c map[string]any) { c["aud"] = testAudience + "/" },
		"exp far beyond int64":       func(h, c map[string]any) { c["exp"] = 1e300 },
		"no nbf and no iat":          func(h, c map[string]any) { delete(c, "nbf"); delete(c, "iat") },
		"unknown header member":      func(h, c map[string]any) { h["x5u"] = "ignored" },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := f.v.Verify(context.Background(), f.token(edit)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRS256OnlyWhenListed(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Algorithms = []string{"ES256", "RS256"} })
	h, c := f.header(), f.claims()
	h["alg"], h["kid"] = "RS256", rsKid
	if _, err := f.v.Verify(context.Background(), signToken(t, h, c, rsKey)); err != nil {
		t.Fatal(err)
	}
	// An RS256 token naming the EC key: the key does not fit the algorithm.
	h["kid"] = esKid
	if _, err := f.v.Verify(context.Background(), signToken(t, h, c, rsKey)); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("got %v", err)
	}
}

func TestScopesFromScopeOrScpAndRequiredOnes(t *testing.T) {
	f := newFixture(t, nil)
	claims, err := f.v.Verify(context.Background(), f.token(func(h, c map[string]any) {
		delete(c, "scope")
		c["scp"] = []any{"a", 1, "b"}
	}), "a")
	if err != nil || strings.Join(claims.Scopes, " ") != "a b" {
		t.Fatalf("%v %+v", err, claims)
	}
	claims, err = f.v.Verify(context.Background(), f.token(func(h, c map[string]any) { c["scope"] = " mcp:read  x " }), "mcp:write")
	if !errors.Is(err, ErrInsufficientScope) || claims == nil || strings.Join(claims.Scopes, " ") != "mcp:read x" {
		t.Fatalf("%v %+v", err, claims)
	}
}

func TestLeewayIsConfigurable(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Leeway = 5 * time.Second })
	now := f.clock.Now().Unix()
	if _, err := f.v.Verify(context.Background(), f.token(func(h, c map[string]any) { c["exp"] = now - 5 })); !errors.Is(err, ErrExpired) {
		t.Fatalf("got %v", err)
	}
	if _, err := f.v.Verify(context.Background(), f.token(func(h, c map[string]any) { c["exp"] = now - 4 })); err != nil {
		t.Fatal(err)
	}
}

func TestNewRefusesUnsafeConfigurations(t *testing.T) {
	cases := map[string]Config{
		"the issuer is empty":   {Audience: testAudience},
		"the audience is empty": {Issuer: testIssuer},
		"must be https (http only on a loopback host)": {Issuer: testIssuer, Audience: testAudience,
			JWKSURL: "http://auth.example.com/jwks"},
		"\"http://10.0.0.1/jwks\" must be https": {Issuer: testIssuer, Audience: testAudience,
			JWKSURL: "http://10.0.0.1/jwks"},
		"is not an absolute URL": {Issuer: testIssuer, Audience: testAudience, JWKSURL: "jwks.json"},
		"algorithm \"HS256\" is not supported": {Issuer: testIssuer, Audience: testAudience,
			Algorithms: []string{"ES256", "HS256"}},
		"the leeway is negative": {Issuer: testIssuer, Audience: testAudience, Leeway: -time.Second},
		"the audience is not an http(s) URL; set ResourceMetadataURL": {Issuer: testIssuer,
			Audience: "urn:mcp:notes"},
	}
	for want, cfg := range cases {
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
	for _, jwks := range []string{"http://127.0.0.1:8080/jwks", "http://localhost/jwks", "http://[::1]:1/jwks", "https://auth.example.com/jwks"} {
		if _, err := New(Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: jwks}); err != nil {
			t.Errorf("%s: %v", jwks, err)
		}
	}
	v, err := New(Config{Issuer: testIssuer, Audience: "urn:mcp:notes", ResourceMetadataURL: "https://mcp.example.com/prm"})
	if err != nil || v.ResourceMetadataURL() != "https://mcp.example.com/prm" || v.ResourceMetadataPath() != "/prm" {
		t.Fatalf("%v", err)
	}
}

func TestReasonNamesMatchTheCppLibrary(t *testing.T) {
	want := "too_large malformed unsupported_algorithm wrong_type unknown_key key_mismatch bad_signature " +
		"wrong_issuer wrong_audience expired not_yet_valid issued_in_future missing_claim insufficient_scope jwks_unavailable"
	var got []string
	for r := TooLarge; r <= JWKSUnavailable; r++ {
		got = append(got, r.String())
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("got %s", strings.Join(got, " "))
	}
	if ReasonOf(refuse(Expired, "x")) != Expired || ReasonOf(errors.New("other")) != 0 {
		t.Fatal("ReasonOf")
	}
}
