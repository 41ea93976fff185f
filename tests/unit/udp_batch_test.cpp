// sendmmsg/recvmmsg helpers (core/net/udp_batch) against a fake socket: a
// partial batch followed by an error keeps the partial batch; a count of 0 is
// not an error; an error is reported only when nothing was transferred. And
// against real loopback sockets: a GSO send reaches a GRO socket as one slot
// that splits back into its datagrams.
#include "core/net/udp_batch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cerrno>
#include <deque>
#include <vector>

using namespace sluice;

namespace {

// Each call pops the next scripted result: n > 0 fills n messages (msg_len =
// 10 + index), 0 is 0, a negative value fails with that errno.
struct FakeSocket {
  std::deque<int> script;
  int calls = 0;
  int call(mmsghdr* msgs, unsigned n) {
    ++calls;
    if (script.empty()) {
      errno = EAGAIN;
      return -1;
    }
    int r = script.front();
    script.pop_front();
    if (r < 0) {
      errno = -r;
      return -1;
    }
    int filled = std::min<int>(r, static_cast<int>(n));
    for (int i = 0; i < filled; ++i) msgs[i].msg_len = static_cast<unsigned>(10 + i);
    return filled;
  }
  MmsgCalls calls_for_both() {
    auto f = [this](int, mmsghdr* m, unsigned n, int) { return call(m, n); };
    return {f, f};
  }
};

}  // namespace

TEST_CASE("recvmmsg/sendmmsg helpers keep a partial batch when the next call fails",
          "[udp][batch]") {
  FakeSocket fake;
  fake.script = {3, -ECONNREFUSED};
  DatagramBatch batch(8, 64);
  auto got = recv_batch(42, batch.for_recv(), fake.calls_for_both());
  REQUIRE(got);
  CHECK(*got == 3);
  CHECK(fake.calls == 2);
  CHECK(batch.data(0).size() == 10);
  CHECK(batch.data(2).size() == 12);

  // The error was not lost: the next call, with nothing moved, reports it.
  fake.script = {-ECONNREFUSED};
  auto next = recv_batch(42, batch.for_recv(), fake.calls_for_both());
  REQUIRE_FALSE(next);
  CHECK(next.error().sys == ECONNREFUSED);
  CHECK(next.error().code == Errc::recv_failed);

  // sendmmsg: the same rules.
  fake.script = {5, -ENOBUFS};
  auto sent = send_batch(42, batch.prefix(8), fake.calls_for_both());
  REQUIRE(sent);
  CHECK(*sent == 5);

  fake.script = {-ENOBUFS};
  sent = send_batch(42, batch.prefix(8), fake.calls_for_both());
  REQUIRE_FALSE(sent);
  CHECK(sent.error().sys == ENOBUFS);

  fake.script = {-EAGAIN};  // would block: nothing sent, and no error
  sent = send_batch(42, batch.prefix(8), fake.calls_for_both());
  REQUIRE(sent);
  CHECK(*sent == 0);
}

TEST_CASE("a zero count from recvmmsg/sendmmsg is not an error", "[udp][batch]") {
  FakeSocket fake;
  DatagramBatch batch(4, 64);
  fake.script = {0};
  auto got = recv_batch(42, batch.for_recv(), fake.calls_for_both());
  REQUIRE(got);
  CHECK(*got == 0);

  fake.script = {0};
  auto sent = send_batch(42, batch.prefix(4), fake.calls_for_both());
  REQUIRE(sent);
  CHECK(*sent == 0);

  fake.script = {2, 0};  // partial, then 0: the 2 are kept, nothing fails
  sent = send_batch(42, batch.prefix(4), fake.calls_for_both());
  REQUIRE(sent);
  CHECK(*sent == 2);
}

namespace {

// A UDP socket bound to 127.0.0.1 on an ephemeral port; its address in *addr.
int loopback_udp(SocketAddr* addr) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  addr->len = sizeof addr->ss;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr->ss), &addr->len) == 0);
  return fd;
}

}  // namespace

TEST_CASE("GRO: a GSO send over loopback arrives as one slot that splits into its datagrams",
          "[udp][batch][gro]") {
  SocketAddr to, from;
  int rx = loopback_udp(&to), tx = loopback_udp(&from);
  if (!udp_gso_supported(tx) || !udp_gro_enable(rx)) {
    ::close(rx);
    ::close(tx);
    SKIP("this kernel has no UDP GSO or GRO");
  }
  // 5 datagrams of 1000 bytes and a short one of 300, each filled with its index.
  std::vector<std::byte> sent(5 * 1000 + 300);
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = std::byte(i / 1000);
  auto n = send_gso(tx, sent, 1000, &to);
  REQUIRE(n);
  REQUIRE(*n == sent.size());

  DatagramBatch batch(2, kGroMaxBytes, true);
  std::size_t got = 0;
  for (int tries = 0; got == 0 && tries < 1000; ++tries) {  // a loopback send is queued at once
    auto r = recv_batch(rx, batch.for_recv());
    REQUIRE(r);
    got = *r;
  }
  REQUIRE(got >= 1);
  std::vector<std::size_t> sizes;
  std::vector<std::byte> joined;
  for (std::size_t i = 0; i < got; ++i) {
    REQUIRE(batch.segment_size(i) > 0);
    CHECK(batch.each_datagram(i, [&](std::span<const std::byte> pkt) {
      sizes.push_back(pkt.size());
      joined.insert(joined.end(), pkt.begin(), pkt.end());
      return true;
    }));
  }
  CHECK(sizes == std::vector<std::size_t>{1000, 1000, 1000, 1000, 1000, 300});
  CHECK(joined == sent);

  // Without GRO the same send arrives as six datagrams, one per slot.
  SocketAddr plain_addr;
  int plain = loopback_udp(&plain_addr);
  REQUIRE(send_gso(tx, sent, 1000, &plain_addr));
  DatagramBatch slots(8, 2048);
  std::size_t plain_got = 0;
  for (int tries = 0; plain_got < 6 && tries < 1000; ++tries) {
    auto r = recv_batch(plain, slots.for_recv().subspan(plain_got));
    REQUIRE(r);
    plain_got += *r;
  }
  CHECK(plain_got == 6);
  CHECK(slots.segment_size(5) == 300);
  ::close(plain);
  ::close(rx);
  ::close(tx);
}
