// One place that turns an origin and a version policy into a connected
// Session: resolve, TCP and TLS (Connector), then the protocol that ALPN or
// the policy chose (HTTP/1.1, h2, or HTTP/1.1 asking to upgrade to h2c). Both
// `get` (fetch::Transfer) and `bench` (bench::Worker) dial through it, so a
// new protocol, HTTP/3 and its fallback to TCP, is decided here once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/h2/client_session.hpp"
#include "core/http/connector.hpp"
#include "core/http/http_version.hpp"
#include "core/http/session.hpp"

namespace sluice {

struct DialOptions {
  HttpVersion version = HttpVersion::negotiate;
  H2ClientConfig h2;
  std::size_t h1_read_size = 64 * 1024;  // bytes read per h1 read call
  std::size_t h1_max_pipeline = 1;       // requests in flight on an h1 connection
  // With HttpVersion::http2 on plain TCP: the first request asks "Upgrade: h2c"
  // (get, as curl does); without it, such a connection stays HTTP/1.1 (bench).
  bool h2c_upgrade = false;
  // -v: connection events ('*'), h1 request heads ('>'), h2 frames. It may
  // outlive the dialer's owner (sessions are pooled): capture nothing shorter-lived.
  std::function<void(char, std::string_view)> trace;
};

struct Dialed {
  std::unique_ptr<Session> session;
  bool h2 = false;  // h2 from the start (ALPN or prior knowledge), not an h2c upgrade
  bool tls = false;
  std::string tls_version, tls_cipher;  // empty on plain TCP
  SocketAddr remote;
  TimePoint resolved, tcp_done, tls_done;
};

class Dialer {
 public:
  using Done = std::function<void(Result<Dialed>)>;
  // done is called once, maybe deferred; the Dialer may be destroyed inside it.
  Dialer(Loop& loop, ConnectSpec spec, DialOptions opts, Done done);
  void start();

 private:
  void connected(Result<Connected> r);
  std::unique_ptr<Session> make_session(std::unique_ptr<Transport> t, bool h2) const;

  Loop& loop_;
  DialOptions opts_;
  Done done_;
  Connector connector_;
};

}  // namespace sluice
