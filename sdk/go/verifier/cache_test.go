package verifier

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func (f *fixture) mustAccept(token string) {
	f.t.Helper()
	if _, err := f.v.Verify(context.Background(), token); err != nil {
		f.t.Fatalf("refused: %v", err)
	}
}

func (f *fixture) fetches() int { return int(f.server.fetches.Load()) }

func TestMaxAgeParsing(t *testing.T) {
	cases := map[string]time.Duration{"public, max-age=300": 300 * time.Second, "MAX-AGE=12": 12 * time.Second}
	for value, want := range cases {
		if got, ok := maxAge(value); !ok || got != want {
			t.Errorf("%q: %v %v", value, got, ok)
		}
	}
	for _, value := range []string{"", "max-age=", "no-store, max-age=60", "no-cache", "public"} {
		if _, ok := maxAge(value); ok {
			t.Errorf("%q read as a max-age", value)
		}
	}
}

func TestFetchesOnceAndRefetchesWhenMaxAgeHasPassed(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, "public, max-age=120")
	f.mustAccept(f.token(nil))
	f.mustAccept(f.token(nil))
	f.clock.Advance(119 * time.Second)
	f.mustAccept(f.token(nil))
	if f.fetches() != 1 {
		t.Fatalf("%d fetches within max-age", f.fetches())
	}
	f.clock.Advance(time.Second)
	f.mustAccept(f.token(nil))
	if f.fetches() != 2 {
		t.Fatalf("%d fetches after max-age", f.fetches())
	}
}

func TestTTLIsBoundedAndDefaults(t *testing.T) {
	for _, tc := range []struct {
		cacheControl string
		ttl          time.Duration
	}{{"max-age=1", 30 * time.Second}, {"", 300 * time.Second}, {"no-store", 300 * time.Second},
		{"max-age=9999999", 24 * time.Hour}} {
		f := newFixture(t, nil)
		f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, tc.cacheControl)
		f.mustAccept(f.token(nil))
		f.clock.Advance(tc.ttl - time.Second)
		f.mustAccept(f.token(nil))
		if f.fetches() != 1 {
			t.Fatalf("%q: refetched before %v", tc.cacheControl, tc.ttl)
		}
		f.clock.Advance(time.Second)
		f.mustAccept(f.token(nil))
		if f.fetches() != 2 {
			t.Fatalf("%q: not refetched at %v", tc.cacheControl, tc.ttl)
		}
	}
}

// A new key appears: the first token naming it refetches; made-up kids refetch at most once a
// minute.
func TestUnknownKidRefetchesAtMostOnceAMinute(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, "max-age=3600")
	f.mustAccept(f.token(nil))
	newKey := func() string {
		h := f.header()
		h["kid"] = "es-key-2"
		return signToken(t, h, f.claims(), esKey2)
	}
	f.clock.Advance(61 * time.Second)
	for i := 0; i < 5; i++ {
		if _, err := f.v.Verify(context.Background(), newKey()); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("got %v", err)
		}
	}
	if f.fetches() != 2 {
		t.Fatalf("%d fetches: five unknown kids within a minute refetched more than once", f.fetches())
	}
	f.server.set(jwksDoc(ecJWK(esKid, esKey), ecJWK("es-key-2", esKey2)), http.StatusOK, "max-age=3600")
	f.clock.Advance(59 * time.Second)
	if _, err := f.v.Verify(context.Background(), newKey()); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("got %v", err)
	}
	f.clock.Advance(time.Second)
	f.mustAccept(newKey())
	if f.fetches() != 3 {
		t.Fatalf("%d fetches", f.fetches())
	}
}

// A key that left the JWKS (retired or revoked at the authorization server) stops verifying
// once the cache refetched.
func TestAKeyThatLeftTheSetIsRefusedAfterTheRefetch(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, "max-age=60")
	f.mustAccept(f.token(nil))
	f.server.set(jwksDoc(ecJWK("es-key-2", esKey2)), http.StatusOK, "max-age=60")
	f.clock.Advance(60 * time.Second)
	if _, err := f.v.Verify(context.Background(), f.token(nil)); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("got %v", err)
	}
}

func TestAFailedRefetchKeepsTheLastGoodSet(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, "max-age=60")
	f.mustAccept(f.token(nil))
	for _, broken := range []struct {
		body   string
		status int
		err    string
	}{{"oops", 500, "HTTP 500"}, {"not json", 200, "not a JWK set"}, {`{"keys":{}}`, 200, "not a JWK set"}} {
		f.server.set([]byte(broken.body), broken.status, "")
		f.clock.Advance(60 * time.Second)
		before := f.fetches()
		f.mustAccept(f.token(nil))
		if f.fetches() != before+1 || f.v.JWKSError() == nil || !strings.Contains(f.v.JWKSError().Error(), broken.err) {
			t.Fatalf("%s: fetches %d, error %v", broken.err, f.fetches()-before, f.v.JWKSError())
		}
		// Retried after MinTTL (30 s), not at every request.
		f.clock.Advance(29 * time.Second)
		f.mustAccept(f.token(nil))
		if f.fetches() != before+1 {
			t.Fatalf("%s: retried before 30 s", broken.err)
		}
		f.clock.Advance(time.Second)
		f.mustAccept(f.token(nil))
		if f.fetches() != before+2 {
			t.Fatalf("%s: not retried after 30 s", broken.err)
		}
	}
	f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, "max-age=60")
	f.clock.Advance(30 * time.Second)
	f.mustAccept(f.token(nil))
	if f.v.JWKSError() != nil {
		t.Fatalf("error after a good fetch: %v", f.v.JWKSError())
	}
}

func TestVerificationsDoNotWaitForARefetchInFlight(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set(jwksDoc(ecJWK(esKid, esKey)), http.StatusOK, "max-age=60")
	f.mustAccept(f.token(nil))
	hold, entered := make(chan struct{}), make(chan struct{}, 1)
	f.server.mu.Lock()
	f.server.hold, f.server.entered = hold, entered
	f.server.mu.Unlock()
	f.clock.Advance(60 * time.Second)
	refetched := make(chan error, 1)
	go func() {
		_, err := f.v.Verify(context.Background(), f.token(nil))
		refetched <- err
	}()
	<-entered
	answered := make(chan error, 1)
	go func() {
		_, err := f.v.Verify(context.Background(), f.token(nil))
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a verification waited for the refetch in flight")
	}
	close(hold)
	if err := <-refetched; err != nil {
		t.Fatal(err)
	}
	if f.fetches() != 2 {
		t.Fatalf("%d fetches", f.fetches())
	}
}

// Before any set, callers wait for the one fetch in flight rather than each fetching.
func TestTheFirstFetchIsSharedByConcurrentCallers(t *testing.T) {
	f := newFixture(t, nil)
	hold, entered := make(chan struct{}), make(chan struct{}, 8)
	f.server.mu.Lock()
	f.server.hold, f.server.entered = hold, entered
	f.server.mu.Unlock()
	token := f.token(nil)
	results := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := f.v.Verify(context.Background(), token)
			results <- err
		}()
	}
	<-entered
	time.Sleep(50 * time.Millisecond) // let the other callers reach the wait
	close(hold)
	for i := 0; i < 4; i++ {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	if f.fetches() != 1 {
		t.Fatalf("%d fetches", f.fetches())
	}
	// A caller that gives up waiting gets jwks_unavailable, not a hang.
	g := newFixture(t, nil)
	hold2, entered2 := make(chan struct{}), make(chan struct{}, 2)
	g.server.mu.Lock()
	g.server.hold, g.server.entered = hold2, entered2
	g.server.mu.Unlock()
	defer close(hold2)
	go func() { _, _ = g.v.Verify(context.Background(), token) }()
	<-entered2
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := g.v.Verify(ctx, token); !errors.Is(err, ErrJWKSUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func TestRefusesOversizeSetsAndDoesNotFollowRedirects(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set([]byte(`{"keys":[`+strings.Repeat(" ", 1<<20)+`]}`), http.StatusOK, "")
	if _, err := f.v.Verify(context.Background(), f.token(nil)); !errors.Is(err, ErrJWKSUnavailable) ||
		!strings.Contains(f.v.JWKSError().Error(), "larger than 1048576 bytes") {
		t.Fatalf("got %v / %v", err, f.v.JWKSError())
	}
	target := newJWKSServer(t, jwksDoc(ecJWK(esKid, esKey)))
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirect.Close()
	v, err := newVerifier(Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: redirect.URL}, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), f.token(nil)); !errors.Is(err, ErrJWKSUnavailable) ||
		!strings.Contains(v.JWKSError().Error(), "HTTP 302") || target.fetches.Load() != 0 {
		t.Fatalf("got %v / %v", err, v.JWKSError())
	}
}

func TestSkipsUnusableKeysAndKeepsTheOthers(t *testing.T) {
	testKeys(t)
	good := ecJWK(esKid, esKey)
	offCurve := ecJWK("off", esKey)
	offCurve["y"] = b64(pad32(esKey.X))
	encryption := ecJWK("enc", esKey)
	encryption["use"] = "enc"
	p384 := ecJWK("p384", esKey)
	p384["crv"] = "P-384"
	shortRSA := rsaJWK("short", rsKey)
	shortRSA["n"] = b64(rsKey.N.Bytes()[:128])
	evenE := rsaJWK("even", rsKey)
	evenE["e"] = b64([]byte{1, 0, 0})
	set, err := parseJWKS(jwksDoc(offCurve, encryption, p384, shortRSA, evenE, map[string]any{"kty": "oct", "k": "AAAA"},
		map[string]any{"kid": "x"}, good, rsaJWK(rsKid, rsKey)))
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.keys {
		kids = append(kids, k.kid)
	}
	if strings.Join(kids, ",") != esKid+","+rsKid {
		t.Fatalf("kept %v", kids)
	}
}
