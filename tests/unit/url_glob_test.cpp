// `get`'s URL globbing: curl's sets and ranges, its order and its errors.
#include "cli/url_glob.hpp"

#include <catch2/catch_test_macros.hpp>

using sluice::Errc;
using sluice::cli::glob_file_name;
using sluice::cli::UrlGlob;

namespace {

std::vector<std::string> expand(const std::string& url) {
  auto g = UrlGlob::parse(url);
  REQUIRE(g);
  std::vector<std::string> out;
  for (uint64_t i = 0; i < g->count(); ++i) out.push_back(g->at(i));
  return out;
}

bool malformed(const std::string& url) {
  auto g = UrlGlob::parse(url);
  return !g && g.error().code == Errc::bad_url;
}

}  // namespace

TEST_CASE("url glob: sets, empty elements and escapes", "[glob]") {
  using V = std::vector<std::string>;
  CHECK(expand("h://x/{a,bb,c}") == V{"h://x/a", "h://x/bb", "h://x/c"});
  CHECK(expand("h://x/{a,}y") == V{"h://x/ay", "h://x/y"});
  CHECK(expand("h://x/{a}") == V{"h://x/a"});
  CHECK(expand("h://x/{a\\,b,c}") == V{"h://x/a,b", "h://x/c"});
  CHECK(expand("h://x/\\{a\\}") == V{"h://x/{a}"});
  CHECK(expand("h://x/plain?q=1") == V{"h://x/plain?q=1"});
}

TEST_CASE("url glob: numeric ranges, padding and steps", "[glob]") {
  using V = std::vector<std::string>;
  CHECK(expand("h://x/[1-3]") == V{"h://x/1", "h://x/2", "h://x/3"});
  CHECK(expand("h://x/[08-11]") == V{"h://x/08", "h://x/09", "h://x/10", "h://x/11"});
  CHECK(expand("h://x/[0-100:50]") == V{"h://x/0", "h://x/50", "h://x/100"});
  CHECK(expand("h://x/[1-7:3]") == V{"h://x/1", "h://x/4", "h://x/7"});
  CHECK(expand("h://x/[1- 2]") == V{"h://x/1", "h://x/2"});
  CHECK(expand("h://x/[5-5]") == V{"h://x/5"});
  auto big = UrlGlob::parse("h://x/[1-100000000000]");  // counted, never listed
  REQUIRE(big);
  CHECK(big->count() == 100000000000);
  CHECK(big->at(99999999999) == "h://x/100000000000");
}

TEST_CASE("url glob: letter ranges", "[glob]") {
  using V = std::vector<std::string>;
  CHECK(expand("h://x/[a-c]") == V{"h://x/a", "h://x/b", "h://x/c"});
  CHECK(expand("h://x/[A-E:2]") == V{"h://x/A", "h://x/C", "h://x/E"});
  CHECK(expand("h://x/[a-z]").size() == 26);
}

TEST_CASE("url glob: several globs, the last varying fastest, and #N values", "[glob]") {
  using V = std::vector<std::string>;
  CHECK(expand("h://x/{a,b}[1-2]") == V{"h://x/a1", "h://x/a2", "h://x/b1", "h://x/b2"});
  auto g = UrlGlob::parse("h://x/{a,b}/[1-3].txt");
  REQUIRE(g);
  std::vector<std::string> values;
  CHECK(g->at(4, &values) == "h://x/b/2.txt");
  CHECK(values == V{"b", "2"});
  CHECK(glob_file_name("f_#1_#2.txt", values) == "f_b_2.txt");
  CHECK(glob_file_name("#3#0#x#", values) == "#3#0#x#");  // naming no glob: kept
  CHECK(glob_file_name("#1", {}) == "#1");
}

TEST_CASE("url glob: IPv6 literals and [] are text", "[glob]") {
  using V = std::vector<std::string>;
  CHECK(expand("http://[::1]:8080/") == V{"http://[::1]:8080/"});
  CHECK(expand("http://[fe80::1%25lo]/[1-2]") ==
        V{"http://[fe80::1%25lo]/1", "http://[fe80::1%25lo]/2"});
  CHECK(expand("h://x/a[]") == V{"h://x/a[]"});
}

TEST_CASE("url glob: malformed patterns are curl's error 3", "[glob]") {
  for (const char* url :
       {"h://x/{a,b", "h://x/a}", "h://x/a]", "h://x/[5-1]", "h://x/[a-9]", "h://x/{a,{b}}",
        "h://x/{a,[1-2]}", "h://x/{}", "h://x/[1-2", "h://x/[a-b:2]", "h://x/[1-3:0]",
        "h://x/[1-1:2]", "h://x/[x]", "h://x/[1-2:5]", "h://x/[A-z]", "h://x/[-1-2]", "h://x/[1:2]",
        "h://x/[1-100000000000][1-100000000000]"}) {
    INFO(url);
    CHECK(malformed(url));
  }
  std::string many = "h://x/";
  for (int i = 0; i < 98; ++i) many += "{a}";
  CHECK_FALSE(malformed(many));  // 99 parts with the leading text: curl's most
  CHECK(malformed(many + "{a}"));
}
