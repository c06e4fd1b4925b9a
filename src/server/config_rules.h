// server/config_rules: what ValidateConfig (server/config) applies to the raw settings: the value
// parsers, whose errors name the setting and what it must be, and the checks of each group of
// settings, each filling its part of the Config.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "server/config.h"

namespace authgent::server {

// "NAME what": the error every refused setting gets.
Status Bad(const char* name, const std::string& what);
StatusOr<int64_t> ParseInt(const char* name, const std::string& text, int64_t lo, int64_t hi);
StatusOr<bool> ParseBool(const char* name, const std::string& text);
// Items separated by spaces, tabs or commas.
std::vector<std::string> SplitSpaces(const std::string& text);
// Items separated by commas, each trimmed; empty items dropped.
std::vector<std::string> SplitCommas(const std::string& text);

// The groups of settings, in the order ValidateConfig checks them.
Status ValidateListener(const RawConfig& raw, Config& c);
Status ValidateStorage(const RawConfig& raw, Config& c);
Status ValidateKeys(const RawConfig& raw, Config& c);
Status ValidateScopes(const RawConfig& raw, Config& c);
Status ValidateRuntime(const RawConfig& raw, Config& c);
// The protocol's settings: registration, lifetimes, rate limits, proxies, housekeeping and the
// upstream IdP (ValidateUpstream).
Status ValidateFlowSettings(const RawConfig& raw, Config& c);
Status ValidateUpstream(const RawConfig& raw, Config& c);

}  // namespace authgent::server
