#include "core/http/dialer.hpp"

#include "core/h1/client_session.hpp"
#include "core/h2/h2c_upgrade.hpp"

namespace sluice {

Dialer::Dialer(Loop& loop, ConnectSpec spec, DialOptions opts, Done done)
    : loop_(loop), spec_(std::move(spec)), opts_(std::move(opts)), done_(std::move(done)) {}

Dialer::~Dialer() {
  *alive_ = false;
  if (head_start_) loop_.cancel(head_start_);
}

void Dialer::start() {
  if (spec_.proxy && opts_.version == HttpVersion::http3_only)  // curl's exit 3, in its words
    return finish(
        std::unexpected(Error{Errc::bad_url, "HTTP/3 is not supported over a HTTP proxy"}));
  if (spec_.unix_socket && opts_.version == HttpVersion::http3_only)  // curl's 96
    return finish(std::unexpected(
        Error{Errc::quic_connect, "HTTP/3 cannot be used over a Unix domain socket"}));
  // --http3 with a proxy or a Unix socket: QUIC cannot go through it; TCP.
  if (tries_quic()) return start_quic();
  start_tcp();
}

void Dialer::trace(std::string_view s) const {
  if (opts_.trace) opts_.trace('*', s);
}

void Dialer::finish(Result<Dialed> r) {
  if (finished_) return;
  finished_ = true;
  if (head_start_) loop_.cancel(head_start_);
  head_start_ = 0;
  // Always from the loop, never from inside start(): the owner may destroy
  // us in the callback.
  auto shared = std::make_shared<Result<Dialed>>(std::move(r));
  loop_.defer([this, alive = alive_, shared] {
    if (!*alive) return;
    auto done = std::move(done_);  // this Dialer may not outlive the call
    done(std::move(*shared));
  });
}

// --- TCP: h1, h2, h2c ---

void Dialer::start_tcp() {
  if (connector_ || finished_) return;
  if (spec_.tls && !spec_.tls_ctx && opts_.tcp_tls_ctx) {
    auto ctx = opts_.tcp_tls_ctx();
    if (!ctx) return finish(std::unexpected(ctx.error()));
    spec_.tls_ctx = *ctx;
  }
  connector_.emplace(loop_, spec_, [this](Result<Connected> r) { tcp_connected(std::move(r)); });
  connector_->trace = opts_.trace;
  connector_->start();
}

void Dialer::tcp_connected(Result<Connected> r) {
  bool quic_running = tries_quic() && !quic_error_;
  connect_status_ = connector_->connect_status();
  if (!r) {
    tcp_error_ = r.error();
    if (quic_running) return;  // QUIC may still make it
    return finish(std::unexpected(r.error()));
  }
  if (quic_running) {
    trace("TCP connected before the QUIC handshake finished: using TCP");
    quic_session_.reset();
    quic_lookup_.reset();
  }
  Dialed d;
  d.h2 = !forwards() && speaks_h2(opts_.version, *r->transport);
  d.tls = r->transport->is_tls();
  d.tls_version = r->transport->tls_version();
  d.tls_cipher = r->transport->tls_cipher();
  d.tls_verify_result = r->transport->verify_result();
  d.remote = r->remote;
  d.local = r->local;
  d.resolved = r->resolved;
  d.tcp_done = r->tcp_done;
  d.tls_done = r->tls_done;
  d.session = make_session(std::move(r->transport), d.h2);
  finish(std::move(d));
}

std::unique_ptr<ClientSession> Dialer::make_session(std::unique_ptr<Transport> t, bool h2) const {
  auto trace = opts_.trace;
  auto trace_h2 = [trace](H2ClientSession& s) {
    if (trace) s.trace = trace;
  };
  if (h2) {
    auto s = std::make_unique<H2ClientSession>(loop_, std::move(t), opts_.h2);
    trace_h2(*s);
    return s;
  }
  bool upgrade =
      opts_.h2c_upgrade && opts_.version == HttpVersion::http2 && !t->is_tls() && !forwards();
  auto s = std::make_unique<H1ClientSession>(loop_, std::move(t), opts_.h1_read_size,
                                             opts_.h1_max_pipeline);
  if (trace) s->trace_request = [trace](std::string_view head) { trace('>', head); };
  if (opts_.raw_heads) s->keep_raw_heads();
  if (forwards())
    s->via_proxy = H1ClientSession::ProxyForm{spec_.proxy->authorization, spec_.proxy->headers};
  if (!upgrade) return s;
  return std::make_unique<H2cUpgradeSession>(loop_, std::move(s), opts_.h2, trace_h2);
}

// --- QUIC: h3 ---

void Dialer::start_quic() {
  auto module = h3::load_module();
  if (!module) return quic_failed(module.error());
  if (opts_.version == HttpVersion::http3) {
    head_start_ = loop_.after(opts_.h3_head_start, [this] {
      head_start_ = 0;
      if (finished_ || connector_) return;
      trace(fmt::format("QUIC not connected after {} ms: trying TCP alongside",
                        opts_.h3_head_start.count()));
      start_tcp();
    });
  }
  quic_lookup_ = lookup(loop_, spec_.target_host(), spec_.target_port(), spec_.family, spec_.pinned,
                        [this](Result<std::vector<SocketAddr>> r) { quic_resolved(std::move(r)); });
}

void Dialer::quic_resolved(Result<std::vector<SocketAddr>> r) {
  if (finished_) return;
  if (!r) return quic_failed(r.error());
  if (r->empty())
    return quic_failed({Errc::resolve_failed, "Could not resolve host: " + spec_.target_host()});
  quic_.resolved = Clock::now();
  quic_.remote = r->front();
  h3::QuicDialSpec d;
  d.host = spec_.host;
  d.remote = quic_.remote;
  d.verify = opts_.tls.verify;
  d.ca_file = opts_.tls.ca_file;
  d.stream_window = opts_.h2.stream_window;
  d.connection_window = static_cast<uint64_t>(opts_.h2.connection_window);
  d.max_concurrent_streams = opts_.h2.max_concurrent_streams;
  d.handshake_timeout = opts_.quic_handshake_timeout;
  d.read_coalesce = opts_.quic_read_coalesce;
  d.trace = opts_.trace;
  auto session =
      (*h3::load_module())->dial(loop_, std::move(d), [this, alive = alive_](auto ready) {
        if (*alive) quic_ready(std::move(ready));
      });
  if (!session) return quic_failed(session.error());
  quic_session_ = std::move(*session);
}

void Dialer::quic_ready(Result<h3::QuicDialed> r) {
  if (finished_) return;
  if (!r) return quic_failed(r.error());
  quic_.session = std::move(quic_session_);
  quic_.h3 = quic_.tls = true;
  quic_.tls_version = r->tls_version;
  quic_.tls_cipher = r->tls_cipher;
  quic_.tcp_done = quic_.tls_done = Clock::now();
  if (connector_) {
    trace("QUIC connected before TCP: using HTTP/3");
    connector_.reset();
  }
  trace(fmt::format("Connected to {} ({}) port {} over QUIC, HTTP/3", spec_.host, quic_.remote.ip(),
                    quic_.remote.port()));
  finish(std::move(quic_));
}

// QUIC is out: with --http3-only that is the answer; with --http3, TCP takes
// over (or, if it failed already, its error is the answer).
void Dialer::quic_failed(const Error& e) {
  if (finished_) return;
  quic_error_ = e;
  // From the session's ready callback: dropping it here is allowed.
  quic_session_.reset();
  if (opts_.version == HttpVersion::http3_only) return finish(std::unexpected(e));
  if (tcp_error_) return finish(std::unexpected(*tcp_error_));
  trace(fmt::format("QUIC failed ({}): using TCP", e.message));
  start_tcp();
}

}  // namespace sluice
