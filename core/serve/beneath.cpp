#include "core/serve/beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sluice::serve {

namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

int openat2_beneath(int root_fd, const char* rel) {
  open_how how{};
  how.flags = kOpenFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = -1;
  // EAGAIN: a rename raced the lookup; the kernel refuses rather than guess.
  for (int tries = 0; tries < 8; ++tries) {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel, &how, sizeof how));
    if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  return fd;
}

// No openat2: one component at a time, never following a symlink.
int walk_beneath(int root_fd, const std::string& rel) {
  Fd dir(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!dir) return -1;
  if (rel.empty()) return ::openat(dir.get(), ".", kOpenFlags);
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = rel.find('/', start);
    std::string part = rel.substr(start, slash == std::string::npos ? slash : slash - start);
    if (slash == std::string::npos)
      return ::openat(dir.get(), part.c_str(), kOpenFlags | O_NOFOLLOW);
    Fd next(::openat(dir.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return -1;
    dir = std::move(next);
    start = slash + 1;
  }
}

int status_for(int err) {
  return err == EACCES || err == EPERM ? 403 : 404;  // EXDEV, ELOOP, ENOENT, ENOTDIR, ENXIO...
}

}  // namespace

Opened open_beneath(int root_fd, const std::string& rel) {
  Opened out;
  const char* path = rel.empty() ? "." : rel.c_str();
  int fd = openat2_beneath(root_fd, path);
  if (fd < 0 && errno == ENOSYS) fd = walk_beneath(root_fd, rel);
  if (fd < 0) {
    out.status = status_for(errno);
    return out;
  }
  out.fd = Fd(fd);
  if (::fstat(fd, &out.st) != 0) out.status = 404;
  return out;
}

}  // namespace sluice::serve
