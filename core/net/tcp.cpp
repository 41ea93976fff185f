#include "core/net/tcp.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static std::string connect_error(const SocketAddr& addr, int err) {
  return fmt::format("Failed to connect to {} port {}: {}", addr.ip(), addr.port(),
                     std::strerror(err));
}

Result<Fd> tcp_connect_start(const SocketAddr& addr) {
  Fd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(Errc::connect_failed, connect_error(addr, errno), errno);
  set_nodelay(fd.get());
  if (::connect(fd.get(), addr.sa(), addr.len) < 0 && errno != EINPROGRESS)
    return fail(Errc::connect_failed, connect_error(addr, errno), errno);
  return fd;
}

Result<void> connect_result(int fd, const SocketAddr& addr) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) return fail(Errc::connect_failed, connect_error(addr, err), err);
  return {};
}

Result<Fd> tcp_listen(const SocketAddr& addr, const ListenOptions& opt) {
  Fd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(Errc::internal, fmt::format("socket: {}", std::strerror(errno)), errno);
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (opt.reuse_port) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (addr.family() == AF_INET6)
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), addr.sa(), addr.len) < 0)
    return fail(Errc::address_in_use,
                fmt::format("cannot listen on {}: {}", addr.to_string(), std::strerror(errno)),
                errno);
  if (opt.defer_accept_s > 0) {
    // Like nginx: accept() wakes only once the first request bytes are there.
    int secs = opt.defer_accept_s;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
  }
  if (::listen(fd.get(), opt.backlog) < 0)
    return fail(Errc::internal, fmt::format("listen: {}", std::strerror(errno)), errno);
  return fd;
}

SocketAddr local_address(int fd) {
  SocketAddr a;
  a.len = sizeof a.ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a.ss), &a.len);
  return a;
}

}  // namespace sluice
