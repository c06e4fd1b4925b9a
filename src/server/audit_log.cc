#include "server/audit_log.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"

namespace authgent::server {
namespace {

std::atomic<AuditLog*> sighup_target{nullptr};

void OnSighup(int) {
  // Async-signal-safe: an atomic load and a relaxed atomic store.
  if (AuditLog* log = sighup_target.load()) log->RequestReopen();
}

FILE* OpenForAppend(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = std::strerror(errno);
    return nullptr;
  }
  FILE* f = ::fdopen(fd, "a");
  if (!f) {
    *error = std::strerror(errno);
    ::close(fd);
  }
  return f;
}

}  // namespace

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& spec, bool operator_command) {
  if (spec == "off") return std::unique_ptr<AuditLog>(new AuditLog("", nullptr, false));
  if (spec == "stdout" || spec.empty()) {
    return std::unique_ptr<AuditLog>(new AuditLog("", operator_command ? stderr : stdout, false));
  }
  std::string error;
  FILE* f = OpenForAppend(spec, &error);
  if (!f) return InvalidArgumentError("AUDIT_LOG: cannot open " + spec + ": " + error);
  return std::unique_ptr<AuditLog>(new AuditLog(spec, f, true));
}

AuditLog::AuditLog(std::string path, FILE* file, bool owned)
    : path_(std::move(path)), file_(file), owned_(owned) {
  if (file_) flusher_ = std::thread([this] { FlushEverySecond(); });
}

AuditLog::~AuditLog() {
  if (sighup_target.load() == this) HandleSighup(nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  Flush();
  if (owned_ && file_) std::fclose(file_);
}

void AuditLog::HandleSighup(AuditLog* log) {
  sighup_target.store(log);
  struct sigaction action {};
  action.sa_handler = log ? OnSighup : SIG_DFL;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
}

void AuditLog::ReopenLocked() {
  reopen_.store(false, std::memory_order_relaxed);
  if (!owned_) return;
  std::string error;
  FILE* fresh = OpenForAppend(path_, &error);
  if (!fresh) {
    // Keep writing to the file we have (renamed or not) rather than lose events.
    log::Error("cannot reopen AUDIT_LOG; still writing to the old file",
               {{"path", path_}, {"error", error}});
    return;
  }
  std::fclose(file_);
  file_ = fresh;
  log::Info("reopened AUDIT_LOG", {{"path", path_}});
}

void AuditLog::Write(std::string_view line) {
  if (!file_) return;
  std::lock_guard lock(mu_);
  if (reopen_.load(std::memory_order_relaxed)) ReopenLocked();
  // The line and its newline under the stream's own lock: the diagnostic log's lines on the same
  // stream never cut in, and the line is not copied to append the newline.
  flockfile(file_);
  fwrite_unlocked(line.data(), 1, line.size(), file_);
  putc_unlocked('\n', file_);
  funlockfile(file_);
  dirty_.store(true, std::memory_order_relaxed);
}

void AuditLog::Flush() {
  if (!file_) return;
  std::lock_guard lock(mu_);
  if (reopen_.load(std::memory_order_relaxed)) ReopenLocked();
  std::fflush(file_);
  dirty_.store(false, std::memory_order_relaxed);
}

void AuditLog::FlushEverySecond() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_.wait_for(lock, std::chrono::seconds(1));
    if (reopen_.load(std::memory_order_relaxed)) ReopenLocked();
    if (dirty_.exchange(false, std::memory_order_relaxed)) std::fflush(file_);
  }
}

}  // namespace authgent::server
