// e2e: the HTTP/3 module seam. The QUIC stack (ngtcp2, GnuTLS) is in
// sluice-h3.so, loaded only on HTTP/3 use: h1/h2 fetches never map it, and a
// missing or broken module is a clear message, never a crash.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

#include "module_helpers.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

const char* kQuicLibs[] = {"libgnutls", "libngtcp2"};

std::string module_beside_binary() {
  return beside_binary("sluice-h3.so");
}

}  // namespace

TEST_CASE("h3 module: the binary does not link the QUIC stack, the module does", "[h3][module]") {
  std::string binary = needed_libs(sluice_bin());
  std::string module = needed_libs(module_beside_binary());
  for (const char* lib : kQuicLibs) {
    INFO(lib);
    CHECK(binary.find(lib) == std::string::npos);
    CHECK(module.find(lib) != std::string::npos);
  }
  // HTTP/3 is our own on both sides (core/h3): nghttp3 is linked nowhere.
  CHECK(binary.find("libnghttp3") == std::string::npos);
  CHECK(module.find("libnghttp3") == std::string::npos);
}

TEST_CASE("h3 module: h1 and h2 fetches, plain and TLS, never map the QUIC stack", "[h3][module]") {
  Server plain("-q");
  Server tls("-q", true);
  const std::string drip = "/drip?bytes=6000&rate=6000";  // about a second of body
  for (auto [url, flags] :
       {std::pair{plain.base + drip, std::string()}, std::pair{tls.base + drip, std::string("-k")},
        std::pair{tls.base + drip, std::string("-k --http2")}}) {
    INFO(url << " " << flags);
    std::string maps = maps_during_fetch(url, flags);
    REQUIRE_THAT(maps, ContainsSubstring("sluice"));
    if (!flags.empty()) CHECK_THAT(maps, ContainsSubstring("libssl"));  // TLS was in use
    for (const char* lib : kQuicLibs) CHECK(maps.find(lib) == std::string::npos);
  }
}

TEST_CASE("h3 module: --version loads it and names its libraries", "[h3][module]") {
  auto r = sh(std::string(sluice_bin()) + " --version");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("sluice "));
  CHECK_THAT(r.out, ContainsSubstring("HTTP/3: ngtcp2/1."));
  // HTTP/3 itself is ours (core/h3): no nghttp3 to name.
  CHECK_THAT(r.out, !ContainsSubstring("nghttp3"));
  CHECK_THAT(r.out, ContainsSubstring(" GnuTLS/3."));
  CHECK_THAT(r.out, ContainsSubstring(module_beside_binary()));
}

TEST_CASE("h3 module: missing or broken, a one-line reason and no crash", "[h3][module]") {
  std::string text_file = tmpdir() + "/not-a-module.so";
  sh("echo 'not an ELF file' > " + text_file);
  auto zlib =
      sh("ls /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | "
         "head -1");
  std::string other_library = zlib.out.substr(0, zlib.out.find('\n'));
  REQUIRE_FALSE(other_library.empty());
  for (auto [module, why] :
       {std::pair{std::string("/nonexistent/sluice-h3.so"), "/nonexistent/sluice-h3.so"},
        std::pair{text_file, "not-a-module.so"},
        std::pair{other_library, "has no sluice_h3_module"}}) {
    INFO(module);
    auto r = sh("SLUICE_H3_MODULE=" + module + " " + sluice_bin() + " --version");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, ContainsSubstring("HTTP/3 support not available: "));
    CHECK_THAT(r.out, ContainsSubstring(why));
    CHECK(r.err.empty());
  }
}
