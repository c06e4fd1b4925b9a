package verifier

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testPRM = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"

type answer struct {
	status    int
	challenge string
	body      map[string]string
	handled   string
}

func serve(t *testing.T, h http.Handler, authorization ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}"))
	for _, a := range authorization {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := answer{status: rec.Code, challenge: rec.Header().Get("WWW-Authenticate")}
	if rec.Header().Get("Content-Type") == "application/json" {
		if err := json.Unmarshal(rec.Body.Bytes(), &out.body); err != nil {
			t.Fatalf("%q: %v", rec.Body.String(), err)
		}
	} else {
		out.handled = rec.Body.String()
	}
	return out
}

func TestRequireAuthChallengesAndPassesClaims(t *testing.T) {
	var refused []Reason
	f := newFixture(t, func(c *Config) {
		c.RequiredScopes = []string{"mcp:read"}
		c.OnRefused = func(_ *http.Request, err error) { refused = append(refused, ReasonOf(err)) }
	})
	handler := f.v.RequireAuth()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := ClaimsFrom(r.Context())
		if !ok {
			t.Fatal("no claims in the context")
		}
		_, _ = w.Write([]byte("hello " + claims.Subject))
	}))
	none := `Bearer resource_metadata="` + testPRM + `", scope="mcp:read"`
	for _, tc := range []struct {
		name          string
		authorization []string
		want          answer
	}{
		{"no token: no error code (RFC 6750 §3.1)", nil, answer{401, none, map[string]string{}, ""}},
		{"another scheme", []string{"Basic dXNlcjpwYXNz"}, answer{401, none, map[string]string{}, ""}},
		{"a bad token", []string{"Bearer nope"}, answer{401, none + `, error="invalid_token"`,
			map[string]string{"error": "invalid_token"}, ""}},
		{"an empty token", []string{"Bearer "}, answer{401, none + `, error="invalid_token"`,
			map[string]string{"error": "invalid_token"}, ""}},
		{"two headers", []string{"Bearer a", "Bearer b"}, answer{400, none + `, error="invalid_request"`,
			map[string]string{"error": "invalid_request"}, ""}},
		{"a good token, scheme in lower case", []string{"bearer " + f.token(nil)}, answer{200, "", nil, "hello user-1"}},
		{"a token without the required scope", []string{"Bearer " + f.token(func(h, c map[string]any) { c["scope"] = "other" })},
			answer{403, `Bearer error="insufficient_scope", scope="other mcp:read", resource_metadata="` + testPRM + `"`,
				map[string]string{"error": "insufficient_scope"}, ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := serve(t, handler, tc.authorization...)
			if got.status != tc.want.status || got.challenge != tc.want.challenge || got.handled != tc.want.handled ||
				len(got.body) != len(tc.want.body) || got.body["error"] != tc.want.body["error"] {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if len(refused) != 3 || refused[0] != Malformed || refused[1] != Malformed || refused[2] != InsufficientScope {
		t.Fatalf("OnRefused saw %v", refused)
	}
}

// A tool needing more than the route: CheckScopes answers 403 naming the token's scopes plus
// the missing one, so re-authorizing with that scope loses nothing.
func TestCheckScopesStepsUpFromWithinAHandler(t *testing.T) {
	f := newFixture(t, nil)
	handler := f.v.RequireAuth("mcp:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.v.CheckScopes(w, r, "mcp:write") {
			return
		}
		_, _ = w.Write([]byte("written"))
	}))
	readOnly := f.token(func(h, c map[string]any) { c["scope"] = "mcp:read" })
	got := serve(t, handler, "Bearer "+readOnly)
	want := `Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="` + testPRM + `"`
	if got.status != 403 || got.challenge != want || got.body["error"] != "insufficient_scope" {
		t.Fatalf("got %+v", got)
	}
	if got := serve(t, handler, "Bearer "+f.token(nil)); got.status != 200 || got.handled != "written" {
		t.Fatalf("got %+v", got)
	}
	// Outside RequireAuth there is no verified token: 401.
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.v.CheckScopes(w, r, "mcp:write") })
	if got := serve(t, bare); got.status != 401 || got.challenge != `Bearer resource_metadata="`+testPRM+`", scope="mcp:write"` {
		t.Fatalf("got %+v", got)
	}
}

func TestWithoutAnyKeySetTheAnswerIs503(t *testing.T) {
	f := newFixture(t, nil)
	f.server.set([]byte("down"), http.StatusBadGateway, "")
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+f.token(nil))
	rec := httptest.NewRecorder()
	f.v.RequireAuth()(http.NotFoundHandler()).ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "5" || rec.Header().Get("WWW-Authenticate") != "" ||
		strings.TrimSpace(rec.Body.String()) != `{"error":"temporarily_unavailable"}` {
		t.Fatalf("got %d %v %s", rec.Code, rec.Header(), rec.Body.String())
	}
}

func TestServesProtectedResourceMetadata(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ScopesSupported = []string{"mcp:read", "mcp:write"} })
	if f.v.ResourceMetadataURL() != testPRM || f.v.ResourceMetadataPath() != "/.well-known/oauth-protected-resource/mcp" {
		t.Fatalf("%s %s", f.v.ResourceMetadataURL(), f.v.ResourceMetadataPath())
	}
	rec := httptest.NewRecorder()
	f.v.ProtectedResourceMetadataHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, f.v.ResourceMetadataPath(), nil))
	want := `{"resource":"https://mcp.example.com/mcp","authorization_servers":["https://auth.example.com"],` +
		`"scopes_supported":["mcp:read","mcp:write"],"bearer_methods_supported":["header"]}`
	if rec.Code != 200 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("got %d %v %s", rec.Code, rec.Header(), rec.Body.String())
	}
	rec = httptest.NewRecorder()
	f.v.ProtectedResourceMetadataHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
	// The root of a server: the well-known path without a suffix.
	v, err := New(Config{Issuer: testIssuer, Audience: "https://mcp.example.com/"})
	if err != nil || v.ResourceMetadataURL() != "https://mcp.example.com/.well-known/oauth-protected-resource" {
		t.Fatalf("%v %s", err, v.ResourceMetadataURL())
	}
}
