#include "cli/get_password.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

namespace sluice::cli {

namespace {

// The terminal's echo off for the lifetime of the object, restored after.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

}  // namespace

Result<std::string> ask_password(const std::string& user) {
  int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty < 0)
    return fail(Errc::bad_argument,
                fmt::format("-u {0}: no password given and no terminal to ask for one (give -u "
                            "{0}:PASSWORD)",
                            user));
  std::string prompt = fmt::format("Enter host password for user '{}':", user);
  (void)!::write(tty, prompt.data(), prompt.size());
  std::string line;
  bool ended = false;
  {
    EchoOff quiet(tty);
    char c;
    while (::read(tty, &c, 1) == 1) {
      if (c == '\n') {
        ended = true;
        break;
      }
      line += c;
    }
  }
  (void)!::write(tty, "\n", 1);
  ::close(tty);
  if (!ended && line.empty())
    return fail(Errc::bad_argument, fmt::format("-u {}: no password was read", user));
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

}  // namespace sluice::cli
