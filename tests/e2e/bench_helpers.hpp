// Shared by the `sluice bench` e2e tests: the command line, and values read
// from its JSON results.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "support.hpp"

namespace e2e {

inline std::string bench(const std::string& args) {
  return std::string(sluice_bin()) + " bench " + args;
}

// A value from the JSON results, via python3 (no JSON parser in the tests):
// expr is a Python expression over the decoded document `d`.
inline std::string field(const std::string& file, const std::string& expr) {
  auto r = sh(SLUICE_PYTHON3 " -c \"import json; d=json.load(open('" + file + "')); print(" + expr +
              ")\"");
  return r.out.empty() ? "" : r.out.substr(0, r.out.size() - 1);
}

// How many requests `sluice serve` says it answered (its /stats).
inline long server_requests(const Server& s) {
  auto r = sh("curl -s " + s.base +
              "/stats | " SLUICE_PYTHON3
              " -c 'import json,sys; print(json.load(sys.stdin)[\"requests\"])'");
  return std::stol(r.out);
}

inline double num(const std::string& file, const std::string& expr) {
  std::string v = field(file, expr);
  INFO(expr << " = '" << v << "'");
  REQUIRE(!v.empty());
  return std::stod(v);
}

}  // namespace e2e
