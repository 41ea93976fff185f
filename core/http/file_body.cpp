#include "core/http/file_body.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/net/transport.hpp"

namespace sluice {

namespace {

Error read_error(const std::string& name, int err) {
  return {Errc::read_failed,
          fmt::format("Failed to open/read local data from file/application: {}: {}", name,
                      std::strerror(err)),
          err};
}

}  // namespace

Result<std::shared_ptr<FileBody>> FileBody::open(const std::string& path) {
  bool stdin_ = path == "-" || path == ".";
  int fd = stdin_ ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(read_error(path, errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    if (!stdin_) ::close(fd);
    return std::unexpected(read_error(path, err));
  }
  // stdin is a stream even when it is a file (curl sends it chunked too).
  std::optional<uint64_t> length;
  if (!stdin_ && S_ISREG(st.st_mode)) length = static_cast<uint64_t>(st.st_size);
  return std::shared_ptr<FileBody>(
      new FileBody(fd, !stdin_, length, stdin_ ? std::string("stdin") : path));
}

FileBody::~FileBody() {
  stop_waiting();
  if (owned_) ::close(fd_);
}

Result<ssize_t> FileBody::read(std::span<char> buf) {
  if (!length_) return read_stream(buf);
  // A regular file: read at our offset, never past the size announced.
  std::size_t want = std::min<uint64_t>(buf.size(), *length_ - taken_);
  if (want == 0) return 0;
  ssize_t n;
  do n = ::pread(fd_, buf.data(), want, static_cast<off_t>(taken_));
  while (n < 0 && errno == EINTR);
  if (n < 0) return std::unexpected(read_error(name_, errno));
  if (n == 0)
    return fail(Errc::read_failed,
                fmt::format("{} ended after {} of its {} bytes", name_, taken_, *length_));
  taken_ += static_cast<uint64_t>(n);
  return n;
}

// A pipe, terminal or socket: read only what is there (poll first, so the
// descriptor's blocking mode, shared with the shell, is left alone).
Result<ssize_t> FileBody::read_stream(std::span<char> buf) {
  pollfd p{fd_, POLLIN, 0};
  int ready;
  do ready = ::poll(&p, 1, 0);
  while (ready < 0 && errno == EINTR);
  if (ready == 0) return kWouldBlock;
  ssize_t n;
  do n = ::read(fd_, buf.data(), buf.size());
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return kWouldBlock;
  if (n < 0) return std::unexpected(read_error(name_, errno));
  taken_ += static_cast<uint64_t>(n);
  return n;
}

void FileBody::wait(Loop& loop, std::function<void()> ready) {
  stop_waiting();
  ready_ = std::move(ready);
  // epoll refuses regular files and /dev/null: they never make us wait.
  if (!loop.add(fd_, EPOLLIN, this)) {
    auto cb = std::move(ready_);
    ready_ = nullptr;
    return loop.defer(std::move(cb));
  }
  loop_ = &loop;
}

void FileBody::stop_waiting() {
  if (!loop_) return;
  loop_->remove(fd_);
  loop_ = nullptr;
  ready_ = nullptr;
}

void FileBody::on_io(uint32_t) {
  auto cb = std::move(ready_);
  stop_waiting();
  if (cb) cb();
}

bool FileBody::rewind() {
  if (taken_ == 0) return true;
  if (!length_) return false;  // a stream cannot be read again
  taken_ = 0;
  return true;
}

}  // namespace sluice
