// WakeupMark: when the socket's SO_RCVLOWAT rises to the mark, when it falls
// back to 1, and the watchdog that lowers it when the input stops.
#include "core/net/wakeup_mark.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <functional>

using sluice::Clock;
using sluice::Loop;
using sluice::Millis;
using sluice::WakeupMark;

namespace {

// A connected loopback TCP socket (the reading end); its peer is kept open.
struct TcpPair {
  int reader = -1, writer = -1;
  TcpPair() {
    int lst = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(lst, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(lst, 1);
    ::getsockname(lst, reinterpret_cast<sockaddr*>(&a), &len);
    reader = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(reader, reinterpret_cast<sockaddr*>(&a), sizeof a);
    writer = ::accept(lst, nullptr, nullptr);
    ::close(lst);
  }
  ~TcpPair() {
    ::close(reader);
    ::close(writer);
  }
  int lowat() const {
    int v = 0;
    socklen_t len = sizeof v;
    ::getsockopt(reader, SOL_SOCKET, SO_RCVLOWAT, &v, &len);
    return v;
  }
};

constexpr uint64_t kFlowing = WakeupMark::kFlowingBurst;

}  // namespace

TEST_CASE("WakeupMark rises only while bytes flow and the peer owes well over the mark",
          "[net][wakeup]") {
  TcpPair p;
  REQUIRE(p.writer >= 0);
  Loop loop;
  uint64_t bytes_in = 0;
  WakeupMark mark(loop, p.reader, false, bytes_in);

  bytes_in += kFlowing;
  mark.before_wait(10 << 20);
  CHECK(p.lowat() == WakeupMark::kMark);
  mark.before_wait(10 << 20);  // nothing read since the last wait: a trickle
  CHECK(p.lowat() == 1);
  bytes_in += kFlowing;
  mark.before_wait(WakeupMark::kMark);  // the last bytes must wake us
  CHECK(p.lowat() == 1);
  bytes_in += kFlowing;
  mark.before_wait(0);  // unknown
  CHECK(p.lowat() == 1);
  bytes_in += kFlowing;
  mark.before_wait(10 << 20);
  mark.reset();
  CHECK(p.lowat() == 1);
}

TEST_CASE("WakeupMark over TLS keeps a margin for ciphertext OpenSSL holds", "[net][wakeup]") {
  TcpPair p;
  Loop loop;
  uint64_t bytes_in = 0;
  WakeupMark mark(loop, p.reader, true, bytes_in);
  bytes_in += kFlowing;
  mark.before_wait(WakeupMark::kTransportHeld + WakeupMark::kMark);
  CHECK(p.lowat() == 1);
  bytes_in += kFlowing;
  mark.before_wait(WakeupMark::kTransportHeld + WakeupMark::kMark + 1);
  CHECK(p.lowat() == WakeupMark::kMark);
}

TEST_CASE("WakeupMark falls back to 1 when no byte comes for a tick, not while bytes come",
          "[net][wakeup]") {
  TcpPair p;
  Loop loop;
  uint64_t bytes_in = 0;
  WakeupMark mark(loop, p.reader, false, bytes_in);
  bytes_in += kFlowing;
  mark.before_wait(10 << 20);
  REQUIRE(p.lowat() == WakeupMark::kMark);

  // Bytes keep coming, one every 10 ms: the mark stays up all along. Then
  // nothing: it falls back within two ticks (waited for up to 2 s, as a
  // loaded machine may run the timers late).
  int feeds = 0;
  bool stayed = true;
  Clock::time_point last_feed;
  std::function<void()> poll = [&] {
    if (p.lowat() == 1 || Clock::now() - last_feed > std::chrono::seconds(2)) return loop.stop();
    loop.after(Millis(5), poll);
  };
  std::function<void()> feed = [&] {
    stayed = stayed && p.lowat() == WakeupMark::kMark;
    bytes_in += 1000;
    last_feed = Clock::now();
    if (++feeds < 20) return (void)loop.after(Millis(10), feed);
    loop.after(Millis(5), poll);
  };
  loop.after(Millis(10), feed);
  loop.run();
  CHECK(stayed);
  CHECK(p.lowat() == 1);
  CHECK(Clock::now() - last_feed < std::chrono::seconds(2));

  mark.detach();  // never touches the fd again
  bytes_in += kFlowing;
  mark.before_wait(10 << 20);
  CHECK(p.lowat() == 1);
}
