// server/audit_log: where the audit trail goes (AUDIT_LOG): one JSON line per security-relevant
// action (server/events.h says which), apart from the access and diagnostic logs.
//
//  - "stdout" (the default): standard output, between the other log lines, each marked
//    "log":"audit" (standard error for the operator commands, whose standard output is their
//    result);
//  - a file path: appended to, created 0600 if missing, and reopened on SIGHUP so that logrotate
//    (or any rename-then-signal rotation) works;
//  - "off": nothing.
// Lines are buffered and written out every second, at shutdown and on Flush(): a crash loses at
// most the last second, as with the access log. Thread-safe; a line is written whole or not at
// all. Callers never put a secret or a token in a line (only jtis and hash prefixes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace authgent::server {

class AuditLog {
 public:
  // `spec`: "stdout", "off" or an absolute or relative file path. `operator_command`: standard
  // error instead of standard output.
  static StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& spec, bool operator_command);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool enabled() const { return file_ != nullptr; }
  // Appends one line (a JSON object without the newline).
  void Write(std::string_view line);
  // Writes out what is buffered now.
  void Flush();
  // Makes the next write reopen the file (what SIGHUP does); a no-op for stdout and off.
  void RequestReopen() { reopen_.store(true, std::memory_order_relaxed); }
  // Routes SIGHUP to RequestReopen() of `log` (the server's, for its lifetime; nullptr undoes).
  static void HandleSighup(AuditLog* log);

 private:
  AuditLog(std::string path, FILE* file, bool owned);
  void ReopenLocked();
  void FlushEverySecond();

  const std::string path_;  // empty for stdout/stderr
  std::mutex mu_;
  FILE* file_ = nullptr;
  bool owned_ = false;
  std::atomic<bool> reopen_{false};
  std::atomic<bool> dirty_{false};
  bool stopping_ = false;
  std::condition_variable stop_;
  std::thread flusher_;
};

}  // namespace authgent::server
