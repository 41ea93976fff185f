// The UDP error queue (core/net/udp): an ICMP port unreachable is reported
// exactly once, with its errno, ICMP type/code and offender, and the socket
// stays open and usable. Loopback only: port 1, where nothing listens.
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch_test_macros.hpp>
#include <cerrno>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/net/udp.hpp"

using namespace sluice;

namespace {

struct Probe {
  Loop loop;
  std::vector<IcmpError> errors;
  std::unique_ptr<UdpSocket> sock;

  explicit Probe(const char* ip) {
    UdpSocket::Events ev;
    ev.icmp_error = [this](const IcmpError& e) { errors.push_back(e); };
    auto target = parse_numeric(ip, 1);
    REQUIRE(target);
    auto s = UdpSocket::open(loop, target->family(), std::move(ev));
    REQUIRE(s);
    sock = std::move(*s);
    REQUIRE(sock->connect(*target));
  }
  void send_one() { REQUIRE(::send(sock->fd(), "x", 1, 0) == 1); }
  // Runs the loop for a while; returns its wake-ups.
  uint64_t run_for(Millis d) {
    uint64_t before = loop.wakeups();
    loop.after(d, [this] { loop.stop(); });
    loop.run();
    return loop.wakeups() - before;
  }
};

void check_port_unreachable(const IcmpError& e, const char* ip) {
  CHECK(e.err == ECONNREFUSED);
  CHECK(e.port_unreachable());
  CHECK(e.offender.ip() == ip);
  CHECK(e.destination.port() == 1);
}

void send_twice_to_closed_port(const char* ip, IcmpError::Origin origin) {
  Probe p(ip);
  p.send_one();
  uint64_t wakeups = p.run_for(Millis(300));
  REQUIRE(p.errors.size() == 1);
  check_port_unreachable(p.errors[0], ip);
  CHECK(p.errors[0].origin == origin);
  CHECK(wakeups < 20);  // one for the error, then idle: no level-triggered spin
  CHECK(p.sock->is_open());

  p.send_one();  // the socket still works, and the next error arrives once more
  p.run_for(Millis(300));
  REQUIRE(p.errors.size() == 2);
  check_port_unreachable(p.errors[1], ip);
  CHECK(p.sock->errors_reported() == 2);
  CHECK(p.sock->is_open());
}

}  // namespace

TEST_CASE("one datagram to 127.0.0.1:1 is reported once as ECONNREFUSED, ICMP port unreachable",
          "[udp]") {
  send_twice_to_closed_port("127.0.0.1", IcmpError::Origin::icmp);
}

TEST_CASE("one datagram to [::1]:1 is reported once as ECONNREFUSED, ICMPv6 port unreachable",
          "[udp]") {
  send_twice_to_closed_port("::1", IcmpError::Origin::icmp6);
}
