#include "core/h3/quic_tls.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "core/h3/ca_bundle.hpp"

namespace sluice::h3 {

namespace {

// TLS 1.3 only (QUIC v1 requires it), with the AEADs QUIC defines and the
// common groups: the set ngtcp2's own GnuTLS examples use.
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "+AES-128-CCM:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1";

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Error tls_error(const char* what, int rc) {
  return Error{Errc::tls_handshake,
               fmt::format("QUIC TLS set-up: {}: {}", what, gnutls_strerror(rc))};
}

Result<void> load_trust(gnutls_certificate_credentials_t cred, const QuicTlsConfig& cfg) {
  if (!cfg.verify) return {};
  if (!cfg.ca_file.empty()) {
    int n = gnutls_certificate_set_x509_trust_file(cred, cfg.ca_file.c_str(), GNUTLS_X509_FMT_PEM);
    if (n <= 0)
      return fail(Errc::ca_file, fmt::format("error setting certificate file: {}", cfg.ca_file));
    return {};
  }
  if (!system_ca_bundle().empty()) return {};  // looked up per handshake, not loaded
  if (int n = gnutls_certificate_set_x509_system_trust(cred); n < 0)
    return std::unexpected(tls_error("system trust store", n));
  return {};
}

}  // namespace

Result<std::unique_ptr<QuicTlsClient>> QuicTlsClient::create(const QuicTlsConfig& cfg,
                                                             ngtcp2_crypto_conn_ref* conn_ref) {
  std::unique_ptr<QuicTlsClient> t(new QuicTlsClient);
  t->host_ = cfg.host;
  if (int rc = gnutls_certificate_allocate_credentials(&t->cred_); rc != 0)
    return std::unexpected(tls_error("credentials", rc));
  if (auto r = load_trust(t->cred_, cfg); !r) return std::unexpected(r.error());
  if (int rc = gnutls_init(&t->session_,
                           GNUTLS_CLIENT | GNUTLS_ENABLE_EARLY_DATA | GNUTLS_NO_END_OF_EARLY_DATA);
      rc != 0)
    return std::unexpected(tls_error("gnutls_init", rc));
  if (ngtcp2_crypto_gnutls_configure_client_session(t->session_) != 0)
    return fail(Errc::tls_handshake,
                "QUIC TLS set-up: ngtcp2_crypto_gnutls_configure_client_session failed");
  if (int rc = gnutls_priority_set_direct(t->session_, kPriority, nullptr); rc != 0)
    return std::unexpected(tls_error("priority", rc));
  gnutls_session_set_ptr(t->session_, conn_ref);
  if (int rc = gnutls_credentials_set(t->session_, GNUTLS_CRD_CERTIFICATE, t->cred_); rc != 0)
    return std::unexpected(tls_error("credentials", rc));
  gnutls_datum_t h3{reinterpret_cast<unsigned char*>(const_cast<char*>("h3")), 2};
  if (int rc = gnutls_alpn_set_protocols(t->session_, &h3, 1, GNUTLS_ALPN_MANDATORY); rc != 0)
    return std::unexpected(tls_error("ALPN", rc));
  if (!is_ip_literal(cfg.host))
    gnutls_server_name_set(t->session_, GNUTLS_NAME_DNS, cfg.host.data(), cfg.host.size());
  if (cfg.verify && cfg.ca_file.empty()) t->bundle_ = system_ca_bundle();
  if (!t->bundle_.empty()) {
    // ngtcp2 keeps the session's pointer; the transport pointer is unused in QUIC.
    gnutls_transport_set_ptr(t->session_, t.get());
    gnutls_session_set_verify_function(t->session_, verify_peer);
  } else if (cfg.verify) {
    // GnuTLS checks the chain and the name (DNS or IP SAN) during the handshake.
    gnutls_session_set_verify_cert(t->session_, cfg.host.c_str(), 0);
  }
  return t;
}

int QuicTlsClient::verify_peer(gnutls_session_t session) {
  auto* self = static_cast<QuicTlsClient*>(gnutls_transport_get_ptr(session));
  self->verify_status_ = verify_with_bundle(session, self->bundle_, self->host_);
  return self->verify_status_ == 0 ? 0 : GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
}

QuicTlsClient::~QuicTlsClient() {
  if (session_) gnutls_deinit(session_);
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

std::string QuicTlsClient::version() const {
  const char* v = gnutls_protocol_get_name(gnutls_protocol_get_version(session_));
  return v ? fmt::format("TLSv{}", std::string_view(v).substr(std::string_view(v).find('1'))) : "";
}

std::string QuicTlsClient::cipher() const {
  const char* c = gnutls_cipher_get_name(gnutls_cipher_get(session_));
  return c ? c : "";
}

std::string QuicTlsClient::alpn() const {
  gnutls_datum_t p{};
  if (gnutls_alpn_get_selected_protocol(session_, &p) != 0) return "";
  return std::string(reinterpret_cast<const char*>(p.data), p.size);
}

Error QuicTlsClient::handshake_error(uint8_t alert) const {
  unsigned status =
      verify_status_ ? verify_status_ : gnutls_session_get_verify_cert_status(session_);
  if (status != 0) {
    gnutls_datum_t text{};
    std::string why = "certificate verification failed";
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
      why = std::string(reinterpret_cast<const char*>(text.data), text.size);
      gnutls_free(text.data);
      while (!why.empty() && (why.back() == ' ' || why.back() == '\0')) why.pop_back();
    }
    return Error{Errc::cert_verify,
                 fmt::format("QUIC: SSL certificate problem for {}: {}", host_, why)};
  }
  const char* name = gnutls_alert_get_name(static_cast<gnutls_alert_description_t>(alert));
  return Error{Errc::tls_handshake, fmt::format("QUIC: TLS handshake with {} failed{}{}", host_,
                                                name ? ": " : "", name ? name : "")};
}

Result<std::unique_ptr<QuicTlsServer>> QuicTlsServer::create(const std::string& cert_pem,
                                                             const std::string& key_pem) {
  std::unique_ptr<QuicTlsServer> t(new QuicTlsServer);
  if (int rc = gnutls_certificate_allocate_credentials(&t->cred_); rc != 0)
    return std::unexpected(tls_error("credentials", rc));
  auto datum = [](const std::string& s) {
    return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())),
                          static_cast<unsigned>(s.size())};
  };
  gnutls_datum_t cert = datum(cert_pem), key = datum(key_pem);
  if (int rc = gnutls_certificate_set_x509_key_mem2(t->cred_, &cert, &key, GNUTLS_X509_FMT_PEM,
                                                    nullptr, 0);
      rc < 0)
    return fail(Errc::bad_argument, fmt::format("QUIC TLS: cannot use the certificate and key: {}",
                                                gnutls_strerror(rc)));
  return t;
}

QuicTlsServer::~QuicTlsServer() {
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

Result<gnutls_session_t> QuicTlsServer::session(ngtcp2_crypto_conn_ref* conn_ref) const {
  gnutls_session_t s = nullptr;
  if (int rc = gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_END_OF_EARLY_DATA); rc != 0)
    return std::unexpected(tls_error("gnutls_init", rc));
  auto failed = [&](const char* what, int rc) {
    gnutls_deinit(s);
    return std::unexpected(tls_error(what, rc));
  };
  if (int rc = ngtcp2_crypto_gnutls_configure_server_session(s); rc != 0)
    return failed("ngtcp2_crypto_gnutls_configure_server_session", GNUTLS_E_INTERNAL_ERROR);
  if (int rc = gnutls_priority_set_direct(s, kPriority, nullptr); rc != 0)
    return failed("priority", rc);
  if (int rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred_); rc != 0)
    return failed("credentials", rc);
  gnutls_datum_t h3{reinterpret_cast<unsigned char*>(const_cast<char*>("h3")), 2};
  if (int rc = gnutls_alpn_set_protocols(s, &h3, 1, GNUTLS_ALPN_MANDATORY); rc != 0)
    return failed("ALPN", rc);
  gnutls_session_set_ptr(s, conn_ref);
  return s;
}

}  // namespace sluice::h3
