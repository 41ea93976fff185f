// h2c detection on a plain listener: the client preface, whole, split at
// every byte, and the h1 request lines that must never be taken for it.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/h2/preface.hpp"

using sluice::h2::kClientPreface;
using sluice::h2::match_client_preface;
using sluice::h2::PrefaceMatch;

TEST_CASE("h2 preface: whole, with frames after it, and every proper prefix", "[h2][preface]") {
  CHECK(match_client_preface(kClientPreface) == PrefaceMatch::full);
  std::string with_settings = std::string(kClientPreface) + std::string("\0\0\0\4\0\0\0\0\0", 9);
  CHECK(match_client_preface(with_settings) == PrefaceMatch::full);
  CHECK(match_client_preface("") == PrefaceMatch::partial);
  for (std::size_t n = 1; n < kClientPreface.size(); ++n) {
    INFO(n);
    CHECK(match_client_preface(kClientPreface.substr(0, n)) == PrefaceMatch::partial);
  }
}

TEST_CASE("h2 preface: HTTP/1.x requests are not h2", "[h2][preface]") {
  for (const char* h1 : {"GET / HTTP/1.1\r\n", "POST /echo HTTP/1.1\r\n", "PUT / HTTP/1.0\r\n",
                         "PR ", "PRI / HTTP/1.1\r\n", "PRI * HTTP/1.1\r\n\r\n", "\r\n"}) {
    INFO(h1);
    CHECK(match_client_preface(h1) == PrefaceMatch::no);
  }
}

TEST_CASE("h2 preface: one wrong byte anywhere is h1", "[h2][preface]") {
  for (std::size_t i = 0; i < kClientPreface.size(); ++i) {
    std::string p(kClientPreface);
    p[i] = static_cast<char>(p[i] ^ 0x20);
    INFO(i);
    CHECK(match_client_preface(p) == PrefaceMatch::no);
    CHECK(match_client_preface(std::string_view(p).substr(0, i + 1)) == PrefaceMatch::no);
  }
}
