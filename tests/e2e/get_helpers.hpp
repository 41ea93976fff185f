// Shared by the `sluice get` e2e tests: the command line.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <string>

#include "support.hpp"

namespace e2e {

inline std::string get(const std::string& args) {
  return std::string(sluice_bin()) + " get " + args;
}

inline const std::string kCurl = "curl ";

// Whether the curl installed is at least major.minor ("curl 8.14.1 (...)"):
// for behaviour that changed between the curls users have (7.88 and 8.x).
inline bool curl_at_least(int major, int minor) {
  auto v = sh("curl -V | head -1 | cut -d' ' -f2");
  int got_major = 0, got_minor = 0;
  if (std::sscanf(v.out.c_str(), "%d.%d", &got_major, &got_minor) != 2) return false;
  return got_major > major || (got_major == major && got_minor >= minor);
}

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
