// Opens a client connection: resolve (on a thread when DNS is asked), a
// non-blocking TCP connect (trying each address in turn), through an HTTP
// proxy a CONNECT tunnel when asked, then the TLS handshake with
// SNI/ALPN/verification.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "core/loop/loop.hpp"
#include "core/net/address.hpp"
#include "core/net/resolver.hpp"
#include "core/net/tcp.hpp"
#include "core/net/tls.hpp"
#include "core/net/transport.hpp"

namespace sluice {

class ProxyTunnel;

// The origin is reached through this HTTP proxy: TCP goes to it, and with
// `tunnel` a CONNECT to the origin comes before TLS.
struct ProxyHop {
  std::string host;
  uint16_t port = 0;
  bool tunnel = false;
  std::string authorization;  // Proxy-Authorization on CONNECT, "" for none
  std::string headers;        // --proxy-header lines, "Name: value\r\n" each
};

struct ConnectSpec {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  Family family = Family::any;
  std::vector<SocketAddr> pinned;  // --resolve: skip DNS
  std::shared_ptr<TlsContext> tls_ctx;
  std::optional<ProxyHop> proxy;
  // --connect-to: the host and port connections go to (DNS and the socket)
  // instead of host:port; TLS (SNI, the certificate's name) stays host's.
  std::string dial_host;
  uint16_t dial_port = 0;
  TcpClientOptions tcp;  // keepalive probes, --interface, --local-port
  // --unix-socket: every connection goes to this Unix socket instead (no DNS,
  // no proxy; TLS, when the URL asks, still names host).
  std::optional<SocketAddr> unix_socket;
  const std::string& target_host() const { return dial_host.empty() ? host : dial_host; }
  uint16_t target_port() const { return dial_port ? dial_port : port; }
};

struct Connected {
  std::unique_ptr<Transport> transport;
  SocketAddr remote;
  SocketAddr local;  // our end of the connection (%{local_ip})
  TimePoint resolved, tcp_done, tls_done;
  int connect_status = 0;  // the proxy's answer to CONNECT (%{http_connect}), 0 without
};

class Connector final : private IoHandler {
 public:
  using Done = std::function<void(Result<Connected>)>;
  Connector(Loop& loop, ConnectSpec spec, Done done);
  ~Connector() override;
  void start();  // result is delivered through done (maybe deferred)
  // The proxy's answer to CONNECT so far (0: none), also after a failure.
  int connect_status() const { return result_.connect_status; }
  // Events for -v: '*' "Trying 127.0.0.1:8080...", "Connected to ..."; '>'
  // and '<' the CONNECT request and answer.
  std::function<void(char, std::string_view)> trace;

 private:
  void on_io(uint32_t events) override;
  void resolved(Result<std::vector<SocketAddr>> r);
  void try_next();
  void tcp_connected();
  void start_tls();
  void drive_tunnel();
  void drive_handshake();
  void watch(int fd, uint32_t events);
  void unwatch(int fd);
  const std::string& hop_host() const {
    return spec_.proxy ? spec_.proxy->host : spec_.target_host();
  }
  void finish(Result<Connected> r);

  Loop& loop_;
  ConnectSpec spec_;
  Done done_;
  std::unique_ptr<AsyncResolve> resolver_;
  std::vector<SocketAddr> addrs_;
  std::size_t next_ = 0;
  Fd fd_;
  std::unique_ptr<ProxyTunnel> tunnel_;  // while the proxy is asked for CONNECT
  std::unique_ptr<Transport> transport_;
  Connected result_;
  std::optional<Error> last_error_;
  bool watching_ = false;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice
