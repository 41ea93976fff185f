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
  splice_ok_ = can_splice_into(fd);
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
  pipe_.reset();  // what it held can no longer go anywhere
  pipe_full_ = false;
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
  if (pipe_ && pipe_->bytes() > 0) {  // never left full for a file; drop it anyway
    ChainBuffer gone;
    (void)pipe_->spill(gone);
  }
  pipe_full_ = false;
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
  if (buffered() == 0 && !write_now(bytes)) return false;
  if (bytes.empty()) return true;
  park_in_pipe(bytes);
  if (!bytes.empty()) queue_.append(bytes);
  if (buffered() >= high_) was_high_ = true;
  want_writable();
  return !error_;
}

// Bytes that must wait for a slow reader wait in the splice pipe when the
// output takes splice: the kernel holds them (not our RSS), and they leave by
// splice, so the copy into the pipe replaces the copy into queue_. Only while
// queue_ is empty, so the order holds.
void OutputWriter::park_in_pipe(std::string_view& bytes) {
  if (!pollable_ || !can_splice()) return;
  bytes.remove_prefix(pipe_->fill_from_memory(bytes));
}

// Waits for EPOLLOUT, or, when fd_ cannot be polled after all, finishes now.
void OutputWriter::want_writable() {
  if (registered_) return;
  registered_ = loop_.add(fd_, EPOLLOUT, this).has_value();
  if (!registered_) flush();
}

bool OutputWriter::can_splice() {
  if (!splice_ok_ || error_ || !queue_.empty()) return false;
  if (!pipe_) {
    auto p = SplicePipe::create(high_);
    if (!p) {
      splice_ok_ = false;
      return false;
    }
    pipe_.emplace(std::move(*p));
  }
  return true;
}

Result<ssize_t> OutputWriter::splice_from(int fd, std::size_t max) {
  auto n = pipe_->fill_from(fd, max);
  if (!n || *n == 0) return n;
  // No room, or nothing moved while bytes wait: the pipe may be what is full,
  // so the socket waits for the output rather than spinning on readiness.
  if (pipe_->bytes() > 0 && (*n == kWouldBlock || pipe_->room() == 0)) pipe_full_ = true;
  flush();
  if (error_) return n;  // reported through error() and on_failed
  if (above_high()) was_high_ = true;
  if (buffered() > 0) want_writable();
  return n;
}

// Moves spliced bytes on; an fd that turns out to refuse splice gets them by
// write() instead, ahead of what was queued after them.
void OutputWriter::flush_pipe() {
  while (pipe_ && pipe_->bytes() > 0 && !error_) {
    auto moved = pipe_->drain_to(fd_);
    if (!moved) {
      if (moved.error().sys == EINVAL) {
        spill_pipe();
        return;
      }
      set_failed(moved.error().sys);
      return;
    }
    if (*moved == 0) {
      if (pollable_) return;  // EPOLLOUT will bring us back
      set_failed(EIO);        // a file that takes nothing and cannot be waited for
      return;
    }
    count_written(*moved);
    pipe_full_ = false;
  }
}

void OutputWriter::spill_pipe() {
  splice_ok_ = false;
  ChainBuffer older;
  if (auto r = pipe_->spill(older); !r) return set_failed(r.error().sys ? r.error().sys : EIO);
  older.append(std::move(queue_));
  queue_ = std::move(older);
  pipe_full_ = false;
}

void OutputWriter::flush() {
  flush_pipe();
  if (!pipe_ || pipe_->bytes() == 0) write_queue();  // queued bytes come after the piped ones
  park_queue();
}

// Queued bytes move into the splice pipe, behind the older bytes there,
// whenever it has room: the kernel holds them, not our RSS. Without this, one
// chunk the pipe refused (its pages full before its byte count: 16375-byte
// DATA frames waste 9 bytes a page) sent every later byte to the queue until
// it emptied, up to --max-buffer of heap for a slow reader.
void OutputWriter::park_queue() {
  if (!pipe_ || !splice_ok_ || !pollable_ || error_) return;
  while (!queue_.empty()) {
    std::size_t n = pipe_->fill_from_memory(queue_.front());
    if (n == 0) return;
    queue_.consume(n);
  }
}

void OutputWriter::write_queue() {
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
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && (registered_ || pollable_)) break;
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
  if (was_high_ && buffered() < low_ && !pipe_full_) {
    was_high_ = false;
    if (on_low) on_low();
  }
  if (buffered() == 0) {
    loop_.remove(fd_);
    registered_ = false;
    if (on_empty) on_empty();
  }
}

}  // namespace sluice
