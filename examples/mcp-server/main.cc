// An example MCP server protected by authgent: the template for a real one.
//
// Streamable HTTP (JSON responses) at POST /mcp with JSON-RPC `initialize`, `tools/list` and
// `tools/call`, two tools with their own scopes (`read_notes` needs mcp:read, `add_note` needs
// mcp:write), RFC 9728 protected-resource metadata at both well-known paths, and the MCP
// authorization challenges: 401 with `resource_metadata` and `scope` when the token is missing or
// invalid, 403 `insufficient_scope` naming every scope needed when a tool needs more.
// Tokens are verified offline with the authgent verifier library against authgent's JWKS.
//
//   mcp-server --issuer http://127.0.0.1:8080 --resource http://127.0.0.1:3001/mcp --port 3001
#include <CLI/CLI.hpp>
#include <iostream>
#include <mutex>

#include "authgent/verify/curl_fetcher.h"
#include "authgent/verify/resource_server.h"
#include "authgent/verify/verifier.h"
#include "http/router.h"
#include "http/server.h"

namespace verify = authgent::verify;
namespace http = authgent::http;

namespace {

struct Tool {
  std::string name;
  std::string description;
  std::string scope;
};

const std::vector<Tool> kTools = {
    {"read_notes", "List the notes", "mcp:read"},
    {"add_note", "Add a note", "mcp:write"},
};

nlohmann::json RpcResult(const nlohmann::json& id, nlohmann::json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

nlohmann::json RpcError(const nlohmann::json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

class McpServer {
 public:
  McpServer(std::string issuer, std::string resource, verify::Verifier verifier)
      : resource_(std::move(resource)),
        prm_url_(verify::ProtectedResourceMetadataUrl(resource_)),
        issuer_(std::move(issuer)),
        verifier_(std::move(verifier)) {}

  void AddRoutes(http::Router& router) {
    auto metadata = [this](const http::Request&) {
      http::Response r = http::Response::Json(
          200, verify::ProtectedResourceMetadata(resource_, {issuer_}, {"mcp:read", "mcp:write"}));
      r.Set("Cache-Control", "public, max-age=300");
      return r;
    };
    // The path-specific location (RFC 9728 §3.1) and the root one, for older clients.
    router.Add("GET", prm_url_.substr(prm_url_.find("/.well-known")), metadata, {.cors = true});
    router.Add("GET", "/.well-known/oauth-protected-resource", metadata, {.cors = true});
    // A JWKS fetch may block: /mcp runs on a worker.
    router.Add("POST", "/mcp", http::OnWorkers([this](const http::Request& r) { return Handle(r); }),
               {.cors = true});
  }

 private:
  // `error` is empty for a request that sent no token (RFC 6750 §3.1: no error code then).
  http::Response Challenge(int status, const std::string& header, const std::string& error) {
    nlohmann::json body = nlohmann::json::object();
    if (!error.empty()) body["error"] = error;
    http::Response r = http::Response::Json(status, body);
    r.Set("WWW-Authenticate", header);
    return r;
  }

  http::Response Handle(const http::Request& request) {
    // Every MCP request needs a valid token; tools add their own scope.
    std::string authorization(request.Header("authorization").value_or(""));
    if (authorization.rfind("Bearer ", 0) != 0) {
      return Challenge(401, verify::Challenge401(prm_url_, {"mcp:read"}, false), "");
    }
    auto verified = verifier_.Verify(std::string_view(authorization).substr(7));
    if (auto* error = std::get_if<verify::VerifyError>(&verified)) {
      std::cerr << "token refused: " << verify::VerifyErrorName(*error) << "\n";
      return Challenge(401, verify::Challenge401(prm_url_, {"mcp:read"}, true), "invalid_token");
    }
    const verify::VerifiedToken& token = std::get<verify::VerifiedToken>(verified);
    nlohmann::json rpc = nlohmann::json::parse(request.body, nullptr, false);
    if (!rpc.is_object() || !rpc["method"].is_string()) {
      return http::Response::Json(400, RpcError(nullptr, -32600, "invalid JSON-RPC request"));
    }
    nlohmann::json id = rpc.contains("id") ? rpc["id"] : nlohmann::json();
    std::string method = rpc["method"];
    if (!rpc.contains("id")) {  // a notification: nothing to answer
      http::Response accepted;
      accepted.status = 202;
      return accepted;
    }
    if (method == "initialize") {
      return http::Response::Json(200, RpcResult(id, {{"protocolVersion", rpc["params"].value("protocolVersion", "2025-06-18")},
                                                      {"capabilities", {{"tools", nlohmann::json::object()}}},
                                                      {"serverInfo", {{"name", "authgent-example"}, {"version", "0.1.0"}}}}));
    }
    if (method == "ping") return http::Response::Json(200, RpcResult(id, nlohmann::json::object()));
    if (method == "tools/list") {
      nlohmann::json tools = nlohmann::json::array();
      for (const Tool& t : kTools) {
        tools.push_back({{"name", t.name}, {"description", t.description + " (needs " + t.scope + ")"},
                         {"inputSchema", {{"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}}}});
      }
      return http::Response::Json(200, RpcResult(id, {{"tools", tools}}));
    }
    if (method == "tools/call") {
      std::string name = rpc["params"].value("name", "");
      auto tool = std::find_if(kTools.begin(), kTools.end(), [&](const Tool& t) { return t.name == name; });
      if (tool == kTools.end()) return http::Response::Json(200, RpcError(id, -32602, "unknown tool " + name));
      if (std::find(token.scopes.begin(), token.scopes.end(), tool->scope) == token.scopes.end()) {
        // Step-up: ask for everything this token has plus what the tool needs.
        std::vector<std::string> needed = token.scopes;
        needed.push_back(tool->scope);
        return Challenge(403, verify::Challenge403(prm_url_, needed), "insufficient_scope");
      }
      std::lock_guard lock(mu_);
      std::string text;
      if (tool->name == "add_note") {
        notes_.push_back(rpc["params"]["arguments"].value("text", ""));
        text = "added note " + std::to_string(notes_.size()) + " for " + token.subject;
      } else {
        text = std::to_string(notes_.size()) + " notes";
        for (const std::string& n : notes_) text += "\n- " + n;
      }
      return http::Response::Json(200, RpcResult(id, {{"content", {{{"type", "text"}, {"text", text}}}}}));
    }
    return http::Response::Json(200, RpcError(id, -32601, "method not found: " + method));
  }

  const std::string resource_;
  const std::string prm_url_;
  const std::string issuer_;
  verify::Verifier verifier_;
  std::mutex mu_;
  std::vector<std::string> notes_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"An example MCP server protected by authgent"};
  std::string issuer, resource, bind = "127.0.0.1";
  int port = 3001;
  cli.add_option("--issuer", issuer, "authgent's ISSUER")->required()->envname("MCP_ISSUER");
  cli.add_option("--resource", resource, "This server's canonical URL, e.g. http://127.0.0.1:3001/mcp")
      ->required()->envname("MCP_RESOURCE");
  cli.add_option("--port", port, "Port")->envname("MCP_PORT");
  cli.add_option("--bind", bind, "Address")->envname("MCP_BIND");
  CLI11_PARSE(cli, argc, argv);

  auto cache = std::make_shared<verify::JwksCache>(issuer + "/.well-known/jwks.json",
                                                   std::make_shared<verify::CurlJwksFetcher>());
  std::string problem;
  auto verifier = verify::Verifier::Create({.issuer = issuer, .audience = resource},
                                           verify::KeySource::Remote(cache), &problem);
  if (!verifier) {
    std::cerr << "mcp-server: cannot verify tokens: " << problem << "\n";
    return 2;
  }
  McpServer mcp(issuer, resource, std::move(*verifier));
  http::Router router;
  mcp.AddRoutes(router);
  http::ServerOptions options;
  options.bind_address = bind;
  options.port = port;
  options.access_log = false;
  http::Server server(options, router);
  auto bound = server.Listen();
  if (!bound.ok()) {
    std::cerr << "mcp-server: " << bound.status().message() << "\n";
    return 1;
  }
  std::cerr << "mcp-server listening on " << bind << ":" << *bound << " for " << resource << "\n";
  server.Run(/*handle_signals=*/true);
  return 0;
}
