// Opens a client connection: resolve (on a thread when DNS is asked), a
// non-blocking TCP connect (trying each address in turn), then the TLS
// handshake with SNI/ALPN/verification.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "core/loop/loop.hpp"
#include "core/net/address.hpp"
#include "core/net/resolver.hpp"
#include "core/net/tls.hpp"
#include "core/net/transport.hpp"

namespace sluice {

struct ConnectSpec {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  Family family = Family::any;
  std::vector<SocketAddr> pinned;  // --resolve: skip DNS
  std::shared_ptr<TlsContext> tls_ctx;
};

struct Connected {
  std::unique_ptr<Transport> transport;
  SocketAddr remote;
  SocketAddr local;  // our end of the connection (%{local_ip})
  TimePoint resolved, tcp_done, tls_done;
};

class Connector final : private IoHandler {
 public:
  using Done = std::function<void(Result<Connected>)>;
  Connector(Loop& loop, ConnectSpec spec, Done done);
  ~Connector() override;
  void start();  // result is delivered through done (maybe deferred)
  // Events for -v: "Trying 127.0.0.1:8080...", "Connected to ...".
  std::function<void(std::string_view)> trace;

 private:
  void on_io(uint32_t events) override;
  void resolved(Result<std::vector<SocketAddr>> r);
  void try_next();
  void tcp_connected();
  void drive_handshake();
  void finish(Result<Connected> r);

  Loop& loop_;
  ConnectSpec spec_;
  Done done_;
  std::unique_ptr<AsyncResolve> resolver_;
  std::vector<SocketAddr> addrs_;
  std::size_t next_ = 0;
  Fd fd_;
  std::unique_ptr<Transport> transport_;
  Connected result_;
  std::optional<Error> last_error_;
  bool watching_ = false;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice
