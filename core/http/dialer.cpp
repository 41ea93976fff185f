#include "core/http/dialer.hpp"

#include "core/h1/client_session.hpp"
#include "core/h2/h2c_upgrade.hpp"

namespace sluice {

Dialer::Dialer(Loop& loop, ConnectSpec spec, DialOptions opts, Done done)
    : loop_(loop),
      opts_(std::move(opts)),
      done_(std::move(done)),
      connector_(loop, std::move(spec), [this](Result<Connected> r) { connected(std::move(r)); }) {
  if (opts_.trace) connector_.trace = [t = opts_.trace](std::string_view s) { t('*', s); };
}

void Dialer::start() {
  connector_.start();
}

void Dialer::connected(Result<Connected> r) {
  if (!r) return done_(std::unexpected(r.error()));
  Dialed d;
  d.h2 = speaks_h2(opts_.version, *r->transport);
  d.tls = r->transport->is_tls();
  d.tls_version = r->transport->tls_version();
  d.tls_cipher = r->transport->tls_cipher();
  d.remote = r->remote;
  d.resolved = r->resolved;
  d.tcp_done = r->tcp_done;
  d.tls_done = r->tls_done;
  d.session = make_session(std::move(r->transport), d.h2);
  auto done = std::move(done_);  // this Dialer may not outlive the call
  done(std::move(d));
}

std::unique_ptr<Session> Dialer::make_session(std::unique_ptr<Transport> t, bool h2) const {
  auto trace = opts_.trace;
  auto trace_h2 = [trace](H2ClientSession& s) {
    if (trace) s.trace = trace;
  };
  if (h2) {
    auto s = std::make_unique<H2ClientSession>(loop_, std::move(t), opts_.h2);
    trace_h2(*s);
    return s;
  }
  bool upgrade = opts_.h2c_upgrade && opts_.version == HttpVersion::http2 && !t->is_tls();
  auto s = std::make_unique<H1ClientSession>(loop_, std::move(t), opts_.h1_read_size,
                                             opts_.h1_max_pipeline);
  if (trace) s->trace_request = [trace](std::string_view head) { trace('>', head); };
  if (!upgrade) return s;
  return std::make_unique<H2cUpgradeSession>(loop_, std::move(s), opts_.h2, trace_h2);
}

}  // namespace sluice
