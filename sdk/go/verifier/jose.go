package verifier

// The JOSE layer: a compact JWS split, decoded and checked against one key, strictly. Nothing
// here trusts the token: sizes are capped before decoding, base64url must be canonical, header
// and payload must be UTF-8 JSON objects, and an unknown critical extension fails the token.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"unicode/utf8"
)

type decodedJWT struct {
	alg, kid, typ string
	hasKid        bool
	claims        map[string]any
	signingInput  string
	signature     []byte
}

// decodeBase64URL accepts only unpadded base64url with zero trailing bits. Go's decoder skips CR
// and LF even in strict mode; they are refused first, so one token has one spelling.
func decodeBase64URL(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}

// jsonObject parses a JSON object (null, arrays and scalars are refused); invalid UTF-8, which
// encoding/json would silently replace, is refused too.
func jsonObject(data []byte, into any) bool {
	if !utf8.Valid(data) {
		return false
	}
	trimmed := strings.TrimLeft(string(data), " \t\r\n")
	if !strings.HasPrefix(trimmed, "{") {
		return false
	}
	return json.Unmarshal(data, into) == nil
}

// stringMember reads an optional string member: absent is ("", false, true); present but not a
// JSON string (null included) is not ok.
func stringMember(m map[string]json.RawMessage, name string) (value string, present, ok bool) {
	raw, found := m[name]
	if !found {
		return "", false, true
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", true, false
	}
	return value, true, true
}

func decodeJWT(token string, maxSize int) (*decodedJWT, error) {
	if len(token) > maxSize {
		return nil, refuse(TooLarge, "")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, refuse(Malformed, "not three dot-separated parts")
	}
	headerBytes, ok1 := decodeBase64URL(parts[0])
	payloadBytes, ok2 := decodeBase64URL(parts[1])
	signature, ok3 := decodeBase64URL(parts[2])
	if !ok1 || !ok2 || !ok3 {
		return nil, refuse(Malformed, "not base64url")
	}
	var header map[string]json.RawMessage
	if !jsonObject(headerBytes, &header) {
		return nil, refuse(Malformed, "the header is not a JSON object")
	}
	jwt := &decodedJWT{signingInput: parts[0] + "." + parts[1], signature: signature}
	var present, ok bool
	if jwt.alg, present, ok = stringMember(header, "alg"); !present || !ok {
		return nil, refuse(Malformed, "alg is not a string")
	}
	if jwt.kid, jwt.hasKid, ok = stringMember(header, "kid"); !ok {
		return nil, refuse(Malformed, "kid is not a string")
	}
	if jwt.typ, _, ok = stringMember(header, "typ"); !ok {
		return nil, refuse(Malformed, "typ is not a string")
	}
	// Critical extensions this verifier does not understand must fail (RFC 7515 §4.1.11).
	if _, found := header["crit"]; found {
		return nil, refuse(Malformed, "crit is not supported")
	}
	if !jsonObject(payloadBytes, &jwt.claims) {
		return nil, refuse(Malformed, "the payload is not a JSON object")
	}
	return jwt, nil
}

// verifyWith checks the signature with `key`, which the caller found by the token's kid.
func verifyWith(jwt *decodedJWT, key *jwk) error {
	if key.alg != "" && key.alg != jwt.alg {
		return refuse(KeyMismatch, "the key is for "+key.alg)
	}
	digest := sha256.Sum256([]byte(jwt.signingInput))
	switch jwt.alg {
	case "ES256":
		if key.ec == nil {
			return refuse(KeyMismatch, "ES256 needs a P-256 key")
		}
		if len(jwt.signature) != 64 {
			return refuse(BadSignature, "an ES256 signature is 64 bytes")
		}
		r := new(big.Int).SetBytes(jwt.signature[:32])
		s := new(big.Int).SetBytes(jwt.signature[32:])
		if !ecdsa.Verify(key.ec, digest[:], r, s) {
			return refuse(BadSignature, "")
		}
	case "RS256":
		if key.rsa == nil {
			return refuse(KeyMismatch, "RS256 needs an RSA key")
		}
		if len(jwt.signature) != key.rsa.Size() {
			return refuse(BadSignature, "the signature is not the modulus' size")
		}
		if rsa.VerifyPKCS1v15(key.rsa, crypto.SHA256, digest[:], jwt.signature) != nil {
			return refuse(BadSignature, "")
		}
	default:
		return refuse(UnsupportedAlgorithm, jwt.alg)
	}
	return nil
}
