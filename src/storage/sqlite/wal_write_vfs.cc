#include "storage/sqlite/wal_write_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace authgent::storage {
namespace {

constexpr int kWalHeaderSize = 32;       // the WAL file's own header, written alone
constexpr int kFrameHeaderSize = 24;     // before each page in the WAL
constexpr char kVfsName[] = "authgent-wal-write";

std::atomic<int64_t> frames_written_whole{0};
sqlite3_vfs* real_vfs = nullptr;  // the default VFS this one wraps; set once at registration

// SQLite allocates szOsFile bytes per open file: this struct, then the wrapped VFS's file.
struct WrappedFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool is_wal;
  bool held;                               // a frame header is waiting for its page
  sqlite3_int64 held_offset;
  unsigned char header[kFrameHeaderSize];
  unsigned char* joined;                   // header + page, sqlite3_malloc'd on first use
  int joined_size;
};

WrappedFile* Wrapped(sqlite3_file* file) { return reinterpret_cast<WrappedFile*>(file); }
sqlite3_file* Real(sqlite3_file* file) { return Wrapped(file)->real; }

// Writes out a held-back header: before anything else may look at or depend on the file.
int WriteHeld(WrappedFile* f) {
  if (!f->held) return SQLITE_OK;
  f->held = false;
  return f->real->pMethods->xWrite(f->real, f->header, kFrameHeaderSize, f->held_offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  WrappedFile* f = Wrapped(file);
  if (f->held && offset == f->held_offset + kFrameHeaderSize) {
    int total = kFrameHeaderSize + amount;
    if (f->joined_size < total) {
      auto* grown = static_cast<unsigned char*>(sqlite3_realloc(f->joined, total));
      if (grown == nullptr) {
        int rc = WriteHeld(f);
        return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, data, amount, offset);
      }
      f->joined = grown;
      f->joined_size = total;
    }
    std::memcpy(f->joined, f->header, kFrameHeaderSize);
    std::memcpy(f->joined + kFrameHeaderSize, data, amount);
    f->held = false;
    frames_written_whole.fetch_add(1, std::memory_order_relaxed);
    return f->real->pMethods->xWrite(f->real, f->joined, total, f->held_offset);
  }
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  if (f->is_wal && amount == kFrameHeaderSize && offset >= kWalHeaderSize) {
    std::memcpy(f->header, data, kFrameHeaderSize);
    f->held = true;
    f->held_offset = offset;
    return SQLITE_OK;
  }
  return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

int Close(sqlite3_file* file) {
  WrappedFile* f = Wrapped(file);
  int held_rc = WriteHeld(f);
  int rc = f->real->pMethods->xClose(f->real);
  sqlite3_free(f->joined);
  f->joined = nullptr;
  return held_rc != SQLITE_OK ? held_rc : rc;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xRead(Real(file), out, amount, offset);
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xTruncate(Real(file), size);
}
int Sync(sqlite3_file* file, int flags) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xSync(Real(file), flags);
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFileSize(Real(file), size);
}
int Lock(sqlite3_file* file, int level) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xLock(Real(file), level);
}
int Unlock(sqlite3_file* file, int level) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xUnlock(Real(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}
int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Real(file)->pMethods->xShmUnmap(Real(file), delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (int rc = WriteHeld(Wrapped(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFetch(Real(file), offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Real(file)->pMethods->xUnfetch(Real(file), offset, page);
}

const sqlite3_io_methods kMethods = {
    3,          Close,      Read,     Write,    Truncate,   Sync,       FileSize,
    Lock,       Unlock,     CheckReservedLock,  FileControl, SectorSize, DeviceCharacteristics,
    ShmMap,     ShmLock,    ShmBarrier,         ShmUnmap,   Fetch,      Unfetch};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  WrappedFile* f = Wrapped(file);
  std::memset(f, 0, sizeof(WrappedFile));
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  std::memset(f->real, 0, real_vfs->szOsFile);
  f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // Methods only over a file the wrapped VFS opened: SQLite closes a file only if it has them.
  // The wrapper forwards version 3 methods, so it wraps only files that have all of them.
  if (f->real->pMethods == nullptr) return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  file->pMethods = &kMethods;
  return rc;
}

}  // namespace

const char* WalWriteVfsName() {
  static const char* name = [] () -> const char* {
    if (sqlite3_initialize() != SQLITE_OK) return nullptr;
    real_vfs = sqlite3_vfs_find(nullptr);
    if (real_vfs == nullptr) return nullptr;
    static sqlite3_vfs vfs = *real_vfs;  // every other call goes straight to the wrapped VFS
    vfs.pNext = nullptr;
    vfs.zName = kVfsName;
    vfs.szOsFile = static_cast<int>(sizeof(WrappedFile)) + real_vfs->szOsFile;
    vfs.xOpen = Open;
    return sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK ? kVfsName : nullptr;
  }();
  return name;
}

int64_t WalFramesWrittenWhole() { return frames_written_whole.load(std::memory_order_relaxed); }

}  // namespace authgent::storage
