#include "core/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace authgent {
namespace {

namespace fs = std::filesystem;

bool Contains(const std::vector<std::string>& dirs, const std::string& dir) {
  return std::find(dirs.begin(), dirs.end(), dir) != dirs.end();
}

TEST(TempDirTest, CreatesPrivateDirectoryWithPrefix) {
  std::string dir = MakeTempDir("authgent-tempdir");
  EXPECT_EQ(fs::path(dir).parent_path(), fs::temp_directory_path());
  EXPECT_EQ(fs::path(dir).filename().string().rfind("authgent-tempdir-", 0), 0u);
  struct stat st{};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_NE(MakeTempDir("authgent-tempdir"), dir);
}

TEST(TempDirTest, RemembersAndDeletesWhatItCreated) {
  std::string a = MakeTempDir("authgent-tempdir");
  std::string b = MakeTempDir("authgent-tempdir");
  std::ofstream(a + "/file") << "data";
  fs::create_directory(b + "/nested");
  std::ofstream(b + "/nested/file") << "data";
  // Another directory beside them was not made by MakeTempDir and must survive.
  fs::path foreign =
      fs::temp_directory_path() / ("authgent-foreign-" + fs::path(a).filename().string());
  fs::create_directory(foreign);

  auto created = CreatedTempDirs();
  EXPECT_TRUE(Contains(created, a));
  EXPECT_TRUE(Contains(created, b));
  fs::remove_all(b);
  EXPECT_FALSE(Contains(CreatedTempDirs(), b)) << "a directory already gone is not listed";

  EXPECT_GE(RemoveCreatedTempDirs(), 1);
  EXPECT_FALSE(fs::exists(a));
  EXPECT_TRUE(CreatedTempDirs().empty());
  EXPECT_TRUE(fs::exists(foreign));
  fs::remove_all(foreign);
  EXPECT_EQ(RemoveCreatedTempDirs(), 0);
}

}  // namespace
}  // namespace authgent
