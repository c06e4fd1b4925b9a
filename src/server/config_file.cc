// CONFIG_FILE: scope descriptions and per-resource scopes, in JSON (docs/configuration.md).
//
//   {
//     "scopes": {"mcp:read": "Read your documents", "files:write": "Change your files"},
//     "resources": [
//       {"uri": "https://mcp.example.com/mcp", "scopes": ["mcp:read", "files:write"],
//        "default_scopes": ["mcp:read"]}
//     ]
//   }
#include <fstream>
#include <sstream>

#include "oauth/scope.h"
#include "server/config.h"

namespace authgent::server {
namespace {

Status Bad(const std::string& what) { return InvalidArgumentError("CONFIG_FILE " + what); }

bool ReadScopeList(const nlohmann::json& j, std::vector<std::string>* out) {
  if (j.is_null()) return true;
  if (!j.is_array()) return false;
  for (const auto& s : j) {
    if (!s.is_string() || !oauth::IsScopeToken(s.get<std::string>())) return false;
    out->push_back(s.get<std::string>());
  }
  return true;
}

}  // namespace

Status LoadConfigFile(const std::string& path, Config& c) {
  std::ifstream in(path);
  if (!in) return Bad("cannot be read (got '" + path + "')");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false, /*ignore_comments=*/true);
  if (!doc.is_object()) return Bad("is not a JSON object (" + path + ")");
  if (doc.contains("scopes")) {
    if (!doc["scopes"].is_object()) return Bad("\"scopes\" must map scope names to descriptions");
    for (auto& [name, description] : doc["scopes"].items()) {
      if (!oauth::IsScopeToken(name) || !description.is_string()) {
        return Bad("\"scopes\" must map scope names to descriptions");
      }
      c.scope_descriptions[name] = description.get<std::string>();
      if (std::find(c.scopes.begin(), c.scopes.end(), name) == c.scopes.end()) c.scopes.push_back(name);
    }
  }
  if (doc.contains("resources")) {
    if (!doc["resources"].is_array()) return Bad("\"resources\" must be an array");
    for (nlohmann::json r : doc["resources"]) {  // a copy: absent members read as null
      oauth::ResourceServer server;
      if (!r.is_object() || !r["uri"].is_string() ||
          !oauth::NormalizeResource(r["uri"].get<std::string>())) {
        return Bad("has a resource without a valid \"uri\"");
      }
      server.uri = r["uri"].get<std::string>();
      if (!ReadScopeList(r.value("scopes", nlohmann::json()), &server.scopes) ||
          !ReadScopeList(r.value("default_scopes", nlohmann::json()), &server.default_scopes)) {
        return Bad("resource " + server.uri + " has invalid scopes");
      }
      for (const std::string& s : server.default_scopes) {
        const auto& allowed = server.scopes.empty() ? c.scopes : server.scopes;
        if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
          return Bad("resource " + server.uri + " has a default scope it does not offer: " + s);
        }
      }
      for (const std::string& s : server.scopes) {
        if (std::find(c.scopes.begin(), c.scopes.end(), s) == c.scopes.end()) c.scopes.push_back(s);
      }
      c.resources.push_back(std::move(server));
    }
  }
  return Status::Ok();
}

}  // namespace authgent::server
