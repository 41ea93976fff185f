// e2e: what every run of the binary loads. libbrotlienc is opened by serve
// only when a client asks for br, and libm is not linked at all outside the
// sanitizer builds (whose runtime needs it): together they cost a plain `get`
// ~0.45 MiB of RSS (core/util/no_libm.hpp).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

#include "module_helpers.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

#if defined(SLUICE_SANITIZED)  // tests/CMakeLists.txt
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

}  // namespace

TEST_CASE("binary: links neither libbrotlienc nor libm, and a fetch maps neither", "[binary]") {
  std::string needed = needed_libs(sluice_bin());
  REQUIRE_THAT(needed, ContainsSubstring("libc.so"));
  CHECK(needed.find("libbrotlienc") == std::string::npos);
  if (!kSanitized) CHECK(needed.find("libm.so") == std::string::npos);

  Server plain("-q");
  std::string maps = maps_during_fetch(plain.base + "/drip?bytes=6000&rate=6000", "");
  REQUIRE_THAT(maps, ContainsSubstring("libc.so"));
  CHECK(maps.find("libbrotlienc") == std::string::npos);
  if (!kSanitized) CHECK(maps.find("libm.so") == std::string::npos);
}

TEST_CASE("binary: serve opens libbrotlienc on the first br request and encodes with it",
          "[binary][compressed]") {
  Server s("-q");
  auto before = sh("cat /proc/" + std::to_string(s.proc.pid()) + "/maps");
  REQUIRE_THAT(before.out, ContainsSubstring("libc.so"));
  CHECK(before.out.find("libbrotlienc") == std::string::npos);  // not at start-up
  auto r = sh(std::string(sluice_bin()) + " get -s --compressed -w '%{http_code}' -o /dev/null '" +
              s.base + "/encoded/br/300000'");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "200");
  auto maps = sh("cat /proc/" + std::to_string(s.proc.pid()) + "/maps");
  CHECK_THAT(maps.out, ContainsSubstring("libbrotlienc"));
}
