// Which endpoint answers a request. The rule: an unknown method is 501 (see
// methods.hpp); `OPTIONS *` is answered for the whole server; the path is
// percent-decoded and normalised ("." and ".." resolved, empty segments
// dropped; ".." above the root is 403), then synthetic endpoints always own
// their paths (/bytes/, /drip, /redirect/, /status/, /delay/, /echo, /stats)
// and answer every method the server implements but TRACE. With --root every
// other path, "/" included, is a file under the root (GET, HEAD, OPTIONS);
// without --root "/" is the endpoint index and anything else is 404.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/serve/exchange.hpp"
#include "core/serve/file_cache.hpp"
#include "core/serve/stats.hpp"

namespace sluice::serve {

// Read-only, shared by every worker.
struct Env {
  std::string root;  // canonical --root, empty when none
  int root_fd = -1;  // --root opened as O_PATH | O_DIRECTORY: files are opened beneath it
  const Stats* stats = nullptr;
};

// One per worker: the shared Env plus what a worker keeps for itself (its
// open-file cache), so routing takes no lock.
class Router {
 public:
  Router(const Env& env, Loop& loop);
  std::unique_ptr<Endpoint> route(const RequestHead& req);

 private:
  void sweep();

  const Env& env_;
  Loop& loop_;
  std::optional<FileCache> files_;  // with --root
  Deadline sweep_;                  // closes idle cached files, while any is cached
};

}  // namespace sluice::serve
