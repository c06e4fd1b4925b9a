#include "crypto/key_encryption_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/base64.h"

namespace authgent::crypto {
namespace {

StatusOr<std::string> Decode(const std::string& text, const std::string& where) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
    trimmed.pop_back();
  }
  auto raw = Base64Decode(trimmed);
  if (!raw || raw->size() != 32) {
    return InvalidArgumentError(where + " must be the base64 encoding of exactly 32 bytes");
  }
  return *raw;
}

StatusOr<std::string> ReadKeyFile(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return InternalError("cannot stat " + path);
  if ((st.st_mode & 0077) != 0) {
    return FailedPreconditionError("key file " + path +
                                   " is readable by group or others; chmod 600 it");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return InternalError("cannot read " + path);
  return Decode(text.str(), "key file " + path);
}

StatusOr<std::string> CreateKeyFile(const std::string& path, Random& random) {
  std::string raw(32, '\0');
  random.Fill(reinterpret_cast<uint8_t*>(raw.data()), raw.size());
  std::string text = Base64Encode(raw) + "\n";
  // O_EXCL: if another process created it first, read theirs instead of overwriting it.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return ReadKeyFile(path);
    return UnavailableError("cannot create key file " + path + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return UnavailableError("cannot write key file " + path);
  }
  return raw;
}

}  // namespace

StatusOr<std::string> LoadKeyEncryptionKey(const std::string& configured,
                                           const std::string& file_path, bool allow_file,
                                           Random& random) {
  if (!configured.empty()) return Decode(configured, "KEY_ENCRYPTION_KEY");
  if (!allow_file) {
    return FailedPreconditionError(
        "KEY_ENCRYPTION_KEY is required with PostgreSQL: every instance must share it");
  }
  if (::access(file_path.c_str(), F_OK) == 0) return ReadKeyFile(file_path);
  return CreateKeyFile(file_path, random);
}

}  // namespace authgent::crypto
