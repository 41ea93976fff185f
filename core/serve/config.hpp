// What `sluice serve` is asked to do, and what it reports back. core never
// prints: the listening addresses and the certificate fingerprint go to the
// caller through ServeEvents.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/h1/server_session.hpp"
#include "core/h2/server_session.hpp"
#include "core/loop/loop.hpp"
#include "core/net/address.hpp"

namespace sluice::serve {

struct ServeConfig {
  std::vector<SocketAddr> listen;  // port 0 picks a free port
  bool tls = false;
  std::string cert_file, key_file;  // both empty with tls: self-signed at start-up
  // With tls: a QUIC (HTTP/3) listener on the UDP port of each TLS listener,
  // through the HTTP/3 module; h1/h2 responses advertise it with Alt-Svc.
  bool http3 = false;
  // QUIC address validation: Retry for every new client, or only while this
  // many handshakes are in progress on a worker (0: never).
  bool quic_retry = false;
  uint32_t quic_max_handshakes = 256;
  std::string root;              // static files; empty: synthetic endpoints only
  int threads = 1;               // one loop and one SO_REUSEPORT socket set each
  uint64_t max_connections = 0;  // per process, 0: no limit but the fd limit
  // After this many requests a connection ends gracefully, as with nginx's
  // keepalive_requests: h1 answers the last with "Connection: close", h2
  // sends GOAWAY naming it as the last stream. 0: no limit.
  uint64_t keepalive_requests = 0;
  ServerLimits limits;               // request head (431) and body (413) sizes
  H2ServerSettings h2;               // SETTINGS we send, and the h2 receive windows
  Millis request_timeout{10'000};    // whole request head, else 408
  Millis keepalive_timeout{30'000};  // idle between requests; also a stalled peer mid-response
  Millis shutdown_timeout{10'000};   // SIGINT/SIGTERM: in-flight responses get this long
  bool defer_accept = true;          // TCP_DEFER_ACCEPT, 1 s
};

struct ServeEvents {
  std::function<void(const std::string& url)>
      listening;  // once per --listen: "http://127.0.0.1:8080"
  std::function<void(const std::string& sha256)> certificate;   // with tls: "AB:CD:..."
  std::function<void(const std::string& addr)> quic_listening;  // --http3: "127.0.0.1:8443"
  std::function<void(int signal)> stopping;  // first SIGINT/SIGTERM: graceful stop begins
};

struct ServeReport {
  uint64_t requests = 0;
  uint64_t connections = 0;
};

}  // namespace sluice::serve
