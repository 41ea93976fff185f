#include "core/net/udp.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

namespace {

std::string sys_message(const char* what, int err) {
  return fmt::format("{}: {}", what, std::strerror(err));
}

IcmpError::Origin origin_of(uint8_t ee_origin) {
  switch (ee_origin) {
    case SO_EE_ORIGIN_NONE:
      return IcmpError::Origin::none;
    case SO_EE_ORIGIN_LOCAL:
      return IcmpError::Origin::local;
    case SO_EE_ORIGIN_ICMP:
      return IcmpError::Origin::icmp;
    case SO_EE_ORIGIN_ICMP6:
      return IcmpError::Origin::icmp6;
    default:
      return IcmpError::Origin::other;
  }
}

SocketAddr copy_addr(const sockaddr* sa) {
  SocketAddr a;
  if (sa->sa_family == AF_INET)
    a.len = sizeof(sockaddr_in);
  else if (sa->sa_family == AF_INET6)
    a.len = sizeof(sockaddr_in6);
  else
    return a;
  std::memcpy(&a.ss, sa, a.len);
  return a;
}

// Fills e from the IP_RECVERR / IPV6_RECVERR control message; false if none.
bool parse_extended_err(msghdr& msg, IcmpError& e) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err ee;
    std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
    e.err = static_cast<int>(ee.ee_errno);
    e.origin = origin_of(ee.ee_origin);
    e.type = ee.ee_type;
    e.code = ee.ee_code;
    e.info = ee.ee_info;
    // The offender's address follows the struct inside the same cmsg.
    auto* data = reinterpret_cast<const unsigned char*>(CMSG_DATA(c));
    std::size_t room = c->cmsg_len - CMSG_LEN(0);
    if (room >= sizeof ee + sizeof(sa_family_t)) {
      sockaddr_storage off{};
      std::memcpy(&off, data + sizeof ee, std::min(room - sizeof ee, sizeof off));
      e.offender = copy_addr(reinterpret_cast<const sockaddr*>(&off));
    }
    return true;
  }
  return false;
}

// One recvmsg(MSG_ERRQUEUE): 1 read, 0 queue empty, -1 failed (errno set).
int read_one_error(int fd, IcmpError& e) {
  sockaddr_storage dest{};
  alignas(cmsghdr) unsigned char control[512];
  unsigned char payload[64];  // the head of the datagram that failed; not needed
  iovec iov{payload, sizeof payload};
  msghdr msg{};
  msg.msg_name = &dest;
  msg.msg_namelen = sizeof dest;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  for (;;) {
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
  e = IcmpError{};
  if (!parse_extended_err(msg, e)) e.err = EIO;  // an entry without its control message
  if (msg.msg_namelen > 0) e.destination = copy_addr(reinterpret_cast<const sockaddr*>(&dest));
  return 1;
}

}  // namespace

std::string icmp_description(const IcmpError& e) {
  if (e.origin == IcmpError::Origin::icmp && e.type == 3) {
    static const char* const names[] = {"net unreachable",
                                        "host unreachable",
                                        "protocol unreachable",
                                        "port unreachable",
                                        "fragmentation needed",
                                        "source route failed",
                                        "net unknown",
                                        "host unknown",
                                        "source host isolated",
                                        "net prohibited",
                                        "host prohibited",
                                        "net unreachable for TOS",
                                        "host unreachable for TOS",
                                        "administratively prohibited"};
    if (e.code < std::size(names)) return names[e.code];
    return "destination unreachable";
  }
  if (e.origin == IcmpError::Origin::icmp && e.type == 11) return "time exceeded";
  if (e.origin == IcmpError::Origin::icmp6 && e.type == 1) {
    static const char* const names[] = {
        "no route",         "administratively prohibited",  "beyond scope", "address unreachable",
        "port unreachable", "source address failed policy", "reject route"};
    if (e.code < std::size(names)) return names[e.code];
    return "destination unreachable";
  }
  if (e.origin == IcmpError::Origin::icmp6 && e.type == 2) return "packet too big";
  if (e.origin == IcmpError::Origin::icmp6 && e.type == 3) return "time exceeded";
  if (e.origin == IcmpError::Origin::local) return "local error";
  return "";
}

bool is_icmp_errno(int err) {
  switch (err) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case EPROTO:
    case EACCES:
      return true;
    default:
      return false;
  }
}

Result<Fd> udp_socket(int family) {
  Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(Errc::internal, sys_message("socket", errno), errno);
  int one = 1;
  if (family == AF_INET6) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one) < 0)
      return fail(Errc::internal, sys_message("IPV6_RECVERR", errno), errno);
  } else if (::setsockopt(fd.get(), IPPROTO_IP, IP_RECVERR, &one, sizeof one) < 0) {
    return fail(Errc::internal, sys_message("IP_RECVERR", errno), errno);
  }
  return fd;
}

Result<void> udp_connect(int fd, const SocketAddr& to) {
  if (::connect(fd, to.sa(), to.len) < 0)
    return fail(
        Errc::connect_failed,
        fmt::format("cannot connect UDP socket to {}: {}", to.to_string(), std::strerror(errno)),
        errno);
  return {};
}

Result<void> udp_bind(int fd, const SocketAddr& at) {
  if (::bind(fd, at.sa(), at.len) < 0)
    return fail(Errc::address_in_use,
                fmt::format("cannot listen on {}: {}", at.to_string(), std::strerror(errno)),
                errno);
  return {};
}

DrainResult drain_error_queue(int fd, unsigned budget,
                              const std::function<void(const IcmpError&)>& report) {
  DrainResult r;
  while (r.reported < budget) {
    IcmpError e;
    int n = read_one_error(fd, e);
    if (n > 0) {
      ++r.reported;
      report(e);
      continue;
    }
    if (n == 0 && r.reported > 0) return r;  // drained what EPOLLERR announced
    // Failed, or empty on the first read: whatever raised EPOLLERR sits in
    // sk_err only. Reading SO_ERROR reports and clears it.
    int queue_errno = n < 0 ? errno : 0;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
      r.status = DrainResult::Status::failed;
      r.sys = queue_errno ? queue_errno : errno;
      return r;
    }
    r.status = DrainResult::Status::fallback;
    r.sys = queue_errno;
    if (err != 0) {
      e = IcmpError{};
      e.err = err;
      ++r.reported;
      report(e);
    }
    return r;
  }
  r.status = DrainResult::Status::budget;
  return r;
}

// --- UdpSocket ---

UdpSocket::UdpSocket(Loop& loop, Fd fd, Events events, bool drain)
    : loop_(loop), fd_(std::move(fd)), events_(std::move(events)), drain_(drain) {}

UdpSocket::~UdpSocket() {
  if (!fd_) return;
  loop_.remove(fd_.get());
  // Closed at the end of the iteration: an event already fetched for this fd
  // number must not reach a socket that reuses it.
  loop_.defer([owned = std::make_shared<Fd>(std::move(fd_))] {});
}

Result<std::unique_ptr<UdpSocket>> UdpSocket::open(Loop& loop, int family, Events events,
                                                   bool drain) {
  auto fd = udp_socket(family);
  if (!fd) return std::unexpected(fd.error());
  std::unique_ptr<UdpSocket> s(new UdpSocket(loop, std::move(*fd), std::move(events), drain));
  // No interest yet: epoll reports EPOLLERR whatever the mask.
  if (auto r = loop.add(s->fd(), 0, s.get()); !r) return std::unexpected(r.error());
  return s;
}

void UdpSocket::want_readable(bool on) {
  if (!fd_) return;
  interest_ = on ? (interest_ | EPOLLIN) : (interest_ & ~uint32_t{EPOLLIN});
  loop_.modify(fd_.get(), interest_);
}

void UdpSocket::want_writable(bool on) {
  if (!fd_) return;
  interest_ = on ? (interest_ | EPOLLOUT) : (interest_ & ~uint32_t{EPOLLOUT});
  loop_.modify(fd_.get(), interest_);
}

bool UdpSocket::absorb_error(int err) {
  if (!drain_ || !fd_ || !is_icmp_errno(err)) return false;
  drain();
  return static_cast<bool>(fd_);
}

void UdpSocket::drain() {
  auto r = drain_error_queue(fd_.get(), kErrorQueueBudget, [this](const IcmpError& e) {
    ++errors_reported_;
    if (events_.icmp_error) events_.icmp_error(e);
  });
  if (r.status == DrainResult::Status::failed) fail_and_close(r.sys);
}

void UdpSocket::fail_and_close(int err) {
  loop_.remove(fd_.get());
  // Closed at the end of the iteration, never under a caller's feet; the
  // lambda owns the descriptor, not this object.
  auto owned = std::make_shared<Fd>(std::move(fd_));
  loop_.defer([owned] { owned->reset(); });
  if (events_.closed)
    events_.closed(Error{Errc::recv_failed,
                         sys_message("UDP socket error queue and SO_ERROR both failed", err), err});
}

void UdpSocket::on_io(uint32_t events) {
  if ((events & EPOLLERR) && drain_) {
    drain();
    if (!fd_) return;
  }
  if ((events & EPOLLIN) && events_.readable) events_.readable();
  if (!fd_) return;
  if ((events & EPOLLOUT) && events_.writable) events_.writable();
}

}  // namespace sluice
