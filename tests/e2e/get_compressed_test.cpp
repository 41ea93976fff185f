// `sluice get --compressed`: gzip, deflate, br and zstd decoded byte-exact
// over h1, h2 and h3-less TLS; bounded memory when a body expands a
// thousandfold into a slow consumer; and curl's exit 61 for codings it does
// not understand. Sources: `sluice serve`'s /encoded endpoint and badserver.py.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "get_helpers.hpp"
#include "h3_server.hpp"

using Catch::Matchers::ContainsSubstring;
using namespace e2e;

TEST_CASE("get --compressed decodes every coding byte-exact, as curl does", "[get][compressed]") {
  Server s;
  Server tls("", true);
  std::string want = sha_of("curl -s " + s.base + "/bytes/3000000");
  for (const char* coding : {"gzip", "deflate", "br", "zstd"}) {
    INFO(coding);
    std::string path = std::string("/encoded/") + coding + "/3000000";
    CHECK(sha_of(get("-s --compressed " + s.base + path)) == want);
    CHECK(sha_of(get("-sk --compressed " + tls.base + path)) == want);  // h2
    CHECK(sha_of("curl -s --compressed " + s.base + path) == want);
    // Sizes count decoded bytes; without --compressed the coded bytes are
    // written as they came, as curl writes them.
    auto w = sh(get("-s --compressed -o /dev/null -w '%{size_download}' " + s.base + path));
    CHECK(w.out == "3000000");
    CHECK(sha_of(get("-s " + s.base + path)) == sha_of("curl -s " + s.base + path));
  }
  auto asked = sh(get("-s --compressed " + s.base + "/headers"));
  CHECK_THAT(asked.out, ContainsSubstring("\"Accept-Encoding\": \"deflate, gzip, br, zstd\""));
  // --max-filesize counts what was decoded.
  auto big = sh(get("-s --compressed --max-filesize 100000 -o /dev/null " + s.base +
                    "/encoded/gzip/3000000"));
  CHECK(big.exit_code == 63);
}

TEST_CASE("get --compressed over HTTP/3: every coding, from an endpoint that often writes nothing",
          "[get][compressed][h3]") {
  // /encoded/gzip's compressor can take a megabyte of input before it has a
  // byte to send: the h3 server must keep pulling such an endpoint without
  // an ACK or a write to wake it.
  H3Server s;
  std::string want = sha_of("curl -sk " + s.url("/bytes/20000000"));
  for (const char* coding : {"gzip", "deflate", "br", "zstd"}) {
    INFO(coding);
    std::string path = std::string("/encoded/") + coding + "/20000000";
    CHECK(sha_of(get("-sk --http3-only --compressed -m 60 " + s.url(path))) == want);
  }
}

TEST_CASE("get: unknown or broken codings are curl's exit 61", "[get][compressed][exit]") {
  for (const char* mode : {"te-gzip", "te-unknown"}) {
    INFO(mode);
    BadServer bs(mode);
    auto r = sh(get("-sS " + bs.url));
    CHECK(r.exit_code == 61);
    CHECK(r.out.empty());
    // Debian's curl 7.88.1-10+deb12u14 hands a gzip transfer coding through
    // undecoded (exit 0); its earlier 7.88 builds and curl 8.14 say 61.
    if (std::string(mode) != "te-gzip") CHECK(sh("curl -s " + bs.url).exit_code == 61);
  }
  for (const char* mode : {"ce-broken", "ce-truncated", "ce-unknown"}) {
    INFO(mode);
    BadServer bs(mode);
    CHECK(sh(get("-s -o /dev/null " + bs.url)).exit_code == 0);  // not asked to decode
    auto r = sh(get("-sS --compressed -o /dev/null " + bs.url));
    CHECK(r.exit_code == 61);
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
    // curl 8.14 takes a gzip body cut short for a whole one (exit 0): sluice
    // reports the truncation instead (README, "Differences from curl").
    if (std::string(mode) != "ce-truncated")
      CHECK(sh("curl -s --compressed -o /dev/null " + bs.url).exit_code == 61);
  }
}

TEST_CASE("get --compressed into a slow consumer: peak RSS flat while 1 GiB expands from ~1 MB",
          "[get][compressed][backpressure]") {
  Server s;
  Server tls("", true);
  auto peak_kb = [](const std::string& url, const std::string& flags) {
    std::string rss = tmpdir() + "/rss-compressed";
    auto p = sh("set -o pipefail; /usr/bin/time -f '%M' " + get(flags + " --compressed " + url) +
                    " 2>" + rss + " | pv -qL 400m | sha256sum | cut -c1-64",
                120);
    REQUIRE(p.exit_code == 0);
    return std::make_pair(std::stol(sh("tail -1 " + rss).out), p.out.substr(0, 64));
  };
  for (auto& [base, flags, coding] :
       {std::tuple{s.base, std::string("-s"), std::string("gzip")},
        std::tuple{tls.base, std::string("-sk"), std::string("zstd")}}) {
    auto [small_kb, small_sha] = peak_kb(base + "/encoded/" + coding + "/104857600", flags);
    auto [big_kb, big_sha] = peak_kb(base + "/encoded/" + coding + "/1073741824", flags);
    INFO(base << " " << coding << ": 100 MiB peak " << small_kb << " KiB, 1 GiB peak " << big_kb
              << " KiB");
    CHECK(big_kb < 40 * 1024);
    CHECK(big_kb - small_kb < 4 * 1024);
    CHECK(small_sha == sha_of("curl -s " + s.base + "/bytes/104857600"));
  }
}
