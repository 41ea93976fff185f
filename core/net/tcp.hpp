// TCP sockets: non-blocking connect, listeners (SO_REUSEPORT, TCP_DEFER_ACCEPT), fd RAII.
#pragma once

#include <utility>

#include "core/net/address.hpp"

namespace sluice {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// Starts a non-blocking connect; completion is signalled by EPOLLOUT, then check
// with connect_result().
Result<Fd> tcp_connect_start(const SocketAddr& addr);
Result<void> connect_result(int fd, const SocketAddr& addr);

struct ListenOptions {
  bool reuse_port = false;
  int defer_accept_s = 1;  // 0 disables TCP_DEFER_ACCEPT
  int backlog = 4096;
};
Result<Fd> tcp_listen(const SocketAddr& addr, const ListenOptions& opt);
SocketAddr local_address(int fd);

void set_nodelay(int fd);

}  // namespace sluice
