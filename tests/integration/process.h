// tests/integration/process: runs the real `authgent` binary as a child process with a chosen
// environment, capturing its output, for what only a real process shows: exit codes, signals,
// restarts.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace authgent::testing {

class Process {
 public:
  // Starts `args` (args[0] is the program) with exactly `env` plus PATH.
  // `stdin_text` is fed to the child's standard input (a file, so not a terminal).
  Process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
          const std::string& workdir, const std::string& stdin_text = "");
  ~Process();  // kills the child if still running

  // Waits up to timeout_ms; returns the exit code, 128+signal if killed, -1 on timeout.
  int Wait(int timeout_ms);
  void Signal(int signal);
  std::string Stdout() const;
  std::string Stderr() const;
  // Waits until the output contains `text` (or timeout); returns whether it appeared.
  bool WaitForStderr(const std::string& text, int timeout_ms);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string out_path_, err_path_;
};

// The path of the authgent binary under test.
std::string AuthgentBinary();

struct RunResult {
  int code;
  std::string out, err;
};
// Runs `authgent ARGS...` to completion (30 s at most) with `env` in `dir` (a fresh temporary
// directory when empty), `input` on its standard input.
RunResult RunAuthgent(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const std::string& dir = "",
                      const std::string& input = "");
// A TCP port that was free a moment ago on 127.0.0.1.
int FreePort();

}  // namespace authgent::testing
