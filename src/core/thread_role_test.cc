#include "core/thread_role.h"

#include <gtest/gtest.h>

#include <thread>

namespace authgent {
namespace {

TEST(ThreadRole, IsPerThreadAndOtherUntilSet) {
  SetThreadRole(ThreadRole::kWorker);
  ThreadRole seen_elsewhere = ThreadRole::kWorker;
  std::thread([&] { seen_elsewhere = CurrentThreadRole(); }).join();
  EXPECT_EQ(seen_elsewhere, ThreadRole::kOther);
  EXPECT_EQ(CurrentThreadRole(), ThreadRole::kWorker);
  EXPECT_STREQ(ThreadRoleName(CurrentThreadRole()), "worker");
  SetThreadRole(ThreadRole::kOther);
  CheckMayBlock("a database connection");  // anywhere but a network thread: nothing happens
}

// Debug builds (the test builds) stop at once where a network thread would wait on storage; a
// release build logs it and carries on.
TEST(ThreadRole, BlockingOnANetworkThreadIsCaught) {
#ifndef NDEBUG
  EXPECT_DEATH(
      {
        SetThreadRole(ThreadRole::kNetwork);
        CheckMayBlock("a database connection");
      },
      "a network thread blocked");
#else
  SetThreadRole(ThreadRole::kNetwork);
  CheckMayBlock("a database connection");
  SetThreadRole(ThreadRole::kOther);
#endif
}

}  // namespace
}  // namespace authgent
