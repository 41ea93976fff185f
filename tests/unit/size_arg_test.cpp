#include "cli/size_arg.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <string>
#include <vector>

#include "cli/duration_arg.hpp"
#include "cli/time_cond.hpp"
#include "temp_file.hpp"

using sluice::cli::parse_size;

TEST_CASE("parse_size: plain numbers", "[size_arg]") {
  CHECK(parse_size("0") == 0u);
  CHECK(parse_size("1048576") == 1048576u);
  CHECK(parse_size("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("parse_size: binary suffixes", "[size_arg]") {
  CHECK(parse_size("256k") == 256u * 1024);
  CHECK(parse_size("256K") == 256u * 1024);
  CHECK(parse_size("1M") == 1u << 20);
  CHECK(parse_size("1m") == 1u << 20);
  CHECK(parse_size("2G") == 2ull << 30);
  CHECK(parse_size("3T") == 3ull << 40);
  CHECK(parse_size("0k") == 0u);
}

TEST_CASE("parse_size: B and iB spellings", "[size_arg]") {
  CHECK(parse_size("1KB") == 1024u);
  CHECK(parse_size("1kb") == 1024u);
  CHECK(parse_size("4MB") == 4u << 20);
  CHECK(parse_size("1GB") == 1ull << 30);
  CHECK(parse_size("1KiB") == 1024u);
  CHECK(parse_size("2MiB") == 2u << 20);
  CHECK(parse_size("1GiB") == 1ull << 30);
}

TEST_CASE("parse_size: TiB is accepted like T, TB, KiB, MiB and GiB", "[size_arg][bug]") {
  CHECK(parse_size("1TiB") == 1ull << 40);
}

TEST_CASE("parse_size: rejects malformed sizes", "[size_arg]") {
  auto bad = GENERATE(as<std::string>{}, "", "k", "abc", "1x", "1.5M", "-1", "+1", " 1", "1 k",
                      "1kk", "1MBB", "1Mi", "1k ", "0x10",
                      // overflow, with and without a suffix
                      "18446744073709551616", "17179869184G", "16777216T");
  INFO("'" << bad << "'");
  CHECK_FALSE(parse_size(bad).has_value());
}

TEST_CASE("parse_size: largest values that fit", "[size_arg]") {
  CHECK(parse_size("17179869183G") == 17179869183ull << 30);
  CHECK(parse_size("16777215T") == 16777215ull << 40);
}

// -z's dates, as curl_getdate(3) reads them (the values checked against
// libcurl's own curl_getdate).
TEST_CASE("parse_curl_date: curl_getdate's formats", "[size_arg][time_cond]") {
  using sluice::cli::parse_curl_date;
  CHECK(parse_curl_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_curl_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
  CHECK(parse_curl_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK(parse_curl_date("06 Nov 1994 08:49:37") == 784111777);
  CHECK(parse_curl_date("06 Nov 1994 09:49:37 +0100") == 784111777);
  CHECK(parse_curl_date("06 Nov 1994 03:49:37 EST") == 784111777);
  CHECK(parse_curl_date("20040912 15:05:58 -0700") == 1095026758);
  CHECK(parse_curl_date("Thu, 12-Aug-2007 20:49:07 GMT") == 1186951747);
  CHECK(parse_curl_date("12 Aug 2007") == 1186876800);
  CHECK(parse_curl_date("Jan 1 2021") == 1609459200);
  CHECK(parse_curl_date("1 jan 70") == 3155760000);  // two digits: 00-70 are the 2000s
  CHECK(parse_curl_date("1 jan 71") == 31536000);
  CHECK(parse_curl_date("1 Jan 2021 00:00 Z") == 1609459200);
}

TEST_CASE("parse_curl_date: what curl_getdate refuses", "[size_arg][time_cond]") {
  using sluice::cli::parse_curl_date;
  for (const char* bad : {"", "blah", "2021", "Nov 1994", "06 Nov", "January 1 2021", "32 Jan 2021",
                          "1 Jan 2021 24:00:00", "1 Jan 1500", "file.txt", "1 Jan 2021 junk"})
    CHECK_FALSE(parse_curl_date(bad));
}

TEST_CASE("time_cond_arg: a date, '-' for older, a file's mtime, or no condition",
          "[size_arg][time_cond]") {
  using Kind = sluice::fetch::TimeCondition::Kind;
  std::vector<std::string> warned;
  auto warn = [&](std::string_view w) { warned.emplace_back(w); };
  auto tc = sluice::cli::time_cond_arg("Jan 1 2021", warn);
  CHECK((tc.kind == Kind::modified_since && tc.when == 1609459200));
  tc = sluice::cli::time_cond_arg("-Jan 1 2021", warn);
  CHECK((tc.kind == Kind::unmodified_since && tc.when == 1609459200));
  tc = sluice::cli::time_cond_arg("=Jan 1 2021", warn);
  CHECK(tc.kind == Kind::last_modified);
  CHECK(warned.empty());
  TempFile file("x");
  struct timespec times[2] = {{1234567890, 0}, {1234567890, 0}};
  REQUIRE(::utimensat(AT_FDCWD, file.path.c_str(), times, 0) == 0);
  tc = sluice::cli::time_cond_arg(file.path, warn);
  CHECK((tc.kind == Kind::modified_since && tc.when == 1234567890));
  tc = sluice::cli::time_cond_arg("/no/such/file", warn);
  CHECK(tc.kind == Kind::none);
  CHECK(warned.size() == 2);
}

TEST_CASE("parse_rate: curl's --rate N/U", "[size_arg][rate]") {
  using namespace std::chrono;
  using sluice::cli::parse_rate;
  CHECK(parse_rate("4/s") == nanoseconds(250'000'000));
  CHECK(parse_rate("1/m") == seconds(60));
  CHECK(parse_rate("2") == seconds(1800));  // per hour without a unit
  CHECK(parse_rate("1/d") == hours(24));
  CHECK(parse_rate("25/5m") == seconds(12));
  for (const char* bad : {"", "0/s", "x/s", "4/x", "4/0s", "-1/s", "4/s/", "4/"})
    CHECK_FALSE(parse_rate(bad));
}
