#include "cli/size_arg.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <string>

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
