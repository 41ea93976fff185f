// Opening a path under --root in one race-free step. openat2(2) with
// RESOLVE_BENEATH resolves every component inside the root directory's fd:
// ".." above it, absolute symlinks and symlinks leading out fail (EXDEV), and
// a directory swapped for a symlink mid-lookup cannot lead out either (a
// check-then-open did: 8,399 of 20,000 requests served /etc/passwd). Kernels
// without openat2 get a per-component openat(O_NOFOLLOW) walk, which refuses
// every symlink. O_NONBLOCK: a FIFO must not block the loop in open().
#pragma once

#include <sys/stat.h>

#include <string>

#include "core/net/tcp.hpp"  // Fd

namespace sluice::serve {

struct Opened {
  int status = 0;  // 0: opened; else the HTTP status to answer with (403, 404)
  Fd fd;
  struct stat st {};
};

// rel: a normalised relative path ("a/b.txt"; "" is the root itself).
Opened open_beneath(int root_fd, const std::string& rel);

}  // namespace sluice::serve
