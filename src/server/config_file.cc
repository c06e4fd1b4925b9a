// CONFIG_FILE: scope descriptions and per-resource scopes, in JSON (docs/configuration.md).
//
//   {
//     "scopes": {"mcp:read": "Read your documents", "files:write": "Change your files"},
//     "resources": [
//       {"uri": "https://mcp.example.com/mcp", "scopes": ["mcp:read", "files:write"],
//        "default_scopes": ["mcp:read"], "required_scopes": ["mcp:read"],
//        "tools": {"mcp:read": ["search_documents"], "files:write": ["upload_file"]}}
//     ]
//   }
#include <algorithm>
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

constexpr size_t kMaxToolText = 200;  // a tool's name or a short phrase, shown at consent

// "tools": {"scope": ["what it unlocks", ...], ...}, each scope one the resource offers.
Status ReadTools(const nlohmann::json& j, const std::vector<std::string>& offered,
                 oauth::ResourceServer& server) {
  if (j.is_null()) return Status::Ok();
  std::string bad = "resource " + server.uri + " has invalid \"tools\": ";
  if (!j.is_object()) return Bad(bad + "it must map scopes to lists of tools");
  for (const auto& [scope, list] : j.items()) {
    if (std::find(offered.begin(), offered.end(), scope) == offered.end()) {
      return Bad(bad + "it names a scope the resource does not offer: " + scope);
    }
    if (!list.is_array()) return Bad(bad + scope + " must list strings");
    for (const auto& tool : list) {
      if (!tool.is_string() || tool.get<std::string>().empty() ||
          tool.get<std::string>().size() > kMaxToolText) {
        return Bad(bad + scope + " must list strings of 1 to 200 characters");
      }
      server.tools[scope].push_back(tool.get<std::string>());
    }
  }
  return Status::Ok();
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
          !ReadScopeList(r.value("default_scopes", nlohmann::json()), &server.default_scopes) ||
          !ReadScopeList(r.value("required_scopes", nlohmann::json()), &server.required_scopes)) {
        return Bad("resource " + server.uri + " has invalid scopes");
      }
      const auto& offered = server.scopes.empty() ? c.scopes : server.scopes;
      for (const auto& [list, what] : {std::pair{&server.default_scopes, "default"},
                                       std::pair{&server.required_scopes, "required"}}) {
        for (const std::string& s : *list) {
          if (std::find(offered.begin(), offered.end(), s) == offered.end()) {
            return Bad("resource " + server.uri + " has a " + what +
                       " scope it does not offer: " + s);
          }
        }
      }
      AUTHGENT_RETURN_IF_ERROR(ReadTools(r.value("tools", nlohmann::json()), offered, server));
      for (const std::string& s : server.scopes) {
        if (std::find(c.scopes.begin(), c.scopes.end(), s) == c.scopes.end()) c.scopes.push_back(s);
      }
      // The same server in RESOURCES too: this entry, with its scopes and tools, stands for it.
      auto same = std::find_if(c.resources.begin(), c.resources.end(), [&](const auto& known) {
        return oauth::NormalizeResource(known.uri) == oauth::NormalizeResource(server.uri);
      });
      if (same != c.resources.end()) {
        *same = std::move(server);
      } else {
        c.resources.push_back(std::move(server));
      }
    }
  }
  return Status::Ok();
}

}  // namespace authgent::server
