#include "core/thread_role.h"

#include <cstdio>
#include <cstdlib>

#include "core/log.h"

namespace authgent {
namespace {
thread_local ThreadRole current_role = ThreadRole::kOther;
}

void SetThreadRole(ThreadRole role) { current_role = role; }

ThreadRole CurrentThreadRole() { return current_role; }

const char* ThreadRoleName(ThreadRole role) {
  switch (role) {
    case ThreadRole::kNetwork: return "network";
    case ThreadRole::kWorker: return "worker";
    case ThreadRole::kWriter: return "writer";
    case ThreadRole::kOther: break;
  }
  return "other";
}

void CheckMayBlock(const char* what) {
  if (current_role != ThreadRole::kNetwork) return;
  log::Error("a network thread blocked", {{"on", what}});
#ifndef NDEBUG
  // Standard output may be buffered and lost with the abort: say it on stderr too.
  std::fprintf(stderr, "a network thread blocked on %s\n", what);
  std::abort();
#endif
}

}  // namespace authgent
