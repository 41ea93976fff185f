#include "core/net/tcp.hpp"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
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
  if (addr.family() == AF_UNIX)
    return fmt::format("Failed to connect to Unix socket {}: {}", addr.ip(), std::strerror(err));
  return fmt::format("Failed to connect to {} port {}: {}", addr.ip(), addr.port(),
                     std::strerror(err));
}

namespace {

void set_keepalive(int fd, const TcpClientOptions& opt) {
  if (!opt.keepalive) return;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  if (opt.keepalive_s <= 0) return;  // the kernel's timing
  int secs = opt.keepalive_s;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof secs);
}

// The first address of `device` in `family`, as curl's --interface NAME
// binds to it.
std::optional<SocketAddr> device_address(const std::string& device, int family) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<SocketAddr> found;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != family || device != i->ifa_name) continue;
    SocketAddr a;
    a.len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    std::memcpy(&a.ss, i->ifa_addr, a.len);
    found = a;
  }
  ::freeifaddrs(list);
  return found;
}

void set_port(SocketAddr& a, uint16_t port) {
  if (a.family() == AF_INET)
    reinterpret_cast<sockaddr_in*>(&a.ss)->sin_port = htons(port);
  else
    reinterpret_cast<sockaddr_in6*>(&a.ss)->sin6_port = htons(port);
}

// --interface and --local-port, before connect, as curl's bindlocal().
Result<void> bind_local(int fd, int family, const TcpClientOptions& opt) {
  if (opt.device.empty() && !opt.local_addr && opt.local_port == 0) return {};
  SocketAddr local;
  if (!opt.device.empty()) {
    auto a = device_address(opt.device, family);
    if (!a) return fail(Errc::interface_failed, fmt::format("Couldn't bind to '{}'", opt.device));
    local = *a;
    // Best effort, as curl: without CAP_NET_RAW the address alone binds.
    (void)::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, opt.device.c_str(),
                       static_cast<socklen_t>(opt.device.size()));
  } else if (opt.local_addr) {
    if (opt.local_addr->family() != family)  // curl moves on to another address too
      return fail(Errc::connect_failed, "the --interface address is of the other family");
    local = *opt.local_addr;
  } else {
    local.len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    local.ss.ss_family = static_cast<sa_family_t>(family);
  }
  uint16_t first = opt.local_port, last = std::max(opt.local_port, opt.local_port_max);
  for (uint32_t port = first;; ++port) {
    set_port(local, static_cast<uint16_t>(port));
    if (::bind(fd, local.sa(), local.len) == 0) return {};
    int err = errno;
    if (err != EADDRINUSE || port >= last)
      return fail(Errc::interface_failed,
                  fmt::format("bind failed with errno {}: {}", err, std::strerror(err)), err);
  }
}

}  // namespace

Result<Fd> tcp_connect_start(const SocketAddr& addr, const TcpClientOptions& opt) {
  Fd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(Errc::connect_failed, connect_error(addr, errno), errno);
  if (addr.family() != AF_UNIX) {  // --unix-socket: no TCP options, no local address to bind
    set_nodelay(fd.get());
    set_keepalive(fd.get(), opt);
    if (auto b = bind_local(fd.get(), addr.family(), opt); !b) return std::unexpected(b.error());
  }
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
