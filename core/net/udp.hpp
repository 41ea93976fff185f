// UDP sockets for every UDP user in the project (udp-probe now, QUIC next).
// The ICMP error queue is always switched on and always drained: on Linux an
// ICMP error (port unreachable, ...) raises EPOLLERR, level-triggered, until
// it is read, so a loop that never reads the queue wakes at 100 % CPU.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "core/loop/loop.hpp"
#include "core/net/address.hpp"
#include "core/net/tcp.hpp"

namespace sluice {

// One error as the kernel queued it (struct sock_extended_err), or as
// SO_ERROR gave it when the queue could not be read (origin == none).
struct IcmpError {
  enum class Origin : uint8_t { none, local, icmp, icmp6, other };
  int err = 0;  // ee_errno, e.g. ECONNREFUSED
  Origin origin = Origin::none;
  uint8_t type = 0, code = 0;  // ICMP type and code
  uint32_t info = 0;           // e.g. the MTU of "fragmentation needed"
  SocketAddr offender;         // who sent the ICMP; len 0 when unknown
  SocketAddr destination;      // where the datagram that failed was going; len 0 when unknown

  bool port_unreachable() const {
    return (origin == Origin::icmp && type == 3 && code == 3) ||
           (origin == Origin::icmp6 && type == 1 && code == 4);
  }
};

// "port unreachable", "host unreachable", ... ("" when unknown).
std::string icmp_description(const IcmpError& e);

// A non-blocking UDP socket with IP_RECVERR (and IPV6_RECVERR) on; IPv6
// sockets are v6-only.
Result<Fd> udp_socket(int family);
Result<void> udp_connect(int fd, const SocketAddr& to);
Result<void> udp_bind(int fd, const SocketAddr& at);

// The most error-queue entries read per EPOLLERR dispatch; the error stays
// level-triggered, so the rest are read on the next loop iteration.
inline constexpr unsigned kErrorQueueBudget = 32;

struct DrainResult {
  enum class Status {
    empty,     // the queue is empty now
    budget,    // stopped at the budget; more may be queued
    fallback,  // the queue read failed; SO_ERROR was read (and cleared) instead
    failed,    // the queue read and SO_ERROR both failed: the socket is unusable
  };
  unsigned reported = 0;
  Status status = Status::empty;
  int sys = 0;  // errno of the failure (fallback / failed)
};

// Reads up to `budget` entries of fd's error queue and reports each once. A
// queue that cannot be read (or is empty although EPOLLERR said otherwise,
// which means the error is pending in sk_err only) falls back to SO_ERROR,
// which also clears it.
DrainResult drain_error_queue(int fd, unsigned budget,
                              const std::function<void(const IcmpError&)>& report);

// The socket plus its place in the loop. EPOLLERR is handled here (drained,
// reported through icmp_error); readable/writable are passed on. If the error
// queue and SO_ERROR both fail, the socket is removed from the loop, closed at
// the end of the iteration, and `closed` is told why.
class UdpSocket : public IoHandler {
 public:
  struct Events {
    std::function<void()> readable;
    std::function<void()> writable;
    std::function<void(const IcmpError&)> icmp_error;
    std::function<void(const Error&)> closed;
  };

  // drain = false never reads the error queue: only for demonstrating the spin.
  static Result<std::unique_ptr<UdpSocket>> open(Loop& loop, int family, Events events,
                                                 bool drain = true);
  ~UdpSocket() override;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_.get(); }
  bool is_open() const { return static_cast<bool>(fd_); }
  Result<void> connect(const SocketAddr& to) { return udp_connect(fd(), to); }
  Result<void> bind(const SocketAddr& at) { return udp_bind(fd(), at); }
  void want_readable(bool on);
  void want_writable(bool on);

  // A send or receive that failed because an ICMP error is pending (the
  // kernel hands sk_err to the next call: ECONNREFUSED and friends) drains
  // the queue, so the error is reported there, once. Returns true if the call
  // is worth retrying. Callbacks must not destroy the socket (use defer).
  bool absorb_error(int err);

  uint64_t errors_reported() const { return errors_reported_; }
  void on_io(uint32_t events) override;

 private:
  UdpSocket(Loop& loop, Fd fd, Events events, bool drain);
  void drain();
  void fail_and_close(int err);

  Loop& loop_;
  Fd fd_;
  Events events_;
  bool drain_;
  uint32_t interest_ = 0;
  uint64_t errors_reported_ = 0;
};

// True for errnos that a send reports because an ICMP error is pending.
bool is_icmp_errno(int err);

}  // namespace sluice
