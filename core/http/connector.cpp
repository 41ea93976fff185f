#include "core/http/connector.hpp"

#include "core/http/proxy_tunnel.hpp"

namespace sluice {

Connector::Connector(Loop& loop, ConnectSpec spec, Done done)
    : loop_(loop), spec_(std::move(spec)), done_(std::move(done)) {}

Connector::~Connector() {
  *alive_ = false;
  int fd = transport_ ? transport_->fd() : fd_.get();
  if (watching_ && fd >= 0) loop_.remove(fd);
  // Close after this iteration: an event already fetched for this fd number must
  // not reach a socket that reuses it.
  loop_.defer([f = std::make_shared<Fd>(std::move(fd_)),
               t = std::shared_ptr<Transport>(std::move(transport_))] {});
}

void Connector::start() {
  if (spec_.unix_socket) {
    addrs_ = {*spec_.unix_socket};
    result_.resolved = Clock::now();
    return try_next();
  }
  uint16_t port = spec_.proxy ? spec_.proxy->port : spec_.target_port();
  // --resolve pins the origin's addresses, not the proxy's.
  std::vector<SocketAddr> pinned = spec_.proxy ? std::vector<SocketAddr>{} : spec_.pinned;
  resolver_ = lookup(loop_, hop_host(), port, spec_.family, pinned,
                     [this](Result<std::vector<SocketAddr>> r) { resolved(std::move(r)); });
}

void Connector::resolved(Result<std::vector<SocketAddr>> r) {
  if (!r && spec_.proxy && r.error().code == Errc::resolve_failed)  // curl's exit 5, not 6
    return finish(
        std::unexpected(Error{Errc::bad_proxy, "Could not resolve proxy: " + spec_.proxy->host}));
  if (!r) return finish(std::unexpected(r.error()));
  addrs_ = std::move(*r);
  result_.resolved = Clock::now();
  try_next();
}

void Connector::watch(int fd, uint32_t events) {
  if (!watching_)
    watching_ = loop_.add(fd, events, this).has_value();
  else
    loop_.modify(fd, events);
}

void Connector::unwatch(int fd) {
  if (watching_) loop_.remove(fd);
  watching_ = false;
}

void Connector::try_next() {
  while (next_ < addrs_.size()) {
    const SocketAddr& a = addrs_[next_++];
    if (trace) trace('*', fmt::format("Trying {}...", a.to_string()));
    auto fd = tcp_connect_start(a, spec_.tcp);
    if (!fd && fd.error().code == Errc::interface_failed)  // curl's 45: no other address helps
      return finish(std::unexpected(fd.error()));
    if (!fd) {
      last_error_ = fd.error();
      continue;
    }
    fd_ = std::move(*fd);
    result_.remote = a;
    if (loop_.add(fd_.get(), EPOLLOUT, this)) {
      watching_ = true;
      return;
    }
  }
  finish(std::unexpected(last_error_.value_or(
      Error{Errc::connect_failed, fmt::format("Failed to connect to {}", hop_host())})));
}

void Connector::on_io(uint32_t) {
  if (tunnel_) return drive_tunnel();
  if (!transport_) return tcp_connected();
  drive_handshake();
}

void Connector::tcp_connected() {
  unwatch(fd_.get());
  if (auto r = connect_result(fd_.get(), result_.remote); !r) {
    last_error_ = r.error();
    fd_.reset();
    return try_next();
  }
  result_.tcp_done = Clock::now();
  result_.local.len = sizeof result_.local.ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&result_.local.ss),
                    &result_.local.len) != 0)
    result_.local.len = 0;
  if (trace)
    trace('*', fmt::format("Connected to {} ({}) port {}", hop_host(), result_.remote.ip(),
                           result_.remote.port()));
  if (spec_.proxy && spec_.proxy->tunnel) {
    const std::string& host = spec_.target_host();
    std::string authority = host.find(':') != std::string::npos
                                ? fmt::format("[{}]:{}", host, spec_.target_port())
                                : fmt::format("{}:{}", host, spec_.target_port());
    if (trace) trace('*', "Establish HTTP proxy tunnel to " + authority);
    tunnel_ = std::make_unique<ProxyTunnel>(fd_.get(), authority, spec_.proxy->authorization,
                                            spec_.proxy->headers);
    if (trace) trace('>', tunnel_->request());
    return drive_tunnel();
  }
  start_tls();
}

void Connector::drive_tunnel() {
  auto r = tunnel_->drive();
  result_.connect_status = tunnel_->status();
  if (r && !*r) return watch(fd_.get(), tunnel_->wants());
  unwatch(fd_.get());
  if (trace && tunnel_->status()) trace('<', tunnel_->response_head());
  tunnel_.reset();
  if (!r) return finish(std::unexpected(r.error()));
  if (trace) trace('*', "CONNECT tunnel established");
  start_tls();
}

void Connector::start_tls() {
  if (!spec_.tls) {
    result_.tls_done = Clock::now();
    result_.transport = std::make_unique<PlainTransport>(std::move(fd_));
    return finish(std::move(result_));
  }
  auto t = spec_.tls_ctx->connect(std::move(fd_), spec_.host);
  if (!t) return finish(std::unexpected(t.error()));
  transport_ = std::move(*t);
  drive_handshake();
}

void Connector::drive_handshake() {
  auto r = transport_->handshake();
  if (!r) {
    unwatch(transport_->fd());
    return finish(std::unexpected(r.error()));
  }
  if (!*r) return watch(transport_->fd(), transport_->wants());
  unwatch(transport_->fd());
  result_.tls_done = Clock::now();
  if (trace)
    trace('*', fmt::format("SSL connection using {} / {}, ALPN: {}", transport_->tls_version(),
                           transport_->tls_cipher(),
                           transport_->alpn().empty() ? "none" : transport_->alpn()));
  result_.transport = std::move(transport_);
  finish(std::move(result_));
}

void Connector::finish(Result<Connected> r) {
  if (finished_) return;
  finished_ = true;
  // Always deliver from the loop, never from inside start(): the caller may
  // destroy us in the callback.
  auto alive = alive_;
  auto shared = std::make_shared<Result<Connected>>(std::move(r));
  loop_.defer([this, alive, shared] {
    if (*alive) done_(std::move(*shared));
  });
}

}  // namespace sluice
