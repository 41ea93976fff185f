// HPACK (core/h2/huffman, hpack_*): the Huffman code against RFC 7541's
// listed codes, and the encoder and decoder against nghttp2's, in both
// directions, over many blocks with the dynamic table churning.
#include <nghttp2/nghttp2.h>

#include <catch2/catch_test_macros.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/h2/hpack_decoder.hpp"
#include "core/h2/hpack_encoder.hpp"
#include "core/h2/hpack_static.hpp"
#include "core/h2/huffman.hpp"

using namespace sluice::hpack;
using FieldList = std::vector<std::pair<std::string, std::string>>;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (hex[i] == ' ') {
      --i;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string huff(std::string_view s) {
  std::string out;
  huffman_encode(s, out);
  return out;
}

// Random fields from small pools, so that blocks repeat fields (indexed),
// share names (name references) and bring new ones (literals, evictions).
FieldList random_fields(std::mt19937& rng) {
  static const std::vector<std::string> names = {
      ":status",        ":path",
      "content-type",   "date",
      "etag",           "x-custom",
      "set-cookie",     "server",
      "content-length", "x-a-rather-long-header-name-that-is-never-in-a-table"};
  std::vector<std::string> values = {"", "200", "/", "text/html", "gzip, deflate", "1234"};
  FieldList out;
  int n = std::uniform_int_distribution<int>(0, 12)(rng);
  for (int i = 0; i < n; ++i) {
    std::string value;
    if (rng() % 3 == 0) {
      value = values[rng() % values.size()];
    } else {
      int len = std::uniform_int_distribution<int>(0, rng() % 8 == 0 ? 1500 : 40)(rng);
      for (int k = 0; k < len; ++k)
        value += static_cast<char>(rng() % 4 ? 'a' + rng() % 26 : rng());
    }
    out.emplace_back(names[rng() % names.size()], value);
  }
  return out;
}

FieldList decode_all(Decoder& dec, std::string_view block, bool& ok) {
  FieldList out;
  dec.begin(block);
  Field f;
  Decoder::Step step;
  while ((step = dec.next(f)) == Decoder::Step::field)
    out.emplace_back(std::string(f.name), std::string(f.value));
  ok = step == Decoder::Step::done;
  return out;
}

bool decodes(std::string_view block) {
  Decoder dec;
  bool ok = false;
  decode_all(dec, block, ok);
  return ok;
}

}  // namespace

TEST_CASE("Huffman codes are RFC 7541's", "[unit][hpack]") {
  // Appendix C.4.1 and C.4.2.
  CHECK(huff("www.example.com") == unhex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"));
  CHECK(huff("no-cache") == unhex("a8eb 1064 9cbf"));
  // Single symbols from Appendix B, padded with ones: '0' 00000 (5 bits),
  // 'a' 00011, ' ' 010100 (6), 0x00 1111111111000 (13).
  CHECK(huff("0") == unhex("07"));
  CHECK(huff("a") == unhex("1f"));
  CHECK(huff(" ") == unhex("53"));
  CHECK(huff(std::string(1, '\0')) == unhex("ffc7"));
  // 0xff: 11111111111111111111101110 (26 bits).
  CHECK(huff("\xff") == unhex("ffff fbbf"));
  CHECK(huffman_size("www.example.com") == 12);
}

TEST_CASE("Huffman decoding inverts encoding for every byte", "[unit][hpack]") {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  std::mt19937 rng(7);
  std::vector<std::string> inputs = {"", all, "www.example.com"};
  for (int i = 0; i < 300; ++i) {
    std::string s;
    for (int k = rng() % 64; k > 0; --k) s += static_cast<char>(rng());
    inputs.push_back(s);
  }
  for (const auto& s : inputs) {
    std::string coded = huff(s), back;
    REQUIRE(coded.size() == huffman_size(s));
    REQUIRE(huffman_decode(coded, back));
    REQUIRE(back == s);
  }
}

TEST_CASE("Huffman decoding refuses EOS, long padding and padding that is not ones",
          "[unit][hpack]") {
  std::string out;
  CHECK_FALSE(huffman_decode(unhex("ffff ffff"), out));  // EOS (30 ones) in the string
  CHECK_FALSE(huffman_decode(huff("a") + "\xff", out));  // 8 bits of padding
  CHECK_FALSE(huffman_decode(unhex("18"), out));         // 'a' then 000: not the EOS prefix
  out.clear();
  CHECK(huffman_decode(unhex("1f"), out));
  CHECK(out == "a");
}

TEST_CASE("HPACK static table lookups find every entry", "[unit][hpack]") {
  for (std::size_t i = 1; i <= kStaticEntries; ++i) {
    const Field& f = static_entry(i);
    StaticMatch m = static_find(f.name, f.value);
    INFO(i << " " << f.name << ": " << f.value);
    CHECK(m.full == i);
    CHECK(static_entry(m.name).name == f.name);
    CHECK((m.name == 1 || static_entry(m.name - 1).name != f.name));
  }
  CHECK(static_entry(8).name == ":status");
  CHECK(static_entry(8).value == "200");
  CHECK(static_entry(61).name == "www-authenticate");
  CHECK(static_find("x-nope", "").name == 0);
  CHECK(static_find("etag", "\"abc\"").full == 0);
  CHECK(static_find("etag", "\"abc\"").name == 34);
}

TEST_CASE("HPACK decoder reads RFC 7541's request examples with a shared table", "[unit][hpack]") {
  Decoder dec;
  bool ok = false;
  // C.4.1 to C.4.3: three requests, Huffman-coded, over one connection.
  auto first = decode_all(dec, unhex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"), ok);
  CHECK(ok);
  CHECK(first == FieldList{{":method", "GET"},
                           {":scheme", "http"},
                           {":path", "/"},
                           {":authority", "www.example.com"}});
  auto second = decode_all(dec, unhex("8286 84be 5886 a8eb 1064 9cbf"), ok);
  CHECK(ok);
  CHECK(second == FieldList{{":method", "GET"},
                            {":scheme", "http"},
                            {":path", "/"},
                            {":authority", "www.example.com"},
                            {"cache-control", "no-cache"}});
  auto third =
      decode_all(dec, unhex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"), ok);
  CHECK(ok);
  CHECK(third == FieldList{{":method", "GET"},
                           {":scheme", "https"},
                           {":path", "/index.html"},
                           {":authority", "www.example.com"},
                           {"custom-key", "custom-value"}});
  CHECK(dec.table().size() == 164);  // as the RFC says after C.4.3
}

TEST_CASE("HPACK decoder refuses malformed blocks", "[unit][hpack]") {
  CHECK_FALSE(decodes(unhex("80")));                       // index 0
  CHECK_FALSE(decodes(unhex("be")));                       // index 62: the dynamic table is empty
  CHECK_FALSE(decodes(unhex("82 3f e1 1f")));              // a size update after a field
  CHECK_FALSE(decodes(unhex("3f e2 1f")));                 // a size update over 4096
  CHECK_FALSE(decodes(unhex("ff")));                       // an integer cut short
  CHECK_FALSE(decodes(unhex("ff ff ff ff ff ff ff 7f")));  // an integer past 2^32
  CHECK_FALSE(decodes(unhex("40 05 61")));                 // a name longer than the block
  CHECK_FALSE(decodes(unhex("40 81 ff 01 61")));           // a Huffman name with 8 bits of padding
  CHECK(decodes(unhex("3f e1 1f 82")));                    // a size update to 4096, then a field
  CHECK(decodes(""));
}

TEST_CASE("HPACK encoder output decodes in nghttp2, the table churning", "[unit][hpack]") {
  nghttp2_hd_inflater* inflater = nullptr;
  REQUIRE(nghttp2_hd_inflate_new(&inflater) == 0);
  Encoder enc;
  std::mt19937 rng(11);
  std::size_t total = 0, indexed_bytes = 0;
  for (int block = 0; block < 2000; ++block) {
    if (block % 300 == 150) {  // the peer shrinks, then restores, its table
      std::size_t limit = rng() % 2 ? 0 : 256;
      enc.set_peer_limit(limit);
      nghttp2_hd_inflate_change_table_size(inflater, limit);
      if (rng() % 2) {
        enc.set_peer_limit(4096);
        nghttp2_hd_inflate_change_table_size(inflater, 4096);
      }
    }
    FieldList fields = random_fields(rng);
    std::string out;
    enc.begin(out);
    for (const auto& [n, v] : fields) {
      auto how = rng() % 5 == 0 ? Encoder::Index::no : Encoder::Index::yes;
      enc.field(out, n, v, how);
    }
    total += out.size();
    FieldList got;
    auto* in = reinterpret_cast<const uint8_t*>(out.data());
    std::size_t left = out.size();
    for (;;) {
      nghttp2_nv nv;
      int flags = 0;
      ssize_t used = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, left, 1);
      REQUIRE(used >= 0);
      in += used;
      left -= static_cast<std::size_t>(used);
      if (flags & NGHTTP2_HD_INFLATE_EMIT)
        got.emplace_back(std::string(reinterpret_cast<char*>(nv.name), nv.namelen),
                         std::string(reinterpret_cast<char*>(nv.value), nv.valuelen));
      if (flags & NGHTTP2_HD_INFLATE_FINAL) break;
      REQUIRE((left > 0 || (flags & NGHTTP2_HD_INFLATE_EMIT)));
    }
    nghttp2_hd_inflate_end_headers(inflater);
    REQUIRE(got == fields);
    indexed_bytes += fields.size();
  }
  nghttp2_hd_inflate_del(inflater);
  CHECK(total > 0);
  // Upper-case names go out lower-cased.
  std::string out;
  Encoder fresh;
  fresh.field(out, "Content-Type", "text/plain");
  Decoder dec;
  bool ok = false;
  CHECK(decode_all(dec, out, ok) == FieldList{{"content-type", "text/plain"}});
  (void)indexed_bytes;
}

TEST_CASE("HPACK encoder refers to repeated fields by index", "[unit][hpack]") {
  Encoder enc;
  std::string first, second;
  enc.field(first, ":status", "200");
  enc.field(first, "date", "Sat, 05 Dec 2026 07:00:00 GMT");
  enc.field(first, "etag", "\"5f3a-14\"");
  CHECK(first.size() > 20);
  enc.field(second, ":status", "200");
  enc.field(second, "date", "Sat, 05 Dec 2026 07:00:00 GMT");
  enc.field(second, "etag", "\"5f3a-14\"");
  CHECK(second.size() == 3);  // one byte each
  Decoder dec;
  bool ok = false;
  decode_all(dec, first, ok);
  CHECK(ok);
  auto again = decode_all(dec, second, ok);
  CHECK(ok);
  CHECK(again[2] == std::pair<std::string, std::string>{"etag", "\"5f3a-14\""});
}

TEST_CASE("HPACK decoder reads nghttp2's blocks, size updates included", "[unit][hpack]") {
  nghttp2_hd_deflater* deflater = nullptr;
  REQUIRE(nghttp2_hd_deflate_new(&deflater, 4096) == 0);
  Decoder dec;
  std::mt19937 rng(13);
  for (int block = 0; block < 2000; ++block) {
    if (block % 250 == 100) nghttp2_hd_deflate_change_table_size(deflater, rng() % 4096);
    FieldList fields = random_fields(rng);
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : fields)
      nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                     n.size(), v.size(),
                     static_cast<uint8_t>(rng() % 7 == 0 ? NGHTTP2_NV_FLAG_NO_INDEX : 0)});
    std::string buf(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()), '\0');
    ssize_t n = nghttp2_hd_deflate_hd(deflater, reinterpret_cast<uint8_t*>(buf.data()), buf.size(),
                                      nva.data(), nva.size());
    REQUIRE(n >= 0);
    buf.resize(static_cast<std::size_t>(n));
    bool ok = false;
    REQUIRE(decode_all(dec, buf, ok) == fields);
    REQUIRE(ok);
  }
  nghttp2_hd_deflate_del(deflater);
}
