#include "gtlsserver.hpp"

#include <catch2/catch_test_macros.hpp>

namespace e2e {

const std::string& gtls_www() {
  static const std::string dir = [] {
    std::string d = tmpdir() + "/h3www";
    REQUIRE(sh("mkdir -p " + d + " && cd " + d +
               " && head -c 3000000 /dev/urandom > small.bin"
               " && head -c 100000000 /dev/urandom > big.bin"
               " && printf 'hello over quic\\n' > hello.txt"
               " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
               " -subj /CN=good.test -addext subjectAltName=DNS:good.test,IP:127.0.0.1"
               " -keyout key.pem -out cert.pem 2>/dev/null")
                .exit_code == 0);
    return d;
  }();
  return dir;
}

Gtlsserver::Gtlsserver(const std::string& extra_args) : dir(gtls_www()) {
  port = free_udp_port();
  proc =
      std::make_unique<Process>("gtlsserver -q " + extra_args + " -d " + dir + " 127.0.0.1 " +
                                std::to_string(port) + " " + dir + "/key.pem " + dir + "/cert.pem");
  INFO(proc->log());
  REQUIRE(wait_udp_port(port));
}

}  // namespace e2e
