// The HTTP/3 module seam. QUIC (ngtcp2), HTTP/3 (our own) and the TLS inside
// QUIC (GnuTLS) live in a module, sluice-h3.so, that the binary loads with
// dlopen(3) (core/util/module_loader) on the first use of HTTP/3: mapping and relocating GnuTLS and
// its dependencies costs about 3 MiB of RSS, which an h1/h2 run must not pay (DESIGN.md). The
// module is built from core/h3/ with its own copy of the core code it uses and exports one C
// symbol, kEntrySymbol, that hands back the Module interface below. Host and module come from one
// build, so they share the class layouts; kAbiVersion guards against a stale module.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/http/client_session.hpp"
#include "core/loop/loop.hpp"
#include "core/net/address.hpp"
#include "core/util/error.hpp"

namespace sluice::serve {
class RequestRouter;
}

namespace sluice::h3 {

inline constexpr int kAbiVersion = 9;
inline constexpr const char* kEntrySymbol = "sluice_h3_module";
inline constexpr const char* kModuleFile = "sluice-h3.so";

// An HTTP/3 connection to open: QUIC v1 to one resolved address, TLS 1.3
// with ALPN "h3".
struct QuicDialSpec {
  std::string host;  // SNI (names only) and the name the certificate must carry
  SocketAddr remote;
  bool verify = true;                     // -k turns it off
  std::string ca_file;                    // --cacert; empty: the system's trust store
  uint64_t stream_window = 1 << 20;       // per stream, given back as the consumer takes bytes
  uint64_t connection_window = 64 << 20;  // credited on receipt
  uint32_t max_concurrent_streams = 100;
  Millis handshake_timeout{10000};
  Millis idle_timeout{30000};
  // Zero, or how long a bulk download stops listening after draining the
  // socket, to read the next bursts in one go (see QuicClient::on_readable).
  std::chrono::microseconds read_coalesce{0};
  // -v: '*' connection events, '>' request heads. Outlives the dial (the
  // session keeps it): capture nothing shorter-lived.
  std::function<void(char, std::string_view)> trace;
};

// What the handshake settled.
struct QuicDialed {
  std::string tls_version, tls_cipher;
};

// A QUIC listener for `serve --http3`: a UDP socket bound to `local` and the
// HTTP/3 connections it accepts, each request answered by an endpoint the
// host's RequestRouter makes (the module is the endpoint's ResponseWriter).
struct QuicListenSpec {
  SocketAddr local;
  bool reuse_port = false;             // SO_REUSEPORT: one socket per worker thread
  std::string cert_pem, key_pem;       // the certificate chain and key TLS over TCP uses
  uint32_t max_streams = 100;          // request streams a client may have open
  uint64_t stream_window = 256 << 10;  // request body bytes per stream not yet taken
  Millis idle_timeout{30000};
  Millis handshake_timeout{10000};
  // Shared by all workers of one server (made once per run): stateless reset
  // and Retry tokens any worker can check. worker/workers: this listener's
  // index among them, which its connection IDs encode for routing.
  std::array<uint8_t, 32> secret{};
  unsigned worker = 0, workers = 1;
  // Address validation: Retry every new client (--quic-retry), or only while
  // this many handshakes are in progress on the worker (0: never).
  bool retry = false;
  uint32_t max_handshakes = 256;
};

class QuicListener {
 public:
  virtual ~QuicListener() = default;  // closes every connection at once
  virtual SocketAddr local() const = 0;
  virtual std::size_t connections() const = 0;
  // Graceful stop: no new connections; each gets an HTTP/3 GOAWAY, its open
  // streams finish, then CONNECTION_CLOSE. done is called from the loop once
  // no connection is left.
  virtual void drain(std::function<void()> done) = 0;
  virtual void close_now() = 0;  // CONNECTION_CLOSE to every connection, now
  // Gives the small blocks the module's allocator caches for this thread
  // back to malloc (the module has its own copy of core/util/small_alloc),
  // so that a malloc_trim after a burst can return their pages.
  virtual void trim_memory() = 0;
};

// What the module offers the host.
class Module {
 public:
  virtual ~Module() = default;
  // The libraries the module runs on: "ngtcp2/1.11.0 GnuTLS/3.7.9".
  virtual std::string versions() const = 0;
  // Starts a QUIC connection and returns its HTTP/3 session at once; ready
  // is called once, from the loop, when the handshake is done (the session
  // takes requests) or failed. The caller may destroy the session inside it.
  using Ready = std::function<void(Result<QuicDialed>)>;
  virtual Result<std::unique_ptr<ClientSession>> dial(Loop& loop, QuicDialSpec spec,
                                                      Ready ready) = 0;
  // The request's HEADERS field section, QPACK-encoded as a session sends it:
  // for Request::h3_fields.
  virtual std::string request_fields(const Request& req) const = 0;
  // Binds a QUIC listener on the loop; router must outlive it.
  virtual Result<std::unique_ptr<QuicListener>> listen(Loop& loop, const QuicListenSpec& spec,
                                                       serve::RequestRouter& router) = 0;
};

// The entry point, kEntrySymbol, is `void* (int abi_version)`: the Module*,
// or nullptr when the module was built for another ABI.

// Where the module is looked for: $SLUICE_H3_MODULE when set, else beside the
// running binary, else ../lib/sluice/ next to it (an installed layout).
std::string module_path();

// Loads the module on first call (thread-safe) and returns the same result
// on every later one. The error reads "HTTP/3 support not available: <why>".
Result<Module*> load_module();

}  // namespace sluice::h3
