// ngtcp2's example HTTP/3 server (gtlsserver, package ngtcp2-server) as a
// peer for the h3 e2e tests of get and bench.
#pragma once

#include <memory>
#include <string>

#include "support.hpp"

namespace e2e {

// The files gtlsserver serves (small.bin 3 MB, big.bin 100 MB, hello.txt),
// and a certificate for good.test and 127.0.0.1: made once per test process.
const std::string& gtls_www();

// gtlsserver on 127.0.0.1 serving gtls_www(), ready when constructed;
// extra_args such as "-t 0.05 -r 0.05" make it drop packets.
struct Gtlsserver {
  explicit Gtlsserver(const std::string& extra_args = "");
  std::string url(const std::string& file) const {
    return "https://127.0.0.1:" + std::to_string(port) + "/" + file;
  }
  std::string sha(const std::string& file) const { return sha_of("cat " + dir + "/" + file); }

  std::string dir;
  int port = 0;
  std::unique_ptr<Process> proc;
};

}  // namespace e2e
