// The server's reading of a client's HTTP/3 unidirectional streams and of
// frame headers (core/h3/peer_streams.*, core/h3/h3_frame.hpp): what RFC 9114
// 6.2 and 7 and RFC 9204 4.2 make a connection error, and what they let pass.
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <vector>

#include "core/h3/h3_frame.hpp"
#include "core/h3/peer_streams.hpp"

using sluice::h3::PeerStreams;
namespace err = sluice::h3::h3err;
using Bytes = std::vector<uint8_t>;

namespace {

uint64_t feed(PeerStreams& p, int64_t id, const Bytes& b, bool fin = false) {
  return p.receive(id, b, fin).error;
}

// A control stream's opening: type 0, then an empty SETTINGS frame.
const Bytes kControlStart{0x00, 0x04, 0x00};

}  // namespace

TEST_CASE("h3 varints: every length round-trips, and a split one waits", "[h3]") {
  for (uint64_t v :
       {0ull, 63ull, 64ull, 16383ull, 16384ull, (1ull << 30) - 1, 1ull << 30, (1ull << 62) - 1}) {
    uint8_t buf[8];
    uint8_t* end = sluice::h3::put_varint(buf, v);
    std::size_t n = static_cast<std::size_t>(end - buf);
    CHECK(n == sluice::h3::varint_size(v));
    uint64_t back = 0;
    CHECK(sluice::h3::get_varint({buf, n}, back) == n);
    CHECK(back == v);
    if (n > 1) CHECK(sluice::h3::get_varint({buf, n - 1}, back) == 0);
  }
}

TEST_CASE("h3 frame headers arrive whole or byte by byte", "[h3]") {
  Bytes header{0x40, 0x01, 0x7f, 0xff};  // type 1 in two bytes, length 16383 in two
  sluice::h3::FrameHeader whole;
  std::span<const uint8_t> in(header);
  REQUIRE(whole.feed(in));
  CHECK(whole.type() == 1);
  CHECK(whole.length() == 16383);
  CHECK(in.empty());
  sluice::h3::FrameHeader split;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::span<const uint8_t> one(&header[i], 1);
    CHECK(split.feed(one) == (i + 1 == header.size()));
    CHECK(one.empty());
  }
  CHECK(split.type() == 1);
  CHECK(split.length() == 16383);
}

TEST_CASE("h3 control stream: SETTINGS first, once, and without HTTP/2's settings", "[h3]") {
  PeerStreams ok;
  CHECK(feed(ok, 2, {0x00, 0x04, 0x04, 0x01, 0x00, 0x07, 0x00}) == 0);  // two settings
  CHECK(feed(ok, 2, {0x07, 0x01, 0x00}) == 0);                          // GOAWAY 0
  CHECK(feed(ok, 2, {0x21, 0x02, 0xaa, 0xbb}) == 0);                    // a reserved frame
  CHECK(feed(ok, 2, {0x04, 0x00}) == err::kFrameUnexpected);            // SETTINGS again

  PeerStreams missing;
  CHECK(feed(missing, 2, {0x00, 0x07, 0x01, 0x00}) == err::kMissingSettings);
  PeerStreams h2_setting;
  CHECK(feed(h2_setting, 2, {0x00, 0x04, 0x02, 0x02, 0x00}) == err::kSettings);
  PeerStreams twice;
  CHECK(feed(twice, 2, {0x00, 0x04, 0x04, 0x01, 0x00, 0x01, 0x00}) == err::kSettings);
  PeerStreams data;
  CHECK(feed(data, 2, kControlStart) == 0);
  CHECK(feed(data, 2, {0x00, 0x00}) == err::kFrameUnexpected);  // DATA
  PeerStreams h2_frame;
  CHECK(feed(h2_frame, 2, kControlStart) == 0);
  CHECK(feed(h2_frame, 2, {0x06, 0x00}) == err::kFrameUnexpected);  // HTTP/2's PING
  PeerStreams bad_goaway;
  CHECK(feed(bad_goaway, 2, kControlStart) == 0);
  CHECK(feed(bad_goaway, 2, {0x07, 0x02, 0x00, 0x00}) == err::kFrame);  // a varint and junk
}

TEST_CASE("h3 control stream: byte by byte, as it may arrive", "[h3]") {
  PeerStreams p;
  Bytes all{0x00, 0x04, 0x03, 0x06, 0x40, 0x64, 0x07, 0x01};  // a setting, GOAWAY's head
  for (uint8_t b : all) CHECK(feed(p, 2, {b}) == 0);
  CHECK(feed(p, 2, {0x04}) == 0);                      // GOAWAY's ID
  CHECK(feed(p, 2, {0x00}) == 0);                      // DATA's type: not yet a header
  CHECK(feed(p, 2, {0x00}) == err::kFrameUnexpected);  // its length: now it is
}

TEST_CASE("h3 critical streams: closing or resetting one ends the connection", "[h3]") {
  PeerStreams fin;
  CHECK(feed(fin, 2, kControlStart, true) == err::kClosedCriticalStream);
  PeerStreams reset;
  CHECK(feed(reset, 6, {0x02}) == 0);  // QPACK encoder
  CHECK(reset.reset(6).error == err::kClosedCriticalStream);
  PeerStreams second;
  CHECK(feed(second, 2, kControlStart) == 0);
  CHECK(feed(second, 6, {0x00}) == err::kStreamCreation);  // a second control stream
}

TEST_CASE("h3 QPACK streams at table capacity 0", "[h3]") {
  PeerStreams p;
  CHECK(feed(p, 6, {0x02, 0x20}) == 0);                               // encoder: capacity 0
  CHECK(feed(p, 6, {0x3f, 0xe1, 0x1f}) == err::kQpackEncoderStream);  // capacity 4096
  PeerStreams d;
  CHECK(feed(d, 10, {0x03, 0x44, 0x7f, 0x80, 0x01}) == 0);  // two stream cancellations
  CHECK(feed(d, 10, {0x81}) == err::kQpackDecoderStream);   // a section acknowledgment
  PeerStreams i;
  CHECK(feed(i, 10, {0x03, 0x01}) == err::kQpackDecoderStream);  // an insert count increment
}

TEST_CASE("h3 other unidirectional streams: push is an error, unknown types are dropped", "[h3]") {
  PeerStreams push;
  CHECK(feed(push, 2, {0x01}) == err::kStreamCreation);
  PeerStreams grease;
  auto v = grease.receive(2, Bytes{0x40, 0x21, 0xde, 0xad}, false);  // type 0x21, split-able
  CHECK(v.error == 0);
  CHECK(v.stop_reading);
  PeerStreams split;
  CHECK(feed(split, 2, {0x40}) == 0);  // half a two-byte type
  auto w = split.receive(2, Bytes{0x21}, false);
  CHECK(w.stop_reading);
}

TEST_CASE("h3 control stream: MAX_PUSH_ID never goes down, GOAWAY's ID never up", "[h3]") {
  PeerStreams push;
  CHECK(feed(push, 2, kControlStart) == 0);
  CHECK(feed(push, 2, {0x0d, 0x01, 0x05}) == 0);  // MAX_PUSH_ID 5
  CHECK(feed(push, 2, {0x0d, 0x01, 0x05}) == 0);  // 5 again
  CHECK(feed(push, 2, {0x0d, 0x01, 0x09}) == 0);  // 9
  CHECK(feed(push, 2, {0x0d, 0x01, 0x04}) == err::kIdError);
  PeerStreams goaway;
  CHECK(feed(goaway, 2, kControlStart) == 0);
  CHECK(feed(goaway, 2, {0x07, 0x01, 0x08}) == 0);  // GOAWAY 8
  CHECK(feed(goaway, 2, {0x07, 0x01, 0x04}) == 0);  // 4
  CHECK(feed(goaway, 2, {0x07, 0x01, 0x06}) == err::kIdError);
}

TEST_CASE("h3 control stream read by the client: the server's GOAWAY, and no push", "[h3]") {
  PeerStreams goaway(true);
  CHECK(feed(goaway, 3, kControlStart) == 0);
  CHECK_FALSE(goaway.goaway_id());
  CHECK(feed(goaway, 3, {0x07, 0x01, 0x08}) == 0);  // GOAWAY: request stream 8 on is refused
  CHECK(goaway.goaway_id() == 8u);
  CHECK(feed(goaway, 3, {0x07, 0x01, 0x04}) == 0);  // down to 4
  CHECK(goaway.goaway_id() == 4u);
  CHECK(feed(goaway, 3, {0x07, 0x01, 0x08}) == err::kIdError);  // never up
  PeerStreams odd(true);
  CHECK(feed(odd, 3, kControlStart) == 0);
  CHECK(feed(odd, 3, {0x07, 0x01, 0x05}) == err::kIdError);  // not a request stream's ID
  PeerStreams max_push(true);
  CHECK(feed(max_push, 3, kControlStart) == 0);
  CHECK(feed(max_push, 3, {0x0d, 0x01, 0x05}) == err::kFrameUnexpected);  // a client's frame
  PeerStreams cancel(true);
  CHECK(feed(cancel, 3, kControlStart) == 0);
  CHECK(feed(cancel, 3, {0x03, 0x01, 0x00}) == err::kIdError);  // no push was allowed
  PeerStreams push(true);
  CHECK(feed(push, 3, {0x01}) == err::kIdError);  // a push stream, with no MAX_PUSH_ID sent
}
