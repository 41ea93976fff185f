// A pipe for unit tests, closed on scope exit. Blocking by default, as a shell
// hands one to us; Pipe(O_NONBLOCK) for both ends non-blocking.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cstddef>

struct Pipe {
  int r = -1, w = -1;
  explicit Pipe(int flags = 0) {
    int fds[2];
    REQUIRE(::pipe2(fds, flags | O_CLOEXEC) == 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close_r();
    close_w();
  }
  void close_r() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_w() {
    if (w >= 0) ::close(w);
    w = -1;
  }
  std::size_t capacity() const { return static_cast<std::size_t>(::fcntl(w, F_GETPIPE_SZ)); }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};
