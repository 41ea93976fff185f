// `sluice serve --tls --http3` for the h3 e2e tests: ready when constructed
// (its TCP port accepts and its UDP port is bound).
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "support.hpp"

namespace e2e {

struct H3Server {
  explicit H3Server(const std::string& extra = "") : srv("--http3 " + extra, true) {
    INFO(srv.proc.log());
    REQUIRE(wait_udp_port(srv.port));
  }
  std::string url(const std::string& path) const { return srv.base + path; }
  Server srv;
};

}  // namespace e2e
