// SectionMemo, as the h3 server keeps request heads in it: the same section
// bytes give back the head kept for them; any other bytes (one byte changed,
// one more or less) miss; a run of misses keeps few copies.
#include "core/http/section_memo.hpp"

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/http/request_head.hpp"

using namespace sluice;
using RequestMemo = SectionMemo<RequestHead>;

namespace {

RequestHead head_for(const std::string& path) {
  RequestHead h;
  h.method = "GET";
  h.target = path;
  h.version_major = 3;
  h.version_minor = 0;
  h.headers.add("host", "example.test");
  h.content_length = path.size();
  return h;
}

}  // namespace

TEST_CASE("RequestMemo gives a kept head back only for the same bytes", "[request_memo]") {
  RequestMemo memo;
  const std::string section = std::string(2, '\0') + "\xd1\xd7\x51\x0b/status/201";
  CHECK(memo.find(section) == nullptr);  // nothing kept yet
  memo.keep(section, head_for("/status/201"));

  const RequestHead* hit = memo.find(section);
  REQUIRE(hit != nullptr);
  CHECK(hit->method == "GET");
  CHECK(hit->target == "/status/201");
  CHECK(hit->headers.get("host") == "example.test");
  CHECK(hit->content_length == 11u);

  // Every single changed byte, a byte more and a byte less: misses.
  for (std::size_t i = 0; i < section.size(); ++i) {
    std::string other = section;
    other[i] = static_cast<char>(other[i] ^ 1);
    CHECK(memo.find(other) == nullptr);
  }
  CHECK(memo.find(section + "0") == nullptr);
  CHECK(memo.find(section.substr(0, section.size() - 1)) == nullptr);
  CHECK(memo.find("") == nullptr);
  REQUIRE(memo.find(section) != nullptr);  // still kept after the misses

  // A new section replaces the old one.
  const std::string next = std::string(2, '\0') + "\xd1\xd7\x51\x0b/status/202";
  CHECK(memo.find(next) == nullptr);
  memo.keep(next, head_for("/status/202"));
  CHECK(memo.find(section) == nullptr);
  REQUIRE(memo.find(next) != nullptr);
  CHECK(memo.find(next)->target == "/status/202");
}

TEST_CASE("RequestMemo keeps no section over its size bound", "[request_memo]") {
  RequestMemo memo;
  std::string big(RequestMemo::kMaxSection + 1, 'x');
  CHECK(memo.find(big) == nullptr);
  memo.keep(big, head_for("/big"));
  CHECK(memo.find(big) == nullptr);
  std::string fits(RequestMemo::kMaxSection, 'x');
  CHECK(memo.find(fits) == nullptr);
  memo.keep(fits, head_for("/fits"));
  CHECK(memo.find(fits) != nullptr);
}

TEST_CASE("RequestMemo copies few heads for a client whose every request differs",
          "[request_memo]") {
  RequestMemo memo;
  for (int i = 0; i < 1000; ++i) {
    std::string section = "/path/" + std::to_string(i);
    REQUIRE(memo.find(section) == nullptr);
    memo.keep(section, head_for(section));
  }
  // The first few misses of the run, then one in kRetryEvery.
  CHECK(memo.copies() >= RequestMemo::kMissesKept);
  CHECK(memo.copies() <= RequestMemo::kMissesKept + 1000 / RequestMemo::kRetryEvery + 1);

  // A client that repeats itself again is kept again at once: the last kept
  // section hits, and the run of misses starts over.
  std::string again = "/path/again";
  for (unsigned i = 0; i < RequestMemo::kRetryEvery; ++i) {
    if (memo.find(again) != nullptr) break;
    memo.keep(again, head_for(again));
  }
  REQUIRE(memo.find(again) != nullptr);
  uint64_t before = memo.copies();
  memo.keep("/path/other", head_for("/path/other"));  // after a hit: kept
  CHECK(memo.copies() == before + 1);
}
