// core/log: structured logging. Every line is one JSON object with `time` (RFC 3339, UTC, ms),
// `level` and `msg`, plus the caller's fields, written to standard output.
//
// Contract for callers: never pass a token, code, secret, password or cookie value as a field.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace authgent::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Parses "debug" | "info" | "warn" | "error".
bool ParseLevel(std::string_view text, Level* out);
// Sets the minimum level and where lines go: standard output for the server, standard error for
// the operator subcommands (whose standard output is their result). Call before logging.
void Init(Level min_level, bool to_stderr = false);

void Debug(std::string_view msg, nlohmann::json fields = nlohmann::json::object());
void Info(std::string_view msg, nlohmann::json fields = nlohmann::json::object());
void Warn(std::string_view msg, nlohmann::json fields = nlohmann::json::object());
void Error(std::string_view msg, nlohmann::json fields = nlohmann::json::object());
// Writes a pre-built line (the HTTP access log) at info level.
void Line(const nlohmann::json& line);
// Pushes buffered lines out now (lines are otherwise flushed every second and on warnings).
void Flush();

// "2026-11-26T06:48:09.123Z" for the current wall-clock time.
std::string NowRfc3339();

}  // namespace authgent::log
