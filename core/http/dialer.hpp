// One place that turns an origin and a version policy into a connected
// ClientSession: resolve, TCP and TLS (Connector), then the protocol that ALPN or
// the policy chose (HTTP/1.1, h2, or HTTP/1.1 asking to upgrade to h2c); or
// QUIC and HTTP/3 through the HTTP/3 module, racing TCP after a head start
// when the policy allows a fallback. Through an HTTP proxy (ConnectSpec::proxy)
// it is TCP only: HTTP/1.1 in absolute-form to the proxy, or anything ALPN
// chooses inside a CONNECT tunnel. Both `get` (fetch::Transfer) and `bench`
// (bench::Generator) dial through it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/h2/client_session.hpp"
#include "core/http/client_session.hpp"
#include "core/http/connector.hpp"
#include "core/http/h3_module.hpp"
#include "core/http/http_version.hpp"

namespace sluice {

struct DialOptions {
  HttpVersion version = HttpVersion::negotiate;
  H2ClientConfig h2;
  std::size_t h1_read_size = 64 * 1024;  // bytes read per h1 read call
  std::size_t h1_max_pipeline = 1;       // requests in flight on an h1 connection
  // With HttpVersion::http2 on plain TCP: the first request asks "Upgrade: h2c"
  // (get, as curl does); without it, such a connection stays HTTP/1.1 (bench).
  bool h2c_upgrade = false;
  // QUIC: its TLS (GnuTLS) is configured from this, not from the OpenSSL
  // context; the stream window is h2.stream_window.
  TlsClientConfig tls;
  // Makes the TCP TLS context when an https ConnectSpec comes without one
  // (the QUIC policies: OpenSSL is loaded only if TCP is tried).
  std::function<Result<std::shared_ptr<TlsContext>>()> tcp_tls_ctx;
  Millis quic_handshake_timeout{10000};
  // --http3: how long QUIC runs alone before TCP starts alongside it.
  Millis h3_head_start{200};
  // QUIC read coalescing for bulk downloads (get); a load generator leaves
  // it off, so its latencies hold no delay of its own.
  std::chrono::microseconds quic_read_coalesce{0};
  // -v: connection events ('*'), h1 request heads ('>'), h2 frames. It may
  // outlive the dialer's owner (sessions are pooled): capture nothing shorter-lived.
  bool raw_heads = false;  // h1 responses keep their heads as received (get)
  std::function<void(char, std::string_view)> trace;
};

struct Dialed {
  std::unique_ptr<ClientSession> session;
  bool h2 = false;  // h2 from the start (ALPN or prior knowledge), not an h2c upgrade
  bool h3 = false;
  bool tls = false;
  std::string tls_version, tls_cipher;  // empty on plain TCP
  long tls_verify_result = 0;           // OpenSSL's X509 result; 0 on plain TCP and QUIC
  SocketAddr remote, local;
  TimePoint resolved, tcp_done, tls_done;  // QUIC: both done at the handshake's end
};

class Dialer {
 public:
  using Done = std::function<void(Result<Dialed>)>;
  // done is called once, from the loop; the Dialer may be destroyed inside it.
  Dialer(Loop& loop, ConnectSpec spec, DialOptions opts, Done done);
  ~Dialer();
  void start();
  // A proxy's answer to CONNECT (0: none), also when the dial failed (%{http_connect}).
  int connect_status() const { return connect_status_; }

 private:
  bool forwards() const { return spec_.proxy && !spec_.proxy->tunnel; }
  // The version policy tries QUIC, and the path allows it: QUIC goes through
  // neither an HTTP proxy nor a Unix socket.
  bool tries_quic() const {
    return tries_h3(opts_.version, spec_.tls) && !spec_.proxy && !spec_.unix_socket;
  }
  void start_tcp();
  void tcp_connected(Result<Connected> r);
  std::unique_ptr<ClientSession> make_session(std::unique_ptr<Transport> t, bool h2) const;
  void start_quic();
  void quic_resolved(Result<std::vector<SocketAddr>> r);
  void quic_ready(Result<h3::QuicDialed> r);
  void quic_failed(const Error& e);
  void trace(std::string_view s) const;
  void finish(Result<Dialed> r);

  Loop& loop_;
  ConnectSpec spec_;
  DialOptions opts_;
  Done done_;
  std::optional<Connector> connector_;  // TCP, once started
  std::optional<Error> tcp_error_, quic_error_;
  std::unique_ptr<AsyncResolve> quic_lookup_;
  std::unique_ptr<ClientSession> quic_session_;  // handshaking
  Dialed quic_;                                  // what is known of it so far
  TimerId head_start_ = 0;
  int connect_status_ = 0;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice
