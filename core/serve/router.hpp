// Which endpoint answers a request. The rule: synthetic endpoints always own
// their paths (/bytes/, /drip, /redirect/, /status/, /delay/, /echo, /stats);
// with --root every other path, "/" included, is a file under the root;
// without --root "/" is the endpoint index and anything else is 404.
#pragma once

#include <memory>
#include <string>

#include "core/serve/exchange.hpp"
#include "core/serve/stats.hpp"

namespace sluice::serve {

// Read-only, shared by every worker.
struct Env {
  std::string root;  // canonical --root, empty when none
  int root_fd = -1;  // --root opened as O_PATH | O_DIRECTORY: files are opened beneath it
  const Stats* stats = nullptr;
};

std::unique_ptr<Endpoint> route(const RequestHead& req, const Env& env);

}  // namespace sluice::serve
