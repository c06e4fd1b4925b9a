#include "core/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace authgent {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::string> dirs;
};

// Never destroyed, so that a call made while static objects are being destroyed still finds it.
Registry& Created() {
  static auto* registry = new Registry;
  return *registry;
}

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "fatal: cannot create a directory like %s: %s\n", pattern.c_str(),
                 std::strerror(errno));
    std::abort();
  }
  Registry& registry = Created();
  std::lock_guard lock(registry.mutex);
  registry.dirs.push_back(pattern);
  return pattern;
}

std::vector<std::string> CreatedTempDirs() {
  Registry& registry = Created();
  std::lock_guard lock(registry.mutex);
  std::vector<std::string> existing;
  for (const auto& dir : registry.dirs) {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec)) existing.push_back(dir);
  }
  return existing;
}

int RemoveCreatedTempDirs() {
  Registry& registry = Created();
  std::lock_guard lock(registry.mutex);
  int removed = 0;
  for (const auto& dir : registry.dirs) {
    std::error_code ec;
    if (std::filesystem::remove_all(dir, ec) > 0) ++removed;
    if (ec) std::fprintf(stderr, "cannot delete %s: %s\n", dir.c_str(), ec.message().c_str());
  }
  registry.dirs.clear();
  return removed;
}

}  // namespace authgent
