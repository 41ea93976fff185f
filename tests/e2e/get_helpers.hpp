// Shared by the `sluice get` e2e tests: the command line and a body's sha256.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "support.hpp"

namespace e2e {

inline std::string get(const std::string& args) {
  return std::string(sluice_bin()) + " get " + args;
}

// sha256 (hex) of what cmd writes on stdout; the command must succeed.
inline std::string sha(const std::string& cmd) {
  auto r = sh("set -o pipefail; " + cmd + " | sha256sum | cut -c1-64");
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace e2e
