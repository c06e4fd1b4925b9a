// storage/sqlite/wal_write_vfs: a SQLite VFS that writes each WAL frame with one system call.
//
// SQLite appends a WAL frame as two writes: its 24-byte header, then the page right after it.
// Every commit writes one frame per dirty page, and on the write-heavy endpoints (code exchange,
// refresh rotation, the first connection's consent) those pwrite calls were 8% of the server's
// CPU, all on the one writer thread. This VFS wraps the platform's default one and changes a
// single thing: on a WAL file, a 24-byte write past the WAL header is held back, and the write
// that follows it at the next offset (the page) goes down together with it as one write. Any
// other call on the file (a read, a sync, a size query, a lock, a close) first writes a held-back
// header out, so nothing observable changes: the bytes and their order on disk are SQLite's own,
// and other connections cannot see a frame before the commit that indexes it anyway.
#pragma once

#include <cstdint>

namespace authgent::storage {

// Registers the VFS (once, not as the default) and returns its name for sqlite3_open_v2.
// nullptr when SQLite has no default VFS to wrap or registration failed.
const char* WalWriteVfsName();

// How many header-and-page pairs went down as one write since the process started (for tests).
int64_t WalFramesWrittenWhole();

}  // namespace authgent::storage
