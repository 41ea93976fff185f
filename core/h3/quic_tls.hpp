// The TLS inside QUIC, client side: a GnuTLS session set up for ngtcp2's
// crypto callbacks (ngtcp2_crypto_gnutls), offering ALPN "h3" only, with SNI
// and the certificate checked against the host name unless -k.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <memory>
#include <string>

#include "core/util/error.hpp"

namespace sluice::h3 {

struct QuicTlsConfig {
  std::string host;     // SNI (names only) and the name the certificate must carry
  bool verify = true;   // -k turns it off
  std::string ca_file;  // --cacert; empty: the system's trust store
};

class QuicTlsClient {
 public:
  // conn_ref is what ngtcp2's crypto callbacks find through the session's
  // pointer: it must outlive the session (the caller owns both).
  static Result<std::unique_ptr<QuicTlsClient>> create(const QuicTlsConfig& cfg,
                                                       ngtcp2_crypto_conn_ref* conn_ref);
  ~QuicTlsClient();
  QuicTlsClient(const QuicTlsClient&) = delete;
  QuicTlsClient& operator=(const QuicTlsClient&) = delete;

  gnutls_session_t session() const { return session_; }
  std::string version() const;  // "TLSv1.3"
  std::string cipher() const;   // "AES-128-GCM"
  std::string alpn() const;
  // Why the handshake failed, as curl would classify it: a certificate that
  // did not verify (cert_verify) or any other TLS failure (tls_handshake).
  Error handshake_error(uint8_t alert) const;

 private:
  QuicTlsClient() = default;
  static int verify_peer(gnutls_session_t session);

  gnutls_certificate_credentials_t cred_ = nullptr;
  gnutls_session_t session_ = nullptr;
  std::string host_;
  std::string bundle_;          // the system CAs, looked up per handshake (ca_bundle.hpp)
  unsigned verify_status_ = 0;  // what verify_peer found
};

// The server side: one certificate and key (PEM) per listener, and a GnuTLS
// server session per connection, ALPN "h3" only.
class QuicTlsServer {
 public:
  static Result<std::unique_ptr<QuicTlsServer>> create(const std::string& cert_pem,
                                                       const std::string& key_pem);
  ~QuicTlsServer();
  QuicTlsServer(const QuicTlsServer&) = delete;
  QuicTlsServer& operator=(const QuicTlsServer&) = delete;

  // A session for one connection; conn_ref must outlive it. The caller
  // gnutls_deinit()s it.
  Result<gnutls_session_t> session(ngtcp2_crypto_conn_ref* conn_ref) const;

 private:
  QuicTlsServer() = default;
  gnutls_certificate_credentials_t cred_ = nullptr;
};

}  // namespace sluice::h3
