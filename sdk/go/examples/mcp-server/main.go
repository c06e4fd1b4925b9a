// An example MCP server in Go protected by authgent: the template for a real one, and the Go
// counterpart of examples/mcp-server (C++), which behaves the same.
//
// Streamable HTTP (JSON responses) at POST /mcp with JSON-RPC initialize, tools/list and
// tools/call; two tools with their own scopes (read_notes needs mcp:read, add_note mcp:write);
// RFC 9728 protected-resource metadata at both well-known paths; and the MCP authorization
// challenges, from the verifier package: 401 with resource_metadata when the token is missing or
// invalid, 403 insufficient_scope naming every scope needed when a tool needs more.
//
//	mcp-server --issuer http://127.0.0.1:8080 --resource http://127.0.0.1:3001/mcp --port 3001
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/authgent/authgent/sdk/go/verifier"
)

func main() {
	issuer := flag.String("issuer", os.Getenv("MCP_ISSUER"), "authgent's ISSUER (env MCP_ISSUER)")
	resource := flag.String("resource", os.Getenv("MCP_RESOURCE"),
		"this server's canonical URL, e.g. http://127.0.0.1:3001/mcp (env MCP_RESOURCE)")
	port := flag.Int("port", envInt("MCP_PORT", 3001), "port (env MCP_PORT)")
	bind := flag.String("bind", envOr("MCP_BIND", "127.0.0.1"), "address (env MCP_BIND)")
	refetch := flag.Duration("jwks-refetch-interval", time.Minute,
		"least time between JWKS refetches caused by unknown kids")
	flag.Parse()
	if *issuer == "" || *resource == "" {
		fmt.Fprintln(os.Stderr, "mcp-server: --issuer and --resource are required")
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "mcp-server: ", 0)

	// README:begin
	v, err := verifier.New(verifier.Config{
		Issuer:          *issuer,
		Audience:        *resource,
		JWKSURL:         *issuer + "/.well-known/jwks.json",
		ScopesSupported: []string{"mcp:read", "mcp:write"},
		Cache:           verifier.CacheOptions{MinRefetchInterval: *refetch},
		OnRefused: func(r *http.Request, err error) {
			logger.Printf("token refused: %v", verifier.ReasonOf(err))
		},
	})
	if err != nil {
		logger.Fatalf("cannot verify tokens: %v", err)
	}
	mux := http.NewServeMux()
	// Every MCP request needs mcp:read; add_note checks mcp:write itself (notes.go).
	mux.Handle("/mcp", v.RequireAuth("mcp:read")(newNotes(v)))
	// RFC 9728 §3.1's path-specific location, and the root one for older clients.
	mux.Handle(v.ResourceMetadataPath(), v.ProtectedResourceMetadataHandler())
	mux.Handle("/.well-known/oauth-protected-resource", v.ProtectedResourceMetadataHandler())
	// README:end

	listener, err := net.Listen("tcp", net.JoinHostPort(*bind, strconv.Itoa(*port)))
	if err != nil {
		logger.Fatal(err)
	}
	server := &http.Server{Handler: withCORS(mux), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	logger.Printf("listening on %s for %s", listener.Addr(), *resource)
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Fatal(err)
	}
}

// withCORS lets browser-based MCP clients call the server and read its challenges.
func withCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Mcp-Protocol-Version, Mcp-Session-Id")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func envInt(name string, fallback int) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return fallback
	}
	return n
}
