// Files under --root: GET and HEAD, one Range (206/416), Last-Modified and
// If-Modified-Since, index.html for directories (else 403). No path leaves the
// root: ".." is resolved lexically first (climbing above the root is 403),
// then the path is opened beneath the root's fd in one race-free step
// (beneath.hpp): symlinks inside the root are followed, any way out is 404,
// so nothing outside is even confirmed to exist. Only regular files are read.
//
// Disk reads happen on the loop thread: a test server's files sit in the page
// cache, and plain connections send them with sendfile(2) anyway.
#pragma once

#include <memory>
#include <string>

#include "core/serve/exchange.hpp"
#include "core/serve/target.hpp"

namespace sluice::serve {

// root_fd: the --root directory, opened once (O_PATH | O_DIRECTORY).
std::unique_ptr<Endpoint> make_static(const RequestHead& req, const Target& t, int root_fd);

}  // namespace sluice::serve
