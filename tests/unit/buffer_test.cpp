#include "core/util/buffer.hpp"

#include <catch2/catch_test_macros.hpp>
#include <cstring>
#include <span>
#include <string>

using sluice::ChainBuffer;
using sluice::kBlockSize;

namespace {

// Bytes that differ from position to position, so a misplaced block shows.
std::string pattern(std::size_t n, std::size_t seed = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

// Everything queued, in order, read through peek().
std::string contents(const ChainBuffer& b) {
  iovec iov[64];
  int n = b.peek(iov, 64);
  std::string out;
  for (int i = 0; i < n; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}

// Everything queued, in order, read through front()/consume() (drains b).
std::string drain(ChainBuffer& b) {
  std::string out;
  while (!b.empty()) {
    auto f = b.front();
    REQUIRE_FALSE(f.empty());
    out.append(f);
    b.consume(f.size());
  }
  return out;
}

}  // namespace

TEST_CASE("ChainBuffer: starts empty", "[buffer]") {
  ChainBuffer b;
  CHECK(b.empty());
  CHECK(b.size() == 0);
  CHECK(b.front().empty());
  iovec iov[4];
  CHECK(b.peek(iov, 4) == 0);
  b.consume(10);  // consuming from an empty buffer is harmless
  CHECK(b.empty());
}

TEST_CASE("ChainBuffer: small appends stay in one block", "[buffer]") {
  ChainBuffer b;
  b.append("hello ");
  b.append(std::string_view("world"));
  CHECK(b.size() == 11);
  CHECK(b.front() == "hello world");
  iovec iov[4];
  CHECK(b.peek(iov, 4) == 1);
  CHECK(contents(b) == "hello world");
}

TEST_CASE("ChainBuffer: appends across block boundaries", "[buffer]") {
  ChainBuffer b;
  const std::string data = pattern(3 * kBlockSize + 123);
  // Uneven pieces so the boundaries fall inside appends.
  std::size_t off = 0;
  const std::size_t pieces[] = {1, kBlockSize - 2, 5, kBlockSize, 2 * kBlockSize};
  for (std::size_t piece : pieces) {
    std::size_t n = std::min(piece, data.size() - off);
    b.append(std::string_view(data).substr(off, n));
    off += n;
  }
  REQUIRE(off == data.size());
  CHECK(b.size() == data.size());
  CHECK(b.front().size() == kBlockSize);

  iovec iov[8];
  CHECK(b.peek(iov, 8) == 4);
  CHECK(contents(b) == data);
  // peek with fewer slots than blocks fills only those.
  CHECK(b.peek(iov, 2) == 2);
  CHECK(iov[0].iov_len + iov[1].iov_len == 2 * kBlockSize);
  CHECK(drain(b) == data);
  CHECK(b.size() == 0);
}

TEST_CASE("ChainBuffer: one large append", "[buffer]") {
  ChainBuffer b;
  const std::string data = pattern(5 * kBlockSize + 1, 3);
  b.append(data);
  CHECK(b.size() == data.size());
  CHECK(contents(b) == data);
}

TEST_CASE("ChainBuffer: byte span append", "[buffer]") {
  ChainBuffer b;
  const std::byte bytes[] = {std::byte{0}, std::byte{0xff}, std::byte{'x'}};
  b.append(std::span<const std::byte>(bytes));
  REQUIRE(b.size() == 3);
  CHECK(b.front() == std::string_view("\0\xffx", 3));
}

TEST_CASE("ChainBuffer: partial consume within and across blocks", "[buffer]") {
  ChainBuffer b;
  const std::string data = pattern(2 * kBlockSize + 10, 5);
  b.append(data);

  b.consume(3);
  CHECK(b.size() == data.size() - 3);
  CHECK(b.front() == std::string_view(data).substr(3, kBlockSize - 3));
  CHECK(contents(b) == data.substr(3));

  // Crosses into the second block.
  b.consume(kBlockSize);
  CHECK(b.size() == data.size() - 3 - kBlockSize);
  CHECK(b.front() == std::string_view(data).substr(kBlockSize + 3, kBlockSize - 3));
  CHECK(contents(b) == data.substr(kBlockSize + 3));

  // Appending after consuming keeps the order.
  b.append("tail");
  CHECK(contents(b) == data.substr(kBlockSize + 3) + "tail");

  // Consuming more than is queued empties the buffer.
  b.consume(10 * kBlockSize);
  CHECK(b.empty());
  CHECK(b.front().empty());
  b.append("again");
  CHECK(contents(b) == "again");
}

TEST_CASE("ChainBuffer: consume exactly a block boundary", "[buffer]") {
  ChainBuffer b;
  const std::string data = pattern(kBlockSize + 7);
  b.append(data);
  b.consume(kBlockSize);
  CHECK(b.size() == 7);
  CHECK(b.front() == data.substr(kBlockSize));
  iovec iov[4];
  CHECK(b.peek(iov, 4) == 1);
}

TEST_CASE("ChainBuffer: tail_room and commit", "[buffer]") {
  ChainBuffer b;
  auto room = b.tail_room();
  REQUIRE(room.size() == kBlockSize);
  std::memcpy(room.data(), "abc", 3);
  b.commit(3);
  CHECK(b.size() == 3);
  CHECK(b.front() == "abc");

  room = b.tail_room();
  CHECK(room.size() == kBlockSize - 3);
  // Fill the block completely, then the next tail_room is a new block.
  std::memset(room.data(), 'x', room.size());
  b.commit(room.size());
  CHECK(b.size() == kBlockSize);
  room = b.tail_room();
  CHECK(room.size() == kBlockSize);
  room[0] = 'y';
  b.commit(1);
  CHECK(b.size() == kBlockSize + 1);
  const std::string all = contents(b);
  CHECK(all.substr(0, 3) == "abc");
  CHECK(all.back() == 'y');
  CHECK(all[kBlockSize - 1] == 'x');
}

TEST_CASE("ChainBuffer: clear", "[buffer]") {
  ChainBuffer b;
  b.append(pattern(3 * kBlockSize));
  b.clear();
  CHECK(b.empty());
  CHECK(b.size() == 0);
  iovec iov[4];
  CHECK(b.peek(iov, 4) == 0);
  // Recycled blocks come back clean.
  b.append("fresh");
  CHECK(contents(b) == "fresh");
}

TEST_CASE("ChainBuffer: move keeps the bytes", "[buffer]") {
  ChainBuffer a;
  const std::string data = pattern(kBlockSize + 50);
  a.append(data);
  ChainBuffer b(std::move(a));
  CHECK(contents(b) == data);
  ChainBuffer c;
  c.append("old");
  c = std::move(b);
  CHECK(c.size() == data.size());
  CHECK(contents(c) == data);
}

TEST_CASE("ChainBuffer: a moved-from buffer is empty and reusable", "[buffer][bug]") {
  // size() must agree with the blocks: the defaulted move leaves size_ behind.
  ChainBuffer a;
  a.append(pattern(100));
  ChainBuffer b(std::move(a));
  CHECK(b.size() == 100);
  CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move): reuse after move is the point
  CHECK(a.empty());
  a.append("xy");
  CHECK(a.size() == 2);
  CHECK(contents(a) == "xy");

  ChainBuffer c;
  c = std::move(b);
  CHECK(b.size() == 0);  // NOLINT(bugprone-use-after-move)
  CHECK(b.empty());
}

TEST_CASE("ChainBuffer: append(ChainBuffer&&) moves blocks; take_all() empties", "[buffer]") {
  sluice::ChainBuffer a, b;
  std::string first(20000, 'a'), second(50000, 'b');
  a.append(first);
  a.consume(100);  // a partly read front block stays partly read
  b.append(second);
  a.append(std::move(b));
  CHECK(b.empty());
  CHECK(b.size() == 0);
  CHECK(a.size() == first.size() - 100 + second.size());
  a.append(std::string_view("tail"));
  std::string all = a.take_all();
  CHECK(all == first.substr(100) + second + "tail");
  CHECK(a.empty());
  CHECK(a.take_all().empty());
}

TEST_CASE("ChainBuffer: headroom lets a full block move out with a prefix, uncopied", "[buffer]") {
  ChainBuffer src, dst;
  src.set_headroom(9);
  std::string body = pattern(kBlockSize * 2, 3);
  src.append(body);
  const std::size_t per_block = kBlockSize - 9;
  REQUIRE(src.front().size() == per_block);
  const char* block_bytes = src.front().data();

  dst.append("head");
  REQUIRE(src.move_front_block(dst, "HDR012345"));
  CHECK(src.size() == body.size() - per_block);
  CHECK(dst.size() == 4 + 9 + per_block);
  CHECK(contents(dst) == "head" + std::string("HDR012345") + body.substr(0, per_block));
  iovec iov[4];
  REQUIRE(dst.peek(iov, 4) == 2);
  CHECK(static_cast<const char*>(iov[1].iov_base) + 9 == block_bytes);  // moved, not copied

  // The next block is full too; the last one is not, and stays.
  REQUIRE(src.move_front_block(dst, "HDR012345"));
  CHECK(src.tail_has_room());
  CHECK_FALSE(src.move_front_block(dst, "HDR012345"));
  CHECK(drain(src) == body.substr(2 * per_block));

  ChainBuffer plain;  // no headroom: nothing to write a prefix into
  plain.append(pattern(kBlockSize));
  CHECK_FALSE(plain.tail_has_room());
  CHECK_FALSE(plain.move_front_block(dst, "x"));
}

TEST_CASE("ChainBuffer: tail_rooms spans blocks for one vectored read, commit_spread keeps order",
          "[buffer]") {
  ChainBuffer b;
  b.append(std::string_view("head"));
  std::span<char> spans[4];
  // The tail block's room comes first, then whole new blocks, capped at max.
  int n = b.tail_rooms(kBlockSize * 2, 1, spans, 4);
  REQUIRE(n == 3);
  CHECK(spans[0].size() == kBlockSize - 4);
  CHECK(spans[1].size() == kBlockSize);
  CHECK(spans[2].size() == 4);
  std::string body = pattern(kBlockSize + 100, 5);  // a short read: the third block stays empty
  std::size_t at = 0;
  for (int i = 0; i < n && at < body.size(); ++i) {
    std::size_t k = std::min(spans[i].size(), body.size() - at);
    std::memcpy(spans[i].data(), body.data() + at, k);
    at += k;
  }
  b.commit_spread(body.size());
  CHECK(b.size() == 4 + body.size());
  CHECK(b.capacity() == 2 * kBlockSize);  // the block left empty was given back
  CHECK(contents(b) == "head" + body);

  // A tail with less room than min_room is passed over, not filled.
  ChainBuffer c;
  c.append(pattern(kBlockSize - 10));
  REQUIRE(c.tail_rooms(100, 11, spans, 4) == 1);
  CHECK(spans[0].size() == 100);
  std::memset(spans[0].data(), 'z', 100);
  c.commit_spread(100);
  CHECK(contents(c) == pattern(kBlockSize - 10) + std::string(100, 'z'));

  // Nothing read: every block it added goes back.
  ChainBuffer d;
  d.append(std::string_view("x"));
  REQUIRE(d.tail_rooms(kBlockSize * 3, 1, spans, 4) == 4);
  d.commit_spread(0);
  CHECK(d.capacity() == kBlockSize);
  CHECK(contents(d) == "x");
}
