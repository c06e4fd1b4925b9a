package main

// The MCP side of the example: JSON-RPC over Streamable HTTP (JSON answers only, no sessions,
// no server-sent events) with two tools on an in-memory list of notes.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/authgent/authgent/sdk/go/verifier"
)

type tool struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	InputSchema map[string]any `json:"inputSchema"`
	scope       string
}

var tools = []tool{
	{Name: "read_notes", Description: "List the notes (needs mcp:read)", scope: "mcp:read"},
	{Name: "add_note", Description: "Add a note (needs mcp:write)", scope: "mcp:write"},
}

func init() {
	for i := range tools {
		tools[i].InputSchema = map[string]any{"type": "object",
			"properties": map[string]any{"text": map[string]string{"type": "string"}}}
	}
}

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		ProtocolVersion string `json:"protocolVersion"`
		Name            string `json:"name"`
		Arguments       struct {
			Text string `json:"text"`
		} `json:"arguments"`
	} `json:"params"`
}

type notes struct {
	v     *verifier.Verifier
	mu    sync.Mutex
	items []string
}

func newNotes(v *verifier.Verifier) *notes { return &notes{v: v} }

func (n *notes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		// No server-sent event stream: MCP clients take 405 for "none offered".
		w.Header().Set("Allow", "POST")
		http.Error(w, "only POST", http.StatusMethodNotAllowed)
		return
	}
	var req rpcRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Method == "" {
		reply(w, http.StatusBadRequest, rpcError(nil, -32600, "invalid JSON-RPC request"))
		return
	}
	if len(req.ID) == 0 { // a notification: nothing to answer
		w.WriteHeader(http.StatusAccepted)
		return
	}
	switch req.Method {
	case "initialize":
		version := req.Params.ProtocolVersion
		if version == "" {
			version = "2025-06-18"
		}
		reply(w, http.StatusOK, rpcResult(req.ID, map[string]any{
			"protocolVersion": version,
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      map[string]string{"name": "authgent-example-go", "version": "0.1.0"},
		}))
	case "ping":
		reply(w, http.StatusOK, rpcResult(req.ID, map[string]any{}))
	case "tools/list":
		reply(w, http.StatusOK, rpcResult(req.ID, map[string]any{"tools": tools}))
	case "tools/call":
		n.call(w, r, req)
	default:
		reply(w, http.StatusOK, rpcError(req.ID, -32601, "method not found: "+req.Method))
	}
}

func (n *notes) call(w http.ResponseWriter, r *http.Request, req rpcRequest) {
	var t *tool
	for i := range tools {
		if tools[i].Name == req.Params.Name {
			t = &tools[i]
		}
	}
	if t == nil {
		reply(w, http.StatusOK, rpcError(req.ID, -32602, "unknown tool "+req.Params.Name))
		return
	}
	// Step-up: 403 insufficient_scope naming the token's scopes plus this tool's.
	if !n.v.CheckScopes(w, r, t.scope) {
		return
	}
	claims, _ := verifier.ClaimsFrom(r.Context())
	n.mu.Lock()
	var text string
	if t.Name == "add_note" {
		n.items = append(n.items, req.Params.Arguments.Text)
		text = fmt.Sprintf("added note %d for %s", len(n.items), claims.Subject)
	} else {
		text = fmt.Sprintf("%d notes", len(n.items))
		for _, item := range n.items {
			text += "\n- " + item
		}
	}
	n.mu.Unlock()
	reply(w, http.StatusOK, rpcResult(req.ID, map[string]any{
		"content": []map[string]string{{"type": "text", "text": text}},
	}))
}

func rpcResult(id json.RawMessage, result any) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": id, "result": result}
}

func rpcError(id json.RawMessage, code int, message string) map[string]any {
	if id == nil {
		id = json.RawMessage("null")
	}
	return map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": message}}
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
