// The field checks every h2 and h3 request (and every h3 response) goes
// through: names, values, and the eight-bytes-at-a-time NUL/CR/LF scan.
#include "core/h2/request_fields.hpp"

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/h3/qpack.hpp"
#include "core/http/headers.hpp"

using sluice::h2::has_nul_cr_lf;
using sluice::h2::valid_field_name;
using sluice::h2::valid_field_value;

TEST_CASE("request fields: NUL, CR and LF are found at every position of every length") {
  for (std::size_t len = 0; len <= 24; ++len) {
    // Benign bytes, some one bit away from the three (0x8d, 0x0c, 0x01, 0xff).
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s += "\x8d\x0c\x01\xff\x8a\x0b\x80z"[i % 8];
    INFO("length " << len);
    CHECK_FALSE(has_nul_cr_lf(s));
    for (std::size_t at = 0; at < len; ++at) {
      for (char bad : {'\0', '\r', '\n'}) {
        std::string t = s;
        t[at] = bad;
        INFO("at " << at << " byte " << int(bad));
        CHECK(has_nul_cr_lf(t));
      }
    }
  }
}

TEST_CASE("request fields: names are lower-case tokens, after at most one colon") {
  CHECK(valid_field_name("user-agent"));
  CHECK(valid_field_name(":path"));
  CHECK(valid_field_name("x!#$%&'*+-.^_`|~09"));
  CHECK_FALSE(valid_field_name(""));
  CHECK_FALSE(valid_field_name(":"));
  CHECK_FALSE(valid_field_name("::path"));
  CHECK_FALSE(valid_field_name("User-Agent"));
  CHECK_FALSE(valid_field_name("a b"));
  CHECK_FALSE(valid_field_name("name:"));
  CHECK_FALSE(valid_field_name(std::string("a\0b", 3)));
  CHECK_FALSE(valid_field_name("caf\xc3\xa9"));
}

TEST_CASE("request fields: values hold no NUL, CR or LF and no space at either end") {
  CHECK(valid_field_value(""));
  CHECK(valid_field_value("sluice/0.1.0"));
  CHECK(valid_field_value("a b\tc"));
  CHECK(valid_field_value("caf\xc3\xa9 \x7f"));
  CHECK_FALSE(valid_field_value(" a"));
  CHECK_FALSE(valid_field_value("a\t"));
  CHECK_FALSE(valid_field_value("a long value with a line\nfeed in it"));
  CHECK_FALSE(valid_field_value("carriage\rreturn"));
  CHECK_FALSE(valid_field_value(std::string("nul\0", 4) + "after"));
}

// A decoder vouches for static-table fields (Vouched, qpack::Field's
// static_name and static_value): every entry must pass the checks it skips.
TEST_CASE("request fields: every QPACK static table entry is a valid field") {
  for (std::size_t i = 0; i < sluice::qpack::kStaticEntries; ++i) {
    const sluice::qpack::Field& f = sluice::qpack::static_entry(i);
    INFO(i << ": " << f.name << ": " << f.value);
    CHECK(valid_field_name(f.name));
    CHECK(valid_field_value(f.value));
    CHECK_FALSE(sluice::is_hop_by_hop(f.name));  // the response check skips that test too
  }
}

// is_token (h1 field names and methods): tchar of RFC 9110 5.6.2, both cases.
TEST_CASE("request fields: a token is one or more tchar, every byte checked") {
  const std::string_view symbols = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    bool tchar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c != 0 && symbols.find(static_cast<char>(c)) != std::string_view::npos);
    std::string one(1, static_cast<char>(c));
    INFO("byte " << c);
    CHECK(sluice::is_token(one) == tchar);
    CHECK(sluice::is_token("Content-" + one + "Type") == tchar);
  }
  CHECK_FALSE(sluice::is_token(""));
}
