// sendmmsg/recvmmsg helpers (core/net/udp_batch) against a fake socket: a
// partial batch followed by an error keeps the partial batch; a count of 0 is
// not an error; an error is reported only when nothing was transferred.
#include "core/net/udp_batch.hpp"

#include <catch2/catch_test_macros.hpp>
#include <cerrno>
#include <deque>

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
