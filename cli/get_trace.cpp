#include "cli/get_trace.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace sluice::cli {

namespace {

char printable(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7f ? c : '.';
}

bool crlf_at(std::span<const char> b, std::size_t i) {
  return i + 1 < b.size() && b[i] == '\r' && b[i + 1] == '\n';
}

// One line of --trace-ascii from b[i]: up to 64 characters, ended early by a
// CRLF (which is skipped); returns where the next line starts.
std::size_t ascii_line(std::span<const char> b, std::size_t i, std::string& out) {
  constexpr std::size_t kWidth = 64;
  for (std::size_t c = 0; c < kWidth && i + c < b.size(); ++c) {
    if (crlf_at(b, i + c)) return i + c + 2;
    out += printable(b[i + c]);
  }
  std::size_t next = std::min(i + kWidth, b.size());
  return crlf_at(b, next) ? next + 2 : next;  // a CRLF right at the width ends the line too
}

void hex_line(std::span<const char> b, std::size_t i, std::string& out) {
  constexpr std::size_t kWidth = 16;
  for (std::size_t c = 0; c < kWidth; ++c)
    out += i + c < b.size() ? fmt::format("{:02x} ", static_cast<unsigned char>(b[i + c])) : "   ";
  for (std::size_t c = 0; c < kWidth && i + c < b.size(); ++c) out += printable(b[i + c]);
}

}  // namespace

std::string trace_block(std::string_view label, std::span<const char> bytes, TraceStyle style) {
  std::string out = fmt::format("{}, {} bytes (0x{:x})\n", label, bytes.size(), bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    out += fmt::format("{:04x}: ", i);
    if (style == TraceStyle::hex) {
      hex_line(bytes, i, out);
      i += 16;
    } else {
      i = ascii_line(bytes, i, out);
    }
    out += '\n';
  }
  return out;
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::open(const std::string& path, TraceStyle style,
                                                       bool with_time) {
  if (path == "-" || path == "%") {
    int fd = path == "-" ? STDOUT_FILENO : STDERR_FILENO;
    return std::unique_ptr<TraceWriter>(new TraceWriter(fd, false, style, with_time));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail(Errc::write_failed,
                fmt::format("Failed to create/open output: {}: {}", path, std::strerror(errno)));
  return std::unique_ptr<TraceWriter>(new TraceWriter(fd, true, style, with_time));
}

TraceWriter::~TraceWriter() {
  if (owned_) ::close(fd_);
}

std::string time_of_day_stamp() {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  std::tm tm{};
  ::localtime_r(&tv.tv_sec, &tm);
  return fmt::format("{:02}:{:02}:{:02}.{:06} ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                     static_cast<long>(tv.tv_usec));
}

void TraceWriter::put(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {  // stdout made non-blocking for the body: wait, lose nothing
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) return;  // a trace that cannot be written does not stop the transfer
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void TraceWriter::block(std::string_view label, std::span<const char> bytes) {
  put(stamp() + trace_block(label, bytes, style_));
}

void TraceWriter::event(char kind, std::string_view text) {
  if (kind == '>') return block("=> Send header", text);
  std::size_t start = 0;
  while (start < text.size()) {  // a line at a time, its line end kept
    auto nl = text.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(start, end - start);
    if (kind == '<') {
      block("<= Recv header", line);
    } else {
      if (line.ends_with('\n')) line.remove_suffix(1);
      put(stamp() + "== Info: " + std::string(line) + "\n");
    }
    start = end;
  }
}

void TraceWriter::data(char kind, std::span<const char> bytes) {
  block(kind == '>' ? "=> Send data" : "<= Recv data", bytes);
}

}  // namespace sluice::cli
