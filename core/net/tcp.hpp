// TCP sockets: non-blocking connect, listeners (SO_REUSEPORT, TCP_DEFER_ACCEPT), fd RAII.
#pragma once

#include <optional>
#include <string>
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

// How a client socket is set up before it connects (get's curl options).
struct TcpClientOptions {
  // SO_KEEPALIVE with TCP_KEEPIDLE and TCP_KEEPINTVL of keepalive_s seconds,
  // curl's default (60); --no-keepalive turns it off.
  bool keepalive = true;
  int keepalive_s = 60;
  // --interface: bind to this device's address (and the device, where the
  // kernel allows) or to this address; empty: any.
  std::string device;
  std::optional<SocketAddr> local_addr;  // port ignored
  // --local-port: the first free port of [local_port, local_port_max]; 0: any.
  uint16_t local_port = 0, local_port_max = 0;
};

// Starts a non-blocking connect; completion is signalled by EPOLLOUT, then check
// with connect_result(). A local end that cannot be bound as asked is
// Errc::interface_failed; an address of the other family, connect_failed.
Result<Fd> tcp_connect_start(const SocketAddr& addr, const TcpClientOptions& opt = {});
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
