package verifier

// A JWK set (RFC 7517) as fetched from the authorization server: signature keys only, P-256 EC
// keys and RSA keys of 2048 bits or more. A member that is malformed, of another type or curve,
// or off the curve is skipped, so one bad entry does not take the others down with it.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"math/big"
)

const minRSABits = 2048

type jwk struct {
	kid string
	alg string // "" when the JWK does not say
	ec  *ecdsa.PublicKey
	rsa *rsa.PublicKey
}

type keySet struct {
	keys []jwk
}

// find returns the key with exactly this kid, or nil.
func (s *keySet) find(kid string) *jwk {
	for i := range s.keys {
		if s.keys[i].kid == kid {
			return &s.keys[i]
		}
	}
	return nil
}

func parseJWKS(data []byte) (*keySet, error) {
	var doc map[string]json.RawMessage
	if !jsonObject(data, &doc) {
		return nil, errors.New("not a JWK set: a JSON object with a \"keys\" array is required")
	}
	var entries []json.RawMessage
	if raw, ok := doc["keys"]; !ok || len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &entries) != nil {
		return nil, errors.New("not a JWK set: a JSON object with a \"keys\" array is required")
	}
	set := &keySet{}
	for _, entry := range entries {
		if key, ok := parseJWK(entry); ok {
			set.keys = append(set.keys, key)
		}
	}
	return set, nil
}

func parseJWK(data []byte) (jwk, bool) {
	var m map[string]json.RawMessage
	if !jsonObject(data, &m) {
		return jwk{}, false
	}
	kty, present, ok := stringMember(m, "kty")
	if !present || !ok {
		return jwk{}, false
	}
	// Only signature keys: "use" absent or "sig".
	if use, present, ok := stringMember(m, "use"); present && (!ok || use != "sig") {
		return jwk{}, false
	}
	var key jwk
	if key.kid, _, ok = stringMember(m, "kid"); !ok {
		return jwk{}, false
	}
	if key.alg, _, ok = stringMember(m, "alg"); !ok {
		return jwk{}, false
	}
	switch kty {
	case "EC":
		key.ec = ecKey(m)
		return key, key.ec != nil
	case "RSA":
		key.rsa = rsaKey(m)
		return key, key.rsa != nil
	}
	return jwk{}, false
}

// member decodes a base64url member of at most `max` bytes.
func member(m map[string]json.RawMessage, name string, max int) ([]byte, bool) {
	text, present, ok := stringMember(m, name)
	if !present || !ok || len(text) > (max*4+2)/3 {
		return nil, false
	}
	return decodeBase64URL(text)
}

func ecKey(m map[string]json.RawMessage) *ecdsa.PublicKey {
	if crv, _, _ := stringMember(m, "crv"); crv != "P-256" {
		return nil
	}
	x, okX := member(m, "x", 32)
	y, okY := member(m, "y", 32)
	if !okX || !okY || len(x) != 32 || len(y) != 32 {
		return nil
	}
	curve := elliptic.P256()
	px, py := new(big.Int).SetBytes(x), new(big.Int).SetBytes(y)
	if !curve.IsOnCurve(px, py) {
		return nil
	}
	return &ecdsa.PublicKey{Curve: curve, X: px, Y: py}
}

func rsaKey(m map[string]json.RawMessage) *rsa.PublicKey {
	n, okN := member(m, "n", 2048)
	e, okE := member(m, "e", 8)
	if !okN || !okE || len(n) == 0 || len(e) == 0 {
		return nil
	}
	modulus := new(big.Int).SetBytes(n)
	exponent := new(big.Int).SetBytes(e)
	// crypto/rsa takes exponents from 2 to 2^31-1; an even one is not an RSA key.
	if modulus.BitLen() < minRSABits || !exponent.IsInt64() || exponent.Int64() < 3 ||
		exponent.Int64() > 1<<31-1 || exponent.Bit(0) == 0 {
		return nil
	}
	return &rsa.PublicKey{N: modulus, E: int(exponent.Int64())}
}
