// The HTTP/3 module's entry point (see core/http/h3_module.hpp): the only
// symbol sluice-h3.so exports.
#include <fmt/format.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>

#include "core/h3/client_session.hpp"
#include "core/h3/quic_server.hpp"
#include "core/http/h3_module.hpp"

namespace sluice::h3 {

namespace {

QuicClientConfig quic_config(const QuicDialSpec& spec) {
  QuicClientConfig q;
  q.remote = spec.remote;
  q.tls = {spec.host, spec.verify, spec.ca_file};
  q.stream_window = spec.stream_window;
  q.connection_window = spec.connection_window;
  q.handshake_timeout = spec.handshake_timeout;
  q.idle_timeout = spec.idle_timeout;
  q.read_coalesce = spec.read_coalesce;
  if (spec.trace) q.trace = [t = spec.trace](std::string_view s) { t('*', s); };
  return q;
}

class ModuleImpl final : public Module {
 public:
  std::string versions() const override {
    return fmt::format("ngtcp2/{} GnuTLS/{}", ngtcp2_version(0)->version_str,
                       gnutls_check_version(nullptr));
  }

  std::string request_fields(const Request& req) const override {
    std::string section;
    encode_request_fields(RequestFields(req), section);
    return section;
  }

  Result<std::unique_ptr<ClientSession>> dial(Loop& loop, QuicDialSpec spec, Ready ready) override {
    // The ready callback needs the session it reports on, which exists only
    // once connect() returns.
    auto session = std::make_shared<H3ClientSession*>(nullptr);
    auto on_ready = [session, ready = std::move(ready)](Result<void> r) {
      if (!r) return ready(std::unexpected(r.error()));
      const QuicTlsClient& tls = (*session)->quic().tls();
      ready(QuicDialed{tls.version(), tls.cipher()});
    };
    H3ClientConfig cfg{spec.max_concurrent_streams, spec.trace};
    auto s = H3ClientSession::connect(loop, quic_config(spec), std::move(cfg), std::move(on_ready));
    if (!s) return std::unexpected(s.error());
    *session = s->get();
    return std::unique_ptr<ClientSession>(std::move(*s));
  }

  Result<std::unique_ptr<QuicListener>> listen(Loop& loop, const QuicListenSpec& spec,
                                               serve::RequestRouter& router) override {
    auto l = QuicServerListener::open(loop, spec, router);
    if (!l) return std::unexpected(l.error());
    return std::unique_ptr<QuicListener>(std::move(*l));
  }
};

}  // namespace

}  // namespace sluice::h3

extern "C" __attribute__((visibility("default"))) void* sluice_h3_module(int abi_version) {
  if (abi_version != sluice::h3::kAbiVersion) return nullptr;
  static sluice::h3::ModuleImpl module;
  return static_cast<sluice::h3::Module*>(&module);
}
