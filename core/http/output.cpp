#include "core/http/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace sluice {

namespace {
// fds whose O_NONBLOCK we set, with their original flags, for restore_all().
std::mutex restore_mutex;
std::vector<std::pair<int, int>> restore_list;
}  // namespace

void OutputWriter::restore_all() {
  std::lock_guard lock(restore_mutex);
  for (auto [fd, flags] : restore_list) ::fcntl(fd, F_SETFL, flags);
  restore_list.clear();
}

OutputWriter::OutputWriter(Loop& loop, int fd, bool own_fd, std::size_t high, std::size_t low)
    : loop_(loop), fd_(fd), own_fd_(own_fd), high_(high), low_(low) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 &&
      (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || (S_ISCHR(st.st_mode) && ::isatty(fd)))) {
    saved_flags_ = ::fcntl(fd, F_GETFL);
    if (saved_flags_ >= 0 && !(saved_flags_ & O_NONBLOCK)) {
      std::lock_guard lock(restore_mutex);
      restore_list.emplace_back(fd, saved_flags_);
      ::fcntl(fd, F_SETFL, saved_flags_ | O_NONBLOCK);
    }
    pollable_ = true;
    // A bigger pipe means fewer EAGAIN/EPOLLOUT rounds per megabyte; the pages
    // are the kernel's, not our RSS. Best effort: capped by pipe-max-size.
    if (S_ISFIFO(st.st_mode)) {
      int want = static_cast<int>(std::min<std::size_t>(high, 1 << 20));
      if (::fcntl(fd, F_GETPIPE_SZ) < want) ::fcntl(fd, F_SETPIPE_SZ, want);
    }
  }
}

OutputWriter::~OutputWriter() {
  if (registered_) loop_.remove(fd_);
  if (saved_flags_ >= 0 && !(saved_flags_ & O_NONBLOCK)) {
    ::fcntl(fd_, F_SETFL, saved_flags_);
    std::lock_guard lock(restore_mutex);
    std::erase_if(restore_list, [this](auto& p) { return p.first == fd_; });
  }
  if (own_fd_) ::close(fd_);
}

void OutputWriter::set_failed(int err) {
  error_ = Error{Errc::write_failed,
                 fmt::format("Failure writing output to destination: {}", std::strerror(err)), err};
  queue_.clear();
  // Reported from the loop, to whoever listens then, if we still exist.
  loop_.defer([this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired() && on_failed) on_failed();
  });
}

void OutputWriter::count_written(std::size_t n) {
  written_ += n;
  if (on_written) on_written(n);
}

bool OutputWriter::rewind() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  queue_.clear();
  return ::ftruncate(fd_, 0) == 0 && ::lseek(fd_, 0, SEEK_SET) == 0;
}

// Writes as much of bytes as the fd takes now; advances bytes past what went.
bool OutputWriter::write_now(std::string_view& bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      count_written(static_cast<std::size_t>(n));
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && pollable_) return true;
    set_failed(n < 0 ? errno : EIO);
    return false;
  }
  return true;
}

bool OutputWriter::write(std::string_view bytes) {
  if (error_) return false;
  if (queue_.empty() && !write_now(bytes)) return false;
  if (bytes.empty()) return true;
  queue_.append(bytes);
  if (queue_.size() >= high_) was_high_ = true;
  if (!registered_) {
    registered_ = loop_.add(fd_, EPOLLOUT, this).has_value();
    if (!registered_) {  // not pollable after all: finish synchronously
      flush();
    }
  }
  return !error_;
}

void OutputWriter::flush() {
  while (!queue_.empty() && !error_) {
    iovec iov[32];
    int n = queue_.peek(iov, 32);
    ssize_t w = ::writev(fd_, iov, n);
    if (w > 0) {
      count_written(static_cast<std::size_t>(w));
      queue_.consume(static_cast<std::size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && registered_) break;
    set_failed(w < 0 ? errno : EIO);
  }
}

void OutputWriter::on_io(uint32_t) {
  flush();
  if (error_) {
    loop_.remove(fd_);
    registered_ = false;
    return;
  }
  if (was_high_ && queue_.size() < low_) {
    was_high_ = false;
    if (on_low) on_low();
  }
  if (queue_.empty()) {
    loop_.remove(fd_);
    registered_ = false;
    if (on_empty) on_empty();
  }
}

}  // namespace sluice
