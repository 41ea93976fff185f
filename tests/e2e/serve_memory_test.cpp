// e2e: what `sluice serve` keeps resident after a burst of connections has
// closed (peers/conn_burst.py): glibc keeps freed heap for reuse unless the
// worker trims it. Named "memory stays bounded" so that the ASan run, whose
// allocator is not glibc's, leaves it out.
#include <catch2/catch_test_macros.hpp>
#include <sstream>
#include <string>

#include "support.hpp"

using namespace e2e;

namespace {
struct Burst {
  long before = 0, peak = 0, after = 0;  // the server's VmRSS, kB
};

Burst burst(const Server& s, int n, const std::string& mode) {
  auto r = sh(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/conn_burst.py burst " +
                  std::to_string(s.port) + " " + std::to_string(s.proc.pid()) + " " +
                  std::to_string(n) + " " + mode,
              120);
  INFO(r.out << r.err);
  Burst b;
  std::istringstream(r.out) >> b.before >> b.peak >> b.after;
  REQUIRE(b.before > 0);
  return b;
}
}  // namespace

TEST_CASE("serve memory stays bounded after a burst of connections closes", "[serve][memory]") {
  SECTION("2,000 idle h2c connections") {
    Server s;
    Burst b = burst(s, 2000, "h2");
    INFO(b.before << " " << b.peak << " " << b.after);
    // kB: the burst did cost memory (~5 MB with our own h2 framing; nghttp2's
    // sessions took ~30 MB), and at least three quarters of it went back.
    REQUIRE(b.peak - b.before > 2 * 1024);
    CHECK(b.after - b.before < (b.peak - b.before) / 4);
  }
  SECTION("1,000 TLS handshakes left half done") {
    Server s("", true);
    Burst b = burst(s, 1000, "tls-half");
    INFO(b.before << " " << b.peak << " " << b.after);
    REQUIRE(b.peak - b.before > 16 * 1024);  // ~35 MB
    CHECK(b.after - b.before < 8 * 1024);    // ~1 MB kept
  }
}
