package verifier

// Test keys, a JWKS server and a token signer shared by the package's tests.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testIssuer   = "https://auth.example.com"
	testAudience = "https://mcp.example.com/mcp"
	esKid        = "es-key-1"
	rsKid        = "rs-key-1"
)

var (
	keysOnce sync.Once
	esKey    *ecdsa.PrivateKey
	esKey2   *ecdsa.PrivateKey // a second EC key, published or not as a test needs
	rsKey    *rsa.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if esKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if esKey2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if rsKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func pad32(n *big.Int) []byte {
	out := make([]byte, 32)
	n.FillBytes(out)
	return out
}

func ecJWK(kid string, key *ecdsa.PrivateKey) map[string]any {
	return map[string]any{"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
		"x": b64(pad32(key.X)), "y": b64(pad32(key.Y))}
}

func rsaJWK(kid string, key *rsa.PrivateKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}
}

func jwksDoc(keys ...map[string]any) []byte {
	if keys == nil {
		keys = []map[string]any{}
	}
	doc, _ := json.Marshal(map[string]any{"keys": keys})
	return doc
}

// signToken signs header and claims with key (an *ecdsa.PrivateKey, an *rsa.PrivateKey, or a
// []byte HMAC secret).
func signToken(t testing.TB, header, claims map[string]any, key any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(pad32(r), pad32(s)...)
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	case []byte:
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(input))
		sig = mac.Sum(nil)
	}
	return input + "." + b64(sig)
}

// fakeClock is the time the verifier and its cache see.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// jwksServer serves a JWKS the test can change, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu           sync.Mutex
	body         []byte
	status       int
	cacheControl string
	fetches      atomic.Int32
	hold         chan struct{} // when set, each request waits for it (after signalling entered)
	entered      chan struct{}
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		hold, entered, body, status, cc := s.hold, s.entered, s.body, s.status, s.cacheControl
		s.mu.Unlock()
		if entered != nil {
			entered <- struct{}{}
		}
		if hold != nil {
			<-hold
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(body []byte, status int, cacheControl string) {
	s.mu.Lock()
	s.body, s.status, s.cacheControl = body, status, cacheControl
	s.mu.Unlock()
}

var testStart = time.Unix(1_800_000_000, 0)

// fixture: a verifier on a fake clock against a JWKS server publishing the ES256 and RS256 keys.
type fixture struct {
	t      testing.TB
	clock  *fakeClock
	server *jwksServer
	v      *Verifier
}

func newFixture(t testing.TB, mutate func(*Config)) *fixture {
	t.Helper()
	testKeys(t)
	f := &fixture{t: t, clock: &fakeClock{now: testStart}}
	f.server = newJWKSServer(t, jwksDoc(ecJWK(esKid, esKey), rsaJWK(rsKid, rsKey)))
	cfg := Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: f.server.URL + "/jwks"}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := newVerifier(cfg, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	f.v = v
	return f
}

func (f *fixture) header() map[string]any {
	return map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": esKid}
}

func (f *fixture) claims() map[string]any {
	now := f.clock.Now().Unix()
	return map[string]any{"iss": testIssuer, "aud": testAudience, "sub": "user-1",
		"client_id": "client-1", "scope": "mcp:read mcp:write", "jti": "jti-1",
		"iat": now, "nbf": now, "exp": now + 300}
}

// token signs the default header and claims with the ES256 key after `edit` changed them.
func (f *fixture) token(edit func(header, claims map[string]any)) string {
	h, c := f.header(), f.claims()
	if edit != nil {
		edit(h, c)
	}
	return signToken(f.t, h, c, esKey)
}
