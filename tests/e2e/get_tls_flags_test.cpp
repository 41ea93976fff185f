// `sluice get`'s TLS flags as curl has them: --pinnedpubkey (exit 90),
// --tlsv1.3/--tls-max, --capath, CURL_CA_BUNDLE, and client certificates
// (--cert/--key, exit 58) against `openssl s_server -Verify`. Exit codes are
// compared with curl's for the same command.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "get_helpers.hpp"

using Catch::Matchers::ContainsSubstring;
using namespace e2e;

namespace {

// The base64 SHA-256 pin of the key a TLS server at port presents.
std::string server_pin(int port) {
  auto r = sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
              " </dev/null 2>/dev/null | openssl x509 -pubkey -noout | openssl pkey -pubin "
              "-outform der | openssl dgst -sha256 -binary | base64");
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, r.out.find('\n'));
}

// A CA, a server certificate and a client certificate it signed, in dir.
void make_pki(const std::string& dir) {
  std::string ossl =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 ";
  auto r = sh("cd " + dir + " && " + ossl + "-subj /CN=test-ca -keyout ca.key -out ca.pem && " +
              "for who in server client; do openssl req -newkey ec -pkeyopt "
              "ec_paramgen_curve:P-256 -nodes -subj /CN=$who -addext "
              "subjectAltName=IP:127.0.0.1 -keyout $who.key -out $who.csr && "
              "openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
              "-copy_extensions copy -out $who.pem; done 2>/dev/null");
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("get --pinnedpubkey: the server's key must match, -k or not, as curl checks it",
          "[get][tls]") {
  Server tls("", true);
  std::string pin = server_pin(tls.port);
  std::string url = tls.base + "/bytes/3";
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    CHECK(sh(client + "-sk --pinnedpubkey sha256//" + pin + " " + url).out == "abc");
    CHECK(sh(client + "-sk --pinnedpubkey 'sha256//AAAA;sha256//" + pin + "' " + url).exit_code ==
          0);
    auto wrong = sh(
        client + "-sk --pinnedpubkey sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + url);
    CHECK(wrong.exit_code == 90);
    CHECK(wrong.out.empty());
  }
  CHECK(sh(get("-sk --pinnedpubkey /nonexistent.pem " + url)).exit_code == 2);
  CHECK(sh(get("-sk --http3 --pinnedpubkey sha256//" + pin + " " + url)).exit_code == 2);
}

TEST_CASE("get --tls-max and --tlsv1.3 choose the version; -v names it", "[get][tls]") {
  Server tls("", true);
  std::string url = tls.base + "/bytes/3";
  auto v12 = sh(get("-sk -v --tls-max 1.2 -o /dev/null " + url));
  CHECK(v12.exit_code == 0);
  CHECK_THAT(v12.err, ContainsSubstring("SSL connection using TLSv1.2"));
  auto v13 = sh(get("-sk -v --tlsv1.3 -o /dev/null " + url));
  CHECK_THAT(v13.err, ContainsSubstring("SSL connection using TLSv1.3"));
  CHECK(sh(get("-sk --tlsv1.3 --tls-max 1.2 " + url)).exit_code == 2);
  CHECK(sh(get("-sk --tls-max 1.1 " + url)).exit_code == 2);
}

TEST_CASE("get --cert/--key: a server that asks for a client certificate gets one", "[get][tls]") {
  std::string dir = tmpdir() + "/pki";
  sh("mkdir -p " + dir);
  make_pki(dir);
  int port = free_port();
  Process server("openssl s_server -quiet -accept 127.0.0.1:" + std::to_string(port) + " -cert " +
                 dir + "/server.pem -key " + dir + "/server.key -CAfile " + dir +
                 "/ca.pem -Verify 1 -www");
  REQUIRE(wait_port(port));
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
  std::string certs = " --cert " + dir + "/client.pem --key " + dir + "/client.key ";
  for (const std::string& client : {get("--http1.1 "), std::string("curl --http1.1 ")}) {
    INFO(client);
    auto with = sh(client + "-sk" + certs + "-o /dev/null -w '%{http_code}' " + url);
    CHECK(with.exit_code == 0);
    CHECK(with.out == "200");
    CHECK(sh(client + "-sk -o /dev/null " + url).exit_code != 0);  // refused without one
    // The CA of the server, by file, by env, and by a hashed directory.
    CHECK(sh(client + "-s --cacert " + dir + "/ca.pem" + certs + "-o /dev/null " + url).exit_code ==
          0);
  }
  CHECK(
      sh("CURL_CA_BUNDLE=" + dir + "/ca.pem " + get("--http1.1 -s" + certs + "-o /dev/null " + url))
          .exit_code == 0);
  sh("mkdir -p " + dir + "/hashed && cp " + dir + "/ca.pem " + dir + "/hashed/ && openssl rehash " +
     dir + "/hashed");
  CHECK(sh(get("--http1.1 -s --capath " + dir + "/hashed" + certs + "-o /dev/null " + url))
            .exit_code == 0);
  auto bad = sh(get("--http1.1 -sSk --cert /nonexistent.pem " + url));
  CHECK(bad.exit_code == 58);
  CHECK(sh("curl --http1.1 -sk --cert /nonexistent.pem " + url).exit_code == 58);
}
