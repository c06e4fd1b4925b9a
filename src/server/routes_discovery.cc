// Discovery, JWKS and health endpoints.
#include "core/log.h"
#include "oauth/metadata.h"
#include "server/app.h"

namespace authgent::server {

void App::BuildDocuments() {
  catalog_ = oauth::ResourceCatalog(config_.issuer, config_.resources, config_.scopes,
                                    config_.scope_descriptions);
  token_settings_.issuer = config_.issuer;
  token_settings_.access_token_ttl = config_.access_token_ttl;
  token_settings_.refresh_token_ttl = config_.refresh_token_ttl;
  token_settings_.refresh_idle_ttl = config_.refresh_idle_ttl;
  token_settings_.refresh_reuse_grace = config_.refresh_reuse_grace;
  token_settings_.code_ttl = config_.code_ttl;
  token_settings_.refresh_successor_key = keys_->DeriveSecret("authgent refresh-token successor v1");
  tokens_ = std::make_unique<oauth::TokenService>(*store_, *keys_, clock_, random_,
                                                  token_settings_, catalog_);
  registration_policy_.mode = config_.dcr_mode;
  registration_policy_.allowlist = oauth::RedirectAllowlist(config_.redirect_uri_allowlist);
  browser_ = std::make_unique<Browser>(
      BrowserSettings{config_.issuer, config_.service_name, config_.login_session_ttl,
                      keys_->DeriveSecret("authgent sign-out v1")},
      *store_, clock_, random_);

  oauth::MetadataSettings settings;
  settings.issuer = config_.issuer;
  settings.scopes = config_.scopes;
  settings.registration_enabled = config_.dcr_mode != oauth::DcrMode::kDisabled;
  metadata_json_ = oauth::BuildMetadata(settings).dump();
}

void App::AddDiscoveryRoutes() {
  auto metadata = [this](const http::Request&) {
    http::Response r = http::Response::JsonText(200, metadata_json_);
    r.Set("Cache-Control", "public, max-age=300");
    return r;
  };
  router_.Add("GET", oauth::kMetadataPath, metadata, {.cors = true});
  router_.Add("GET", oauth::kOpenIdConfigurationPath, metadata, {.cors = true});

  // The snapshot is reloaded from the store only when due: almost always this is a pointer read
  // served on the network thread; when a reload is due the request goes to the worker pool.
  auto jwks = [this](const http::Request& request) {
    auto snapshot = keys_->Current();
    if (!snapshot.ok()) {
      log::Error("jwks unavailable",
                 {{"request_id", request.request_id}, {"error", snapshot.status().ToString()}});
      return http::Response::Error(503, "temporarily_unavailable", "signing keys unavailable");
    }
    http::Response r = http::Response::JsonText(200, (*snapshot)->jwks_json);
    r.Set("Cache-Control", "public, max-age=300");
    return r;
  };
  router_.Add(
      "GET", oauth::kJwksPath,
      [this, jwks](const http::Request& request) -> http::AsyncStep {
        if (keys_->NeedsReload()) return http::OnWorker{[jwks, &request] { return jwks(request); }};
        return jwks(request);
      },
      {.cors = true});
}

void App::AddHealthRoutes() {
  router_.Add("GET", "/healthz", [](const http::Request&) {
    return http::Response::Json(200, {{"status", "ok"}});
  });
  // Strangers learn which part is not ready (a reason code), never why: versions and error
  // texts go to the log, once per change (server/readiness).
  readiness_ = std::make_unique<ReadinessProbe>([this] { return CheckReadiness(); },
                                                kReadinessTimeout);
  router_.Add(
      "GET", "/readyz",
      http::OnWorkers([this](const http::Request&) {
        Readiness verdict = readiness_->Probe();
        if (verdict.ready) return http::Response::Json(200, {{"status", "ready"}});
        return http::Response::Json(503, {{"status", "unavailable"}, {"reason", verdict.reason}});
      }));
}

Readiness App::CheckReadiness() {
  auto not_ready = [](const char* reason, std::string detail) {
    return Readiness{false, reason, std::move(detail)};
  };
  Status ping = store_->Ping();
  if (!ping.ok()) return not_ready("storage", "unreachable: " + ping.message());
  StatusOr<int> version = store_->SchemaVersion();
  if (!version.ok()) return not_ready("storage", "schema unreadable: " + version.status().message());
  if (*version != store_->LatestSchemaVersion()) {
    return not_ready("storage", "schema is at version " + std::to_string(*version) +
                                    ", this build needs " +
                                    std::to_string(store_->LatestSchemaVersion()));
  }
  auto keys = keys_->Current();
  if (!keys.ok()) return not_ready("signing_key", keys.status().message());
  if (upstream_ && !upstream_->ready()) return not_ready("upstream", upstream_->last_error());
  return Readiness{};
}

}  // namespace authgent::server
