// Shared by the `sluice get` e2e tests: the command line.
#pragma once

#include <string>

#include "support.hpp"

namespace e2e {

inline std::string get(const std::string& args) {
  return std::string(sluice_bin()) + " get " + args;
}

}  // namespace e2e
