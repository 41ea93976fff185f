// `sluice serve`: HTTP/1.1 and HTTP/2 over TCP and TLS, HTTP/3 over QUIC
// (--http3), static files and synthetic endpoints, N worker threads. run() returns after a graceful
// stop (SIGINT/SIGTERM: stop accepting, finish in-flight responses within shutdown_timeout; a
// second signal closes everything at once).
#pragma once

#include "core/serve/config.hpp"

namespace sluice::serve {

Result<ServeReport> run(const ServeConfig& cfg, const ServeEvents& events);

}  // namespace sluice::serve
