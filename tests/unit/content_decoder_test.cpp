// Content decoding for `get --compressed`: every coding, fed in every
// chunking and drained through a consumer that keeps running out of room,
// gives back exactly the original bytes and knows where the coded body ends.
#include "core/http/content_decoder.hpp"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <string>

#include "core/fetch/body_decoder.hpp"

using sluice::make_content_decoder;
using sluice::fetch::BodyDecoder;

namespace {

std::string zlib_encode(const std::string& in, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string encode(const std::string& coding, const std::string& in) {
  if (coding == "gzip") return zlib_encode(in, 16 + MAX_WBITS);
  if (coding == "deflate") return zlib_encode(in, MAX_WBITS);
  if (coding == "raw-deflate") return zlib_encode(in, -MAX_WBITS);
  if (coding == "br") {
    std::string out(BrotliEncoderMaxCompressedSize(in.size()) + 64, '\0');
    std::size_t n = out.size();
    REQUIRE(BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, in.size(),
                                  reinterpret_cast<const uint8_t*>(in.data()), &n,
                                  reinterpret_cast<uint8_t*>(out.data())));
    out.resize(n);
    return out;
  }
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

// Highly compressible, but not trivially: every decoder has to fill many
// output chunks from little input.
std::string sample(std::size_t n) {
  std::string s;
  uint32_t x = 12345;
  while (s.size() < n) {
    x = x * 1103515245 + 12345;
    s += "line " + std::to_string(x % 1000) + " of the sample text\n";
  }
  s.resize(n);
  return s;
}

// Feeds `coded` in pieces of `piece` bytes, with a consumer that has room for
// only `room_calls` chunks between drains; returns what came out.
std::string decode_all(const std::string& coding, const std::string& coded, std::size_t piece,
                       int room_calls, bool& complete) {
  BodyDecoder d(make_content_decoder(coding == "raw-deflate" ? "deflate" : coding));
  std::string out;
  int room = room_calls;
  auto has_room = [&] { return room-- > 0; };
  auto emit = [&](std::string_view s) {
    out += s;
    return true;
  };
  for (std::size_t at = 0; at < coded.size(); at += piece) {
    d.add({coded.data() + at, std::min(piece, coded.size() - at)});
    do {
      room = room_calls;  // the consumer drained: room again
      REQUIRE(d.pump(has_room, emit));
    } while (!d.idle());
  }
  complete = d.complete();
  return out;
}

}  // namespace

TEST_CASE("content decoders: byte-exact whatever the chunking and the consumer's room",
          "[compressed]") {
  auto coding = GENERATE(as<std::string>{}, "gzip", "deflate", "raw-deflate", "br", "zstd");
  auto piece = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{1} << 30);
  std::string plain = sample(1'000'000);
  std::string coded = encode(coding, plain);
  INFO(coding << " in pieces of " << piece << " (" << coded.size() << " coded bytes)");
  for (int room : {1, 3, 1000}) {
    bool complete = false;
    CHECK(decode_all(coding, coded, piece, room, complete) == plain);
    CHECK(complete);
  }
}

TEST_CASE("content decoders: a cut, corrupt or unknown body is told apart", "[compressed]") {
  std::string plain = sample(100'000);
  for (std::string coding : {"gzip", "deflate", "br", "zstd"}) {
    INFO(coding);
    std::string coded = encode(coding, plain);
    bool complete = true;
    std::string cut = coded.substr(0, coded.size() / 2);
    decode_all(coding, cut, 4096, 1000, complete);
    CHECK_FALSE(complete);  // the caller reports a truncated body

    BodyDecoder bad(make_content_decoder(coding));
    std::string garbage(4096, '\x55');
    bad.add(garbage);
    auto r = bad.pump([] { return true; }, [](std::string_view) { return true; });
    CHECK_FALSE(r);
    if (!r) CHECK(r.error().code == sluice::Errc::bad_encoding);
  }
  CHECK(make_content_decoder("compress") == nullptr);
  CHECK(make_content_decoder("GZip") != nullptr);
  CHECK(make_content_decoder("x-gzip") != nullptr);
  BodyDecoder empty(make_content_decoder("gzip"));  // a HEAD or 204: nothing to decode
  CHECK(empty.complete());
}

TEST_CASE("content decoders: zstd takes RFC 8878 frames, concatenated and skippable, only",
          "[compressed]") {
  std::string a = sample(50'000), b = sample(30'000);
  // A skippable frame: magic 0x184D2A5?, a 4-byte size, that many bytes.
  std::string skippable("\x5A\x2A\x4D\x18\x03\x00\x00\x00xyz", 11);
  std::string coded = encode("zstd", a) + skippable + encode("zstd", b);
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, coded.size()}) {
    INFO("pieces of " << piece);
    bool complete = false;
    CHECK(decode_all("zstd", coded, piece, 3, complete) == a + b);
    CHECK(complete);
  }
  // A pre-1.0 ("legacy") zstd frame: libzstd would take one whose magic
  // number came in one read but not one split across reads. Neither is
  // RFC 8878's, so both fail alike.
  std::string legacy("\x26\xb5\x2f\xfd\x04\x20\xea", 7);
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, legacy.size()}) {
    INFO("legacy frame in pieces of " << piece);
    BodyDecoder d(make_content_decoder("zstd"));
    bool ok = true;
    for (std::size_t at = 0; at < legacy.size() && ok; at += piece) {
      d.add(legacy.substr(at, piece));
      ok = d.pump([] { return true; }, [](std::string_view) { return true; }).has_value();
    }
    CHECK_FALSE(ok);
  }
}
