// OpenSSL for TLS over TCP, inside the TLS module (sluice-tls.so, see
// core/net/tls.hpp): client/server contexts and the TLS transport.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/net/tls.hpp"
#include "core/net/transport.hpp"
#include "core/tls/staged_writer.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace sluice {

// OpenSSL's TlsContext (core/net/tls.hpp): what the TLS module hands out.
class OpensslContext final : public TlsContext,
                             public std::enable_shared_from_this<OpensslContext> {
 public:
  static Result<std::shared_ptr<OpensslContext>> make_client(const TlsClientConfig& cfg);
  static Result<std::shared_ptr<OpensslContext>> make_server(const TlsServerConfig& cfg);
  ~OpensslContext() override;

  Result<std::unique_ptr<Transport>> connect(Fd fd, const std::string& host) override;
  Result<std::unique_ptr<Transport>> accept(Fd fd) override;
  const std::string& fingerprint() const override { return fingerprint_; }
  Result<std::pair<std::string, std::string>> server_pem() const override;

  SSL_CTX* get() const { return ctx_; }
  bool verify() const { return verify_; }
  const std::vector<std::string>& pins() const { return pins_; }

 private:
  OpensslContext() = default;
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
  static Result<std::unique_ptr<TlsTransport>> connect(Fd fd, std::shared_ptr<OpensslContext> ctx,
                                                       const std::string& host);
  static Result<std::unique_ptr<TlsTransport>> accept(Fd fd, std::shared_ptr<OpensslContext> ctx);
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
  long verify_result() const override;
  bool is_tls() const override { return true; }
  void shutdown() override;

 private:
  TlsTransport(Fd fd, std::shared_ptr<OpensslContext> ctx, SSL* ssl, bool client)
      : fd_(std::move(fd)), ctx_(std::move(ctx)), ssl_(ssl), client_(client), writer_(fd_.get()) {}
  static Result<std::unique_ptr<TlsTransport>> make(Fd fd, std::shared_ptr<OpensslContext> ctx,
                                                    SSL* ssl, bool client);
  Result<ssize_t> io_error(int rc, bool reading);
  static long on_socket_read(BIO* b, int oper, const char* argp, std::size_t len, int argi,
                             long argl, int ret, std::size_t* processed);
  Fd fd_;
  std::shared_ptr<OpensslContext> ctx_;
  SSL* ssl_;
  bool client_;
  StagedWriter writer_;  // the write BIO's records; outlives ssl_ (freed in ~TlsTransport)
  uint32_t wants_ = 0;
  bool socket_drained_ = false;  // the read BIO's last socket read came back short
  std::string host_;
};

}  // namespace sluice
