#include "core/http/file_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

FileOutput::FileOutput(Loop& loop, std::string path, std::size_t high, std::size_t low,
                       FileOptions options)
    : loop_(loop), path_(std::move(path)), high_(high), low_(low), options_(options) {}

namespace {
// mkdir -p of path's directory part, 0750 as curl makes them.
void make_parents(const std::string& path) {
  for (auto slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1))
    ::mkdir(path.substr(0, slash).c_str(), 0750);  // EEXIST and the like: open() will tell
}
}  // namespace

bool FileOutput::retarget(std::string path) {
  if (file_ || error_) return false;
  path_ = std::move(path);
  return true;
}

void FileOutput::remove_file() {
  if (!file_) return;
  struct stat st {};
  if (::fstat(file_->fd(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(path_.c_str());
}

bool FileOutput::open() {
  if (file_) return true;
  if (error_) return false;
  if (options_.create_dirs) make_parents(path_);
  int mode = options_.append ? O_APPEND : O_TRUNC;
  int fd = options_.no_clobber && !options_.append
               ? open_new()
               : ::open(path_.c_str(), O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0644);
  if (fd < 0) {
    error_ = Error{Errc::write_failed,
                   fmt::format("Failed to open the file {}: {}", path_, std::strerror(errno))};
    return false;
  }
  file_ = std::make_unique<OutputWriter>(loop_, fd, true, high_, low_);
  // Our callbacks may be set or cleared at any time: look them up when called.
  file_->on_low = [this] {
    if (on_low) on_low();
  };
  file_->on_empty = [this] {
    if (on_empty) on_empty();
  };
  file_->on_failed = [this] {
    if (on_failed) on_failed();
  };
  file_->on_written = [this](std::size_t n) {
    if (on_written) on_written(n);
  };
  return true;
}

int FileOutput::open_new() {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  int fd = ::open(path_.c_str(), kFlags, 0644);
  for (int n = 1; fd < 0 && errno == EEXIST && n < 100; ++n) {
    std::string next = fmt::format("{}.{}", path_, n);
    fd = ::open(next.c_str(), kFlags, 0644);
    if (fd >= 0) path_ = std::move(next);
  }
  return fd;
}

bool FileOutput::write(std::string_view bytes) {
  if (bytes.empty()) return !error();
  return open() && file_->write(bytes);
}

Result<ssize_t> FileOutput::splice_from(int fd, std::size_t max) {
  if (!open()) return kWouldBlock;  // can_splice() said no: not reached
  return file_->splice_from(fd, max);
}

}  // namespace sluice
