// e2e: the TLS module seam. OpenSSL (libssl, libcrypto) is in sluice-tls.so,
// loaded on the first TLS-over-TCP use: a plain http:// fetch and an HTTP/3
// fetch (whose TLS is GnuTLS, in sluice-h3.so) never map it, and a missing
// module fails https:// with one clear line while http:// still works.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

#include "h3_server.hpp"
#include "module_helpers.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {
const char* kOpensslLibs[] = {"libssl.so", "libcrypto.so"};
const std::string kDrip = "/drip?bytes=6000&rate=6000";  // about a second of body
}  // namespace

TEST_CASE("tls module: the binary does not link OpenSSL, the module does", "[tls][module]") {
  std::string binary = needed_libs(sluice_bin());
  std::string module = needed_libs(beside_binary("sluice-tls.so"));
  for (const char* lib : kOpensslLibs) {
    INFO(lib);
    CHECK(binary.find(lib) == std::string::npos);
    CHECK(module.find(lib) != std::string::npos);
  }
}

TEST_CASE("tls module: http:// and HTTP/3 fetches never map OpenSSL; https:// over TCP does",
          "[tls][module]") {
  Server plain("-q");
  H3Server h3("-q");
  for (auto [url, flags] : {std::pair{plain.base + kDrip, std::string()},
                            std::pair{h3.url(kDrip), std::string("-k --http3-only")}}) {
    INFO(url << " " << flags);
    std::string maps = maps_during_fetch(url, flags);
    REQUIRE_THAT(maps, ContainsSubstring("sluice"));
    CHECK(maps.find("sluice-tls.so") == std::string::npos);
    for (const char* lib : kOpensslLibs) CHECK(maps.find(lib) == std::string::npos);
  }
  std::string maps = maps_during_fetch(h3.url(kDrip), "-k");  // the same server over TCP
  CHECK_THAT(maps, ContainsSubstring("sluice-tls.so"));
  CHECK_THAT(maps, ContainsSubstring("libssl.so"));
}

TEST_CASE("tls module: --version names OpenSSL and where the module is", "[tls][module]") {
  auto r = sh(std::string(sluice_bin()) + " --version");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("TLS: OpenSSL/3."));
  CHECK_THAT(r.out, ContainsSubstring(beside_binary("sluice-tls.so")));
}

TEST_CASE("tls module: missing, https:// fails with one line and exit 1; http:// still works",
          "[tls][module]") {
  Server plain("-q");
  Server tls("-q", true);
  std::string missing = "SLUICE_TLS_MODULE=/nonexistent/sluice-tls.so ";
  auto https = sh(missing + sluice_bin() + " get -sSk " + tls.base + "/bytes/10");
  CHECK(https.exit_code == 1);
  CHECK_THAT(https.err, ContainsSubstring("TLS support not available: "));
  CHECK_THAT(https.err, ContainsSubstring("/nonexistent/sluice-tls.so"));
  CHECK(std::count(https.err.begin(), https.err.end(), '\n') == 1);
  CHECK(https.out.empty());
  auto http = sh(missing + sluice_bin() + " get -s " + plain.base + "/bytes/10 -w ' %{http_code}'");
  CHECK(http.exit_code == 0);
  CHECK(http.out == "abcdefghij 200");
  auto serve = sh(missing + sluice_bin() + " serve --tls --listen 127.0.0.1:0", 20);
  CHECK(serve.exit_code == 1);
  CHECK_THAT(serve.err, ContainsSubstring("TLS support not available: "));
  auto version = sh(missing + sluice_bin() + " --version");
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, ContainsSubstring("TLS support not available: "));
}
