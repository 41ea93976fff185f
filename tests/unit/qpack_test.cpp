// The server's own QPACK (core/h3/qpack.*), checked against nghttp3's, the
// library every HTTP/3 client we meet (curl, ngtcp2's examples, sluice get)
// encodes with: what one encodes the other must decode to the same fields.
#include "core/h3/qpack.hpp"

#include <nghttp3/nghttp3.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/h1/http_date.hpp"

using sluice::qpack::Decoder;
using Fields = std::vector<std::pair<std::string, std::string>>;

namespace {

// nghttp3's encoder with no dynamic table (what our SETTINGS allow).
std::string nghttp3_encode(const Fields& fields) {
  const nghttp3_mem* mem = nghttp3_mem_default();
  nghttp3_qpack_encoder* enc = nullptr;
  REQUIRE(nghttp3_qpack_encoder_new(&enc, 0, mem) == 0);
  std::vector<nghttp3_nv> nva;
  for (const auto& [n, v] : fields)
    nva.push_back({reinterpret_cast<const uint8_t*>(n.data()),
                   reinterpret_cast<const uint8_t*>(v.data()), n.size(), v.size(),
                   NGHTTP3_NV_FLAG_NONE});
  nghttp3_buf pbuf, rbuf, ebuf;
  nghttp3_buf_init(&pbuf);
  nghttp3_buf_init(&rbuf);
  nghttp3_buf_init(&ebuf);
  REQUIRE(nghttp3_qpack_encoder_encode(enc, &pbuf, &rbuf, &ebuf, 0, nva.data(), nva.size()) == 0);
  CHECK(nghttp3_buf_len(&ebuf) == 0);  // nothing for the encoder stream
  std::string out(reinterpret_cast<const char*>(pbuf.pos), nghttp3_buf_len(&pbuf));
  out.append(reinterpret_cast<const char*>(rbuf.pos), nghttp3_buf_len(&rbuf));
  nghttp3_buf_free(&pbuf, mem);
  nghttp3_buf_free(&rbuf, mem);
  nghttp3_buf_free(&ebuf, mem);
  nghttp3_qpack_encoder_del(enc);
  return out;
}

// nghttp3's decoder, with no dynamic table either.
Fields nghttp3_decode(const std::string& section) {
  const nghttp3_mem* mem = nghttp3_mem_default();
  nghttp3_qpack_decoder* dec = nullptr;
  nghttp3_qpack_stream_context* sctx = nullptr;
  REQUIRE(nghttp3_qpack_decoder_new(&dec, 0, 0, mem) == 0);
  REQUIRE(nghttp3_qpack_stream_context_new(&sctx, 0, mem) == 0);
  Fields out;
  auto* p = reinterpret_cast<const uint8_t*>(section.data());
  std::size_t left = section.size();
  for (;;) {
    nghttp3_qpack_nv nv;
    uint8_t flags = 0;
    nghttp3_ssize n = nghttp3_qpack_decoder_read_request(dec, sctx, &nv, &flags, p, left, 1);
    REQUIRE(n >= 0);
    p += n;
    left -= static_cast<std::size_t>(n);
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
      auto view = [](nghttp3_rcbuf* b) {
        nghttp3_vec v = nghttp3_rcbuf_get_buf(b);
        return std::string(reinterpret_cast<const char*>(v.base), v.len);
      };
      out.emplace_back(view(nv.name), view(nv.value));
      nghttp3_rcbuf_decref(nv.name);
      nghttp3_rcbuf_decref(nv.value);
    }
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL) break;
    REQUIRE(n > 0);
  }
  nghttp3_qpack_stream_context_del(sctx);
  nghttp3_qpack_decoder_del(dec);
  return out;
}

Fields ours_decode(const std::string& section, bool* failed = nullptr) {
  Decoder dec;
  Fields out;
  if (!dec.begin(section)) {
    if (failed) *failed = true;
    return out;
  }
  sluice::qpack::Field f;
  Decoder::Step step;
  while ((step = dec.next(f)) == Decoder::Step::field) out.emplace_back(f.name, f.value);
  if (failed) *failed = step == Decoder::Step::error;
  return out;
}

std::string ours_encode(const Fields& fields) {
  std::string out;
  sluice::qpack::begin_section(out);
  for (const auto& [n, v] : fields) sluice::qpack::encode_field(out, n, v);
  return out;
}

Fields static_table() {
  Fields all;
  for (std::size_t i = 0; i < sluice::qpack::kStaticEntries; ++i) {
    const auto& e = sluice::qpack::static_entry(i);
    all.emplace_back(e.name, e.value);
  }
  return all;
}

}  // namespace

TEST_CASE("qpack: every static entry, as nghttp3 indexes it, decodes to itself", "[qpack]") {
  for (const auto& field : static_table()) {
    Fields one{field};
    std::string section = nghttp3_encode(one);
    INFO(field.first << ": " << field.second);
    // The prefix and one indexed line: nghttp3 found it. (It sends
    // authorization as a never-indexed literal with a name reference.)
    if (field.first != "authorization") CHECK(section.size() <= 4);
    CHECK(ours_decode(section) == one);
  }
}

TEST_CASE("qpack: nghttp3's literals, Huffman-coded or not, decode to the same fields", "[qpack]") {
  Fields request{{":method", "GET"},
                 {":scheme", "https"},
                 {":authority", "example.com:8443"},
                 {":path", "/bytes/100?seed=7"},
                 {"user-agent", "curl/8.14.1"},
                 {"accept", "*/*"},
                 {"x-custom-header", "a value with spaces, commas; and = signs"},
                 {"content-type", "application/octet-stream"},
                 {"cookie", std::string(300, 'z')},
                 {"x-empty", ""}};
  CHECK(ours_decode(nghttp3_encode(request)) == request);
}

TEST_CASE("qpack: what we encode, nghttp3 decodes to the same fields", "[qpack]") {
  Fields all = static_table();
  all.emplace_back("content-type", "text/plain; charset=latin1");
  all.emplace_back("x-not-in-the-table", "value");
  all.emplace_back("server", "sluice");
  all.emplace_back("content-length", "1234567890123");
  all.emplace_back("x-long", std::string(5000, 'v'));  // multi-byte lengths
  CHECK(nghttp3_decode(ours_encode(all)) == all);
  Fields one{{"date", "Sat, 05 Dec 2026 16:00:00 GMT"}};
  CHECK(ours_encode(one).size() == 2 + 2 + one[0].second.size());  // a name reference
}

TEST_CASE("qpack: every status code, indexed or literal, decodes as :status", "[qpack]") {
  for (int code = 100; code <= 599; ++code) {
    std::string section;
    sluice::qpack::begin_section(section);
    sluice::qpack::encode_status(section, code);
    Fields want{{":status", std::to_string(code)}};
    INFO(code);
    REQUIRE(nghttp3_decode(section) == want);
  }
  std::string ok;
  sluice::qpack::begin_section(ok);
  sluice::qpack::encode_status(ok, 200);
  CHECK(ok.size() == 3);  // one byte: static index 25
}

TEST_CASE("qpack: content-length by its static entry decodes as the length", "[qpack]") {
  for (uint64_t n : {uint64_t{0}, uint64_t{7}, uint64_t{100}, uint64_t{1} << 40,
                     uint64_t{9223372036854775807}}) {
    std::string section;
    sluice::qpack::begin_section(section);
    sluice::qpack::encode_content_length(section, n);
    Fields want{{"content-length", std::to_string(n)}};
    INFO(n);
    CHECK(nghttp3_decode(section) == want);
  }
  std::string zero;
  sluice::qpack::begin_section(zero);
  sluice::qpack::encode_content_length(zero, 0);
  CHECK(zero.size() == 3);  // one byte: static index 4 ("content-length: 0")
}

TEST_CASE("qpack: references to a dynamic table are decompression failures", "[qpack]") {
  bool failed = false;
  ours_decode(std::string("\x01\x00\xc0", 3), &failed);  // Required Insert Count 1
  CHECK(failed);
  failed = false;
  ours_decode(std::string("\x00\x00\x80", 3), &failed);  // indexed, T=0 (dynamic)
  CHECK(failed);
  failed = false;
  ours_decode(std::string("\x00\x00\x10", 3), &failed);  // post-Base index
  CHECK(failed);
  failed = false;
  ours_decode(std::string("\x00\x00\xff\x7f", 4), &failed);  // static index 126: past the table
  CHECK(failed);
  failed = false;
  ours_decode(std::string("\x00\x00\x5f\x1d\x05"
                          "ab",
                          7),
              &failed);  // a value cut short
  CHECK(failed);
  failed = false;
  ours_decode(std::string("\x00", 1), &failed);  // a prefix cut short
  CHECK(failed);
}

TEST_CASE("qpack: one decoder across many sections, repeating and new values alike", "[qpack]") {
  // The decoder remembers Huffman-coded values it has seen (8 of them): more
  // distinct values than that, repeated, in sections of several fields each,
  // must all come out as nghttp3 encoded them.
  Decoder dec;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) {
      Fields request{{":method", "GET"},
                     {":path", "/item/" + std::to_string(i % 11)},
                     {"user-agent", "agent-number-" + std::to_string(i % 9)},
                     {"x-custom-name-" + std::to_string(i % 3), "value-" + std::to_string(i)}};
      std::string section = nghttp3_encode(request);
      REQUIRE(dec.begin(section));
      Fields got;
      sluice::qpack::Field f;
      Decoder::Step step;
      while ((step = dec.next(f)) == Decoder::Step::field) got.emplace_back(f.name, f.value);
      CHECK(step == Decoder::Step::done);
      CHECK(got == request);
    }
  }
}

TEST_CASE("qpack: a response's fields, encoded once per distinct list", "[qpack]") {
  sluice::qpack::ResponseFieldCache cache;
  sluice::Headers h;
  h.add("Content-Type", "application/octet-stream");
  h.add("Accept-Ranges", "bytes");
  h.add("Connection", "close");  // connection-specific: never in HTTP/3
  h.add("Host", "example.com");
  h.add("X-Mixed-CASE", "Value Stays");
  auto decode = [](std::string_view lines) {
    std::string section;
    sluice::qpack::begin_section(section);
    section.append(lines);
    return ours_decode(section);
  };
  Fields want{{"content-type", "application/octet-stream"},
              {"accept-ranges", "bytes"},
              {"x-mixed-case", "Value Stays"}};
  std::string first(cache.encode(h));
  CHECK(decode(first) == want);
  CHECK(cache.encode(h) == first);  // the same list again: the kept encoding
  // A list that differs only in a value, and one that differs in length.
  sluice::Headers other;
  for (const auto& [n, v] : h.list()) other.add(n, n == "Accept-Ranges" ? "none" : v);
  want[1].second = "none";
  CHECK(decode(cache.encode(other)) == want);
  sluice::Headers shorter;
  shorter.add("Content-Type", "application/octet-stream");
  CHECK(decode(cache.encode(shorter)) == Fields{{"content-type", "application/octet-stream"}});
  CHECK(decode(cache.encode(sluice::Headers{})).empty());
  CHECK(cache.encode(h) == first);
}

TEST_CASE("qpack: server and date, encoded again only when the second changes", "[qpack]") {
  sluice::qpack::ResponseFieldCache cache;
  auto decode = [](std::string_view lines) {
    std::string section;
    sluice::qpack::begin_section(section);
    section.append(lines);
    return ours_decode(section);
  };
  std::time_t t = 1'700'000'000;
  CHECK(decode(cache.server_and_date(t)) ==
        Fields{{"server", "sluice"}, {"date", sluice::http_date(t)}});
  CHECK(decode(cache.server_and_date(t + 1)) ==
        Fields{{"server", "sluice"}, {"date", sluice::http_date(t + 1)}});
  CHECK(decode(cache.server_and_date(t + 1)).back().second == "Tue, 14 Nov 2023 22:13:21 GMT");
}
