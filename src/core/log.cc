#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <mutex>

namespace authgent::log {
namespace {

std::shared_ptr<spdlog::logger> Make(bool to_stderr) {
  spdlog::drop("authgent");
  auto l = to_stderr ? spdlog::stderr_logger_mt("authgent") : spdlog::stdout_logger_mt("authgent");
  l->set_pattern("%v");
  l->set_level(spdlog::level::info);
  l->flush_on(spdlog::level::warn);
  return l;
}

std::shared_ptr<spdlog::logger>& Current() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    spdlog::flush_every(std::chrono::seconds(1));
    return Make(false);
  }();
  return logger;
}

std::shared_ptr<spdlog::logger> Logger() { return std::atomic_load(&Current()); }

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* Name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void Emit(Level level, std::string_view msg, nlohmann::json fields) {
  auto logger = Logger();
  if (!logger->should_log(ToSpd(level))) return;
  nlohmann::json line = nlohmann::json::object();
  line["time"] = NowRfc3339();
  line["level"] = Name(level);
  line["msg"] = msg;
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) line[k] = std::move(v);
  }
  // `replace` keeps invalid UTF-8 from a client from throwing inside dump().
  logger->log(ToSpd(level), "{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug") *out = Level::kDebug;
  else if (text == "info") *out = Level::kInfo;
  else if (text == "warn") *out = Level::kWarn;
  else if (text == "error") *out = Level::kError;
  else return false;
  return true;
}

void Init(Level min_level, bool to_stderr) {
  auto logger = Make(to_stderr);
  logger->set_level(ToSpd(min_level));
  if (to_stderr) logger->flush_on(spdlog::level::trace);
  std::atomic_store(&Current(), logger);
}

void Debug(std::string_view msg, nlohmann::json fields) { Emit(Level::kDebug, msg, std::move(fields)); }
void Info(std::string_view msg, nlohmann::json fields) { Emit(Level::kInfo, msg, std::move(fields)); }
void Warn(std::string_view msg, nlohmann::json fields) { Emit(Level::kWarn, msg, std::move(fields)); }
void Error(std::string_view msg, nlohmann::json fields) { Emit(Level::kError, msg, std::move(fields)); }

void Line(const nlohmann::json& line) {
  auto logger = Logger();
  if (!logger->should_log(spdlog::level::info)) return;
  logger->info("{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Flush() { Logger()->flush(); }

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  // Every audit event and log line asks for this; the date and time change once a second, so
  // each thread formats them once a second and adds the milliseconds.
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[80];  // "2026-12-04T20:06:53" (room for any int, as snprintf checks)
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_secs = secs;
  }
  int millis = static_cast<int>(ms % 1000);
  std::string out = cached;
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
  return out;
}

}  // namespace authgent::log
