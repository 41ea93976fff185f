#include "core/http/output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <string>

#include "fn_handler.hpp"
#include "test_pipe.hpp"

using sluice::Errc;
using sluice::IoHandler;
using sluice::Loop;
using sluice::Millis;
using sluice::OutputWriter;

namespace {

void ignore_sigpipe() {
  ::signal(SIGPIPE, SIG_IGN);
}

bool nonblocking(int fd) {
  return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

void set_nonblocking(int fd) {
  REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

// A regular file nobody else can see (already unlinked); the caller owns the fd.
int unlinked_temp_file() {
  char path[] = "/tmp/sluice-output-test-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::unlink(path);
  return fd;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 % 251);
  return s;
}

constexpr std::size_t kChunk = 16 * 1024;
constexpr std::size_t kHigh = 128 * 1024;
constexpr std::size_t kLow = 32 * 1024;

// Writes data in kChunk pieces; every write must be accepted (queued or written).
void write_all(OutputWriter& out, std::string_view data) {
  for (std::size_t off = 0; off < data.size(); off += kChunk)
    REQUIRE(out.write(data.substr(off, kChunk)));
}

// The writer failed as it must when the pipe's reader is gone.
void check_broken_pipe(const OutputWriter& out) {
  REQUIRE(out.error());
  CHECK(out.error()->code == Errc::write_failed);
  CHECK(out.error()->sys == EPIPE);
}

// Runs the loop as the pipe's reader, at most per_read bytes per wake-up, until
// `expected` bytes or EOF arrived; returns what arrived.
std::string read_in_loop(Loop& loop, int fd, std::size_t expected, std::size_t per_read) {
  set_nonblocking(fd);
  std::string got, buf(per_read, '\0');
  FnHandler reader([&](uint32_t) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) got.append(buf.data(), static_cast<std::size_t>(n));
    if (got.size() == expected || n == 0) loop.remove(fd);
  });
  REQUIRE(loop.add(fd, EPOLLIN, &reader));
  loop.run();
  return got;
}

}  // namespace

TEST_CASE("OutputWriter: queues past the pipe capacity, drains in the loop", "[output]") {
  ignore_sigpipe();
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  // The writer may resize the pipe: measure it afterwards.
  const std::size_t cap = p.capacity();
  REQUIRE(cap > 0);
  const std::string data = pattern(cap + 2 * kHigh);

  CHECK(out.fd() == p.w);
  CHECK(out.idle());
  CHECK_FALSE(out.above_high());

  int low_calls = 0, empty_calls = 0;
  std::size_t buffered_at_low = 0, buffered_at_empty = 1;
  out.on_low = [&] {
    ++low_calls;
    buffered_at_low = out.buffered();
  };
  out.on_empty = [&] {
    ++empty_calls;
    buffered_at_empty = out.buffered();
  };

  write_all(out, data);
  // The reader has not read: the pipe took at most its capacity, the rest waits.
  CHECK(out.written() <= cap);
  CHECK(out.written() > 0);
  CHECK(out.buffered() == data.size() - out.written());
  CHECK(out.buffered() >= 2 * kHigh);
  CHECK(out.above_high());
  CHECK_FALSE(out.idle());
  CHECK_FALSE(out.error());
  CHECK(low_calls == 0);
  CHECK(empty_calls == 0);

  // Now read, a little per wake-up so the queue drains gradually.
  std::string got = read_in_loop(loop, p.r, data.size(), 4096);

  CHECK(got.size() == data.size());
  CHECK(got == data);
  CHECK(out.written() == data.size());
  CHECK(low_calls == 1);
  CHECK(buffered_at_low < kLow);
  CHECK(empty_calls == 1);
  CHECK(buffered_at_empty == 0);
  CHECK(out.idle());
  CHECK_FALSE(out.above_high());
  CHECK_FALSE(out.error());
}

TEST_CASE("OutputWriter: a small high water mark does not shrink the pipe", "[output][bug]") {
  // The constructor sets F_SETPIPE_SZ to min(high, 1 MiB) "for a bigger pipe"; with a
  // high water below the pipe's size that shrinks the caller's pipe instead.
  Loop loop;
  Pipe p;
  const std::size_t before = p.capacity();
  REQUIRE(before >= 16 * 1024);
  OutputWriter out(loop, p.w, false, 4096, 1024);
  CHECK(p.capacity() >= before);
}

TEST_CASE("OutputWriter: small writes go straight to the pipe", "[output]") {
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  REQUIRE(out.write("hello"));
  REQUIRE(out.write(""));
  CHECK(out.written() == 5);
  CHECK(out.idle());
  CHECK(loop.interest(p.w) == 0);  // nothing queued: not watched
  char buf[16];
  REQUIRE(::read(p.r, buf, sizeof buf) == 5);
  CHECK(std::string_view(buf, 5) == "hello");
}

TEST_CASE("OutputWriter: O_NONBLOCK is set while alive and restored afterwards", "[output]") {
  Loop loop;
  Pipe p;
  REQUIRE_FALSE(nonblocking(p.w));
  {
    OutputWriter out(loop, p.w, false, kHigh, kLow);
    CHECK(nonblocking(p.w));
  }
  CHECK_FALSE(nonblocking(p.w));
  // The fd was not ours: still open.
  CHECK(::fcntl(p.w, F_GETFD) != -1);
}

TEST_CASE("OutputWriter: restore_all() restores flags of live writers", "[output]") {
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  REQUIRE(nonblocking(p.w));
  OutputWriter::restore_all();
  CHECK_FALSE(nonblocking(p.w));
}

TEST_CASE("OutputWriter: an fd that was already non-blocking stays so", "[output]") {
  Loop loop;
  Pipe p;
  set_nonblocking(p.w);
  { OutputWriter out(loop, p.w, false, kHigh, kLow); }
  CHECK(nonblocking(p.w));
}

TEST_CASE("OutputWriter: writing after the reader closed fails with EPIPE", "[output]") {
  ignore_sigpipe();
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  int failed = 0;
  out.on_failed = [&] { ++failed; };
  p.close_r();

  CHECK_FALSE(out.write("data"));
  check_broken_pipe(out);
  CHECK_FALSE(out.error()->message.empty());
  CHECK_FALSE(out.write("more"));  // stays failed
  CHECK(out.written() == 0);

  loop.run();  // on_failed is deferred to the loop
  CHECK(failed == 1);
}

TEST_CASE("OutputWriter: the reader closing while bytes are queued fails the writer", "[output]") {
  ignore_sigpipe();
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  const std::string data = pattern(p.capacity() + 3 * kChunk);
  int failed = 0, emptied = 0;
  out.on_failed = [&] { ++failed; };
  out.on_empty = [&] { ++emptied; };
  write_all(out, data);
  REQUIRE(out.buffered() > 0);

  loop.after(Millis(1), [&] { p.close_r(); });
  loop.run();  // ends once the writer stops watching the broken pipe

  check_broken_pipe(out);
  CHECK(failed == 1);
  CHECK(emptied == 0);
  CHECK(out.buffered() == 0);  // queue dropped
  CHECK_FALSE(out.write("x"));
}

TEST_CASE("OutputWriter: regular files are written directly", "[output]") {
  Loop loop;
  int fd = unlinked_temp_file();
  const int flags = ::fcntl(fd, F_GETFL);
  const std::string data = pattern(3 * kHigh);
  {
    OutputWriter out(loop, fd, true, kHigh, kLow);
    CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) == (flags & O_NONBLOCK));
    write_all(out, data);
    CHECK(out.written() == data.size());
    CHECK(out.idle());
    CHECK_FALSE(out.above_high());
    CHECK(loop.interest(fd) == 0);
    std::string back(data.size(), '\0');
    REQUIRE(::pread(fd, back.data(), back.size(), 0) == static_cast<ssize_t>(back.size()));
    CHECK(back == data);
  }
  // own_fd: closed with the writer.
  errno = 0;
  CHECK(::fcntl(fd, F_GETFD) == -1);
  CHECK(errno == EBADF);
}

namespace {

// A connected stream socket pair: [0] is what a session would splice from.
struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd[1], data.data(), data.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
};

// Splices everything the socket holds; returns the last answer.
ssize_t splice_all(OutputWriter& out, int fd) {
  for (;;) {
    REQUIRE(out.can_splice());
    auto n = out.splice_from(fd, 1 << 20);
    REQUIRE(n);
    if (*n <= 0 || out.above_high()) return *n;
  }
}

}  // namespace

TEST_CASE("OutputWriter: spliced bytes reach a file in order with written ones",
          "[output][splice]") {
  Loop loop;
  int fd = unlinked_temp_file();
  OutputWriter out(loop, fd, true, kHigh, kLow);
  SocketPair sp;
  const std::string head = "head:", body = pattern(100000), tail = ":tail";
  REQUIRE(out.write(head));
  sp.send_all(body.substr(0, 60000));
  CHECK(splice_all(out, sp.fd[0]) == sluice::kWouldBlock);
  sp.send_all(body.substr(60000));
  ::shutdown(sp.fd[1], SHUT_WR);
  CHECK(splice_all(out, sp.fd[0]) == 0);  // the peer's EOF
  REQUIRE(out.write(tail));
  CHECK(out.idle());
  CHECK(out.written() == head.size() + body.size() + tail.size());
  std::string back(out.written(), '\0');
  REQUIRE(::pread(fd, back.data(), back.size(), 0) == static_cast<ssize_t>(back.size()));
  CHECK(back == head + body + tail);
}

TEST_CASE("OutputWriter: splicing into a slow pipe pauses at high water and keeps order",
          "[output][splice]") {
  ignore_sigpipe();
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  SocketPair sp;
  const std::string body = pattern(8 * kHigh), tail = "-the end";
  int lows = 0;
  bool spliced_all = false;
  std::size_t sent = 0, taken = 0;
  // The "session": splices while the output is below high water, and resumes on_low.
  std::function<void()> pump = [&] {
    while (!spliced_all && !out.above_high()) {
      if (sent < body.size()) {
        std::size_t n = std::min<std::size_t>(kChunk, body.size() - sent);
        sp.send_all(body.substr(sent, n));
        sent += n;
      }
      REQUIRE(out.can_splice());
      auto n = out.splice_from(sp.fd[0], 1 << 20);
      REQUIRE(n);
      if (*n > 0) taken += static_cast<std::size_t>(*n);
      if (taken == body.size()) {
        spliced_all = true;
        REQUIRE(out.write(tail));  // queued behind the piped bytes
      }
    }
  };
  out.on_low = [&] {
    ++lows;
    pump();
  };
  pump();
  CHECK(out.above_high());  // the reader has not started
  CHECK(out.buffered() <= 2 * kHigh);
  std::string got = read_in_loop(loop, p.r, body.size() + tail.size(), 8192);
  CHECK(spliced_all);
  CHECK(lows >= 1);
  CHECK(got.size() == body.size() + tail.size());
  CHECK(got == body + tail);
  CHECK(out.idle());
  CHECK(out.written() == got.size());
}

TEST_CASE("OutputWriter: splicing into a pipe whose reader left fails the writer",
          "[output][splice]") {
  ignore_sigpipe();
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  int failed = 0;
  out.on_failed = [&] { ++failed; };
  p.close_r();
  SocketPair sp;
  sp.send_all("some body bytes");
  REQUIRE(out.can_splice());
  auto n = out.splice_from(sp.fd[0], 1 << 20);
  REQUIRE(n);  // the socket side was fine
  check_broken_pipe(out);
  CHECK_FALSE(out.can_splice());
  CHECK(out.buffered() == 0);
  loop.run();  // on_failed is deferred to the loop
  CHECK(failed == 1);
}

TEST_CASE("OutputWriter: no splice into a file opened for appending, or with bytes queued",
          "[output][splice]") {
  Loop loop;
  int fd = unlinked_temp_file();
  REQUIRE(::fcntl(fd, F_SETFL, O_APPEND) == 0);
  OutputWriter appending(loop, fd, true, kHigh, kLow);
  CHECK_FALSE(appending.can_splice());

  Pipe p(O_NONBLOCK);
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  CHECK(out.can_splice());
  // The reader's pipe fills, then our own pipe (kHigh), then the queue.
  std::string fill = pattern(p.capacity() + kHigh + 10);
  REQUIRE(out.write(fill));
  CHECK(out.buffered() == kHigh + 10);
  CHECK_FALSE(out.can_splice());  // queued bytes would be overtaken
}

TEST_CASE("OutputWriter: bytes waiting for a slow pipe reader wait in the kernel, in order",
          "[output][splice]") {
  Loop loop;
  Pipe p;
  OutputWriter out(loop, p.w, false, kHigh, kLow);
  const std::size_t cap = p.capacity();
  const std::string data = pattern(cap + kHigh / 2);
  write_all(out, data);
  // Nothing is queued in user space: the part the reader's pipe could not
  // take went to our splice pipe, so a splice may still follow it.
  CHECK(out.buffered() == data.size() - cap);
  CHECK(out.can_splice());
  SocketPair sp;
  sp.send_all("tail");
  REQUIRE(out.splice_from(sp.fd[0], 1 << 20));
  REQUIRE(::fcntl(p.r, F_SETFL, ::fcntl(p.r, F_GETFL) | O_NONBLOCK) == 0);
  std::string got = read_in_loop(loop, p.r, data.size() + 4, 8192);
  CHECK(got.size() == data.size() + 4);
  CHECK(got == data + "tail");
  CHECK(out.idle());
}
