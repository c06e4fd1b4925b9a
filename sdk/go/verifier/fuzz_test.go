package verifier

// Fuzz targets for the two parsers of untrusted input: tokens (any bytes a client sends as a
// bearer token) and JWK sets (what the JWKS URL answers). `go test` runs the seeds; scripts/fuzz
// runs each with -fuzz for FUZZ_SECONDS.

import (
	"context"
	"strings"
	"testing"
)

// Property: nothing but the one genuinely signed token is accepted, whatever the input.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f, nil)
	valid := fx.token(nil)
	parts := strings.Split(valid, ".")
	f.Add(valid)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(strings.Repeat("A", 9000))
	f.Add(parts[0] + ".." + parts[2])
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := fx.v.Verify(context.Background(), token)
		if err == nil && token != valid {
			t.Fatalf("accepted a token that is not the signed one: %q", token)
		}
		if err != nil && ReasonOf(err) == 0 {
			t.Fatalf("an error without a reason: %v", err)
		}
		if err == nil && claims.Subject != "user-1" {
			t.Fatalf("claims %+v", claims)
		}
	})
}

// Property: a parsed set holds only usable keys: an EC key on P-256, or RSA of 2048 bits or more.
func FuzzParseJWKS(f *testing.F) {
	testKeys(f)
	f.Add(string(jwksDoc(ecJWK(esKid, esKey), rsaJWK(rsKid, rsKey))))
	f.Add(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`)
	f.Add(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`)
	f.Add(`{"keys":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, doc string) {
		set, err := parseJWKS([]byte(doc))
		if err != nil {
			return
		}
		for _, k := range set.keys {
			switch {
			case k.ec != nil:
				if k.rsa != nil || !k.ec.Curve.IsOnCurve(k.ec.X, k.ec.Y) || k.ec.Curve.Params().Name != "P-256" {
					t.Fatalf("bad EC key %+v", k)
				}
			case k.rsa != nil:
				if k.rsa.N.BitLen() < minRSABits || k.rsa.E < 3 || k.rsa.E%2 == 0 {
					t.Fatalf("bad RSA key %+v", k)
				}
			default:
				t.Fatalf("a key without key material: %+v", k)
			}
		}
	})
}
