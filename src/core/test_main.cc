// core/test_main: the main() of every authgent gtest binary. It runs the tests like gtest_main,
// then deletes the temporary directories the tests made (core/temp_dir) when every test passed.
// After a failure, or with AUTHGENT_KEEP_TEST_DIRS set, it keeps them and prints where they are,
// so the databases and logs of a red run can be examined; a green run leaves nothing behind.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "core/temp_dir.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int result = RUN_ALL_TESTS();
  bool keep = result != 0 || std::getenv("AUTHGENT_KEEP_TEST_DIRS") != nullptr;
  if (!keep) {
    authgent::RemoveCreatedTempDirs();
    return result;
  }
  auto dirs = authgent::CreatedTempDirs();
  if (!dirs.empty()) std::fprintf(stderr, "kept %zu test directories:\n", dirs.size());
  for (const auto& dir : dirs) std::fprintf(stderr, "  %s\n", dir.c_str());
  return result;
}
