// Shared by the `sluice get` e2e tests: the command line.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "support.hpp"

namespace e2e {

inline std::string get(const std::string& args) {
  return std::string(sluice_bin()) + " get " + args;
}

inline const std::string kCurl = "curl ";

// tests/e2e/peers/badserver.py (or another peer script taking MODE PORT, such
// as fakeproxy.py) in MODE on a free port, ready when constructed.
struct BadServer {
  explicit BadServer(const std::string& mode, const std::string& script = "badserver.py")
      : port(free_port()),
        url("http://127.0.0.1:" + std::to_string(port) + "/"),
        proc(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/" + script + " " + mode + " " +
             std::to_string(port)) {
    REQUIRE(wait_port(port));
  }
  int port;
  std::string url;
  Process proc;
};

}  // namespace e2e
