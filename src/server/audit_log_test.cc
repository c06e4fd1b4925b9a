#include "server/audit_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/temp_dir.h"

namespace authgent::server {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AuditLog, AppendsWholeLinesToAPrivateFileAndFlushesThem) {
  std::string path = MakeTempDir("authgent-audit") + "/audit.log";
  {
    std::ofstream(path) << "{\"old\":1}\n";  // an existing trail is appended to, never cut
    chmod(path.c_str(), 0600);
    auto log = AuditLog::Open(path, false);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_TRUE((*log)->enabled());
    (*log)->Write("{\"event\":\"a\"}");
    (*log)->Flush();
    EXPECT_EQ(Read(path), "{\"old\":1}\n{\"event\":\"a\"}\n");
    (*log)->Write("{\"event\":\"b\"}");
  }  // the destructor flushes
  EXPECT_EQ(Read(path), "{\"old\":1}\n{\"event\":\"a\"}\n{\"event\":\"b\"}\n");
  std::string fresh = MakeTempDir("authgent-audit") + "/new.log";
  ASSERT_TRUE(AuditLog::Open(fresh, false).ok());
  struct stat st {};
  ASSERT_EQ(stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// logrotate renames the file and sends SIGHUP: later lines go to a new file at the old path.
TEST(AuditLog, ReopensTheFileOnSighup) {
  std::string dir = MakeTempDir("authgent-audit");
  std::string path = dir + "/audit.log";
  auto log = AuditLog::Open(path, false);
  ASSERT_TRUE(log.ok());
  AuditLog::HandleSighup(log->get());
  (*log)->Write("{\"n\":1}");
  ASSERT_EQ(std::rename(path.c_str(), (dir + "/audit.log.1").c_str()), 0);
  (*log)->Write("{\"n\":2}");  // still the renamed file: no signal yet
  ASSERT_EQ(raise(SIGHUP), 0);
  (*log)->Write("{\"n\":3}");
  (*log)->Flush();
  AuditLog::HandleSighup(nullptr);
  EXPECT_EQ(Read(dir + "/audit.log.1"), "{\"n\":1}\n{\"n\":2}\n");
  EXPECT_EQ(Read(path), "{\"n\":3}\n");
}

TEST(AuditLog, OffWritesNothingAndABadPathIsAnError) {
  auto off = AuditLog::Open("off", false);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE((*off)->enabled());
  (*off)->Write("{}");
  auto bad = AuditLog::Open("/nonexistent-dir/audit.log", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "AUDIT_LOG: cannot open /nonexistent-dir/audit.log: No such file or directory");
}

}  // namespace
}  // namespace authgent::server
