// OpenSSL for TLS over TCP: client/server contexts and the TLS transport.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/net/transport.hpp"
#include "core/tls/staged_writer.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace sluice {

struct TlsClientConfig {
  bool verify = true;   // -k turns it off
  std::string ca_file;  // --cacert; empty: system store by directory
  std::string ca_path;  // --capath: a hashed directory instead of the system's
  int min_version = 0;  // TLS1_2_VERSION or TLS1_3_VERSION (--tlsv1.x); 0: 1.2
  int max_version = 0;  // --tls-max; 0: the library's newest
  std::string cert_file, key_file, key_password;  // --cert FILE[:PASSWORD], --key
  std::vector<std::string> pins;                  // --pinnedpubkey: base64 SHA-256 digests
  std::vector<std::string> alpn{"http/1.1"};
};

struct TlsServerConfig {
  std::string cert_file, key_file;  // empty: generate a self-signed certificate
  std::vector<std::string> alpn{"http/1.1"};
};

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> client(const TlsClientConfig& cfg);
  static Result<std::shared_ptr<TlsContext>> server(const TlsServerConfig& cfg);
  ~TlsContext();
  SSL_CTX* get() const { return ctx_; }
  bool verify() const { return verify_; }
  const std::vector<std::string>& pins() const { return pins_; }
  // SHA-256 fingerprint of the server certificate ("AB:CD:..."), server side only.
  const std::string& fingerprint() const { return fingerprint_; }
  // The server certificate chain and private key as PEM, for the TLS inside
  // QUIC (GnuTLS, in the HTTP/3 module), which must present the same ones.
  Result<std::pair<std::string, std::string>> server_pem() const;

 private:
  Result<void> use_client_cert(const TlsClientConfig& cfg);
  SSL_CTX* ctx_ = nullptr;
  bool verify_ = true;
  std::vector<std::string> pins_;
  std::string key_password_;  // kept for OpenSSL's password callback
  std::string fingerprint_;
  std::vector<unsigned char> alpn_wire_;  // for the server's select callback
  static int select_alpn(SSL*, const unsigned char**, unsigned char*, const unsigned char*,
                         unsigned, void*);
};

class TlsTransport final : public Transport {
 public:
  // Client side: host is used for SNI and verification.
  static Result<std::unique_ptr<TlsTransport>> connect(Fd fd, std::shared_ptr<TlsContext> ctx,
                                                       const std::string& host);
  static Result<std::unique_ptr<TlsTransport>> accept(Fd fd, std::shared_ptr<TlsContext> ctx);
  ~TlsTransport() override;

  int fd() const override { return fd_.get(); }
  Result<bool> handshake() override;
  uint32_t wants() const override { return wants_; }
  Result<ssize_t> read(std::span<char> buf) override;
  Result<ssize_t> writev(const iovec* iov, int count) override;
  bool has_buffered_read() const override;
  bool drained() const override;
  std::size_t pending_bytes() const override { return writer_.pending(); }
  Result<bool> flush() override;
  std::string alpn() const override;
  std::string tls_version() const override;
  std::string tls_cipher() const override;
  bool is_tls() const override { return true; }
  void shutdown() override;

 private:
  TlsTransport(Fd fd, std::shared_ptr<TlsContext> ctx, SSL* ssl, bool client)
      : fd_(std::move(fd)), ctx_(std::move(ctx)), ssl_(ssl), client_(client), writer_(fd_.get()) {}
  static Result<std::unique_ptr<TlsTransport>> make(Fd fd, std::shared_ptr<TlsContext> ctx,
                                                    SSL* ssl, bool client);
  Result<ssize_t> io_error(int rc, bool reading);
  static long on_socket_read(BIO* b, int oper, const char* argp, std::size_t len, int argi,
                             long argl, int ret, std::size_t* processed);
  Fd fd_;
  std::shared_ptr<TlsContext> ctx_;
  SSL* ssl_;
  bool client_;
  StagedWriter writer_;  // the write BIO's records; outlives ssl_ (freed in ~TlsTransport)
  uint32_t wants_ = 0;
  bool socket_drained_ = false;  // the read BIO's last socket read came back short
  std::string host_;
};

}  // namespace sluice
