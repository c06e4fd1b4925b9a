#include "crypto/key_encryption_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/base64.h"
#include "core/temp_dir.h"

namespace authgent::crypto {
namespace {

std::string TempPath(const std::string& name) {
  return MakeTempDir("authgent-kek") + "/" + name;
}

TEST(KeyEncryptionKey, ConfiguredValueMustBe32BytesOfBase64) {
  std::string raw(32, 'a');
  auto kek = LoadKeyEncryptionKey(Base64Encode(raw), "", false, SecureRandom::Instance());
  ASSERT_TRUE(kek.ok());
  EXPECT_EQ(*kek, raw);
  EXPECT_EQ(LoadKeyEncryptionKey(Base64Encode("short"), "", false, SecureRandom::Instance())
                .status()
                .message(),
            "KEY_ENCRYPTION_KEY must be the base64 encoding of exactly 32 bytes");
  EXPECT_EQ(LoadKeyEncryptionKey("!!!", "", false, SecureRandom::Instance()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(KeyEncryptionKey, WithoutValueAndWithoutFilePermissionItRefuses) {
  auto kek = LoadKeyEncryptionKey("", "/unused", false, SecureRandom::Instance());
  EXPECT_EQ(kek.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(kek.status().message(),
            "KEY_ENCRYPTION_KEY is required with PostgreSQL: every instance must share it");
}

TEST(KeyEncryptionKey, GeneratesAPrivateFileOnceThenReusesIt) {
  std::string path = TempPath("authgent.kek");
  auto first = LoadKeyEncryptionKey("", path, true, SecureRandom::Instance());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 32u);
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadKeyEncryptionKey("", path, true, SecureRandom::Instance());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
}

TEST(KeyEncryptionKey, RefusesAFileOthersCanRead) {
  std::string path = TempPath("open.kek");
  std::ofstream(path) << Base64Encode(std::string(32, 'k')) << "\n";
  ::chmod(path.c_str(), 0644);
  auto kek = LoadKeyEncryptionKey("", path, true, SecureRandom::Instance());
  EXPECT_EQ(kek.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace authgent::crypto
