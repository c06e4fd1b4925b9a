// core/thread_role: what the current thread is for (network, worker, storage writer), set once by
// the code that starts the thread. The server's rule "a network thread never blocks" is checked
// against it (a blocking storage call on a network thread is refused in debug builds), and the
// route-placement test reads it to see where each step of a request ran.
#pragma once

namespace authgent {

enum class ThreadRole {
  kOther,    // main, tests, command-line tools
  kNetwork,  // runs connections; must never block
  kWorker,   // the pool that blocking handlers run on
  kWriter,   // a store's own thread (the batch writer)
};

void SetThreadRole(ThreadRole role);
ThreadRole CurrentThreadRole();
// "network", "worker", "writer" or "other".
const char* ThreadRoleName(ThreadRole role);
// Called before waiting on something slow (a database connection, a commit): on a network thread
// that is a bug that stalls every connection of that thread, so it is logged as an error naming
// `what`, and debug builds (the tests) abort on it.
void CheckMayBlock(const char* what);

}  // namespace authgent
