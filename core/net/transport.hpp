// A transport moves bytes over a connected socket: plain TCP or TCP+TLS.
// The client sessions (h1, h2) and serve's connections talk to this interface only.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <span>
#include <string>

#include "core/net/tcp.hpp"

namespace sluice {

inline constexpr ssize_t kWouldBlock = -1;

// sendmsg() of iov on a socket: never SIGPIPE, EINTR retried. Bytes sent, or
// -1 with errno (EAGAIN when the socket is full).
ssize_t send_iov(int fd, const iovec* iov, int count);

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int fd() const = 0;

  // Drives the TLS handshake; plain TCP is done at once. Returns true when done.
  virtual Result<bool> handshake() { return true; }
  // Which readiness the unfinished handshake (or a TLS read/write) waits for.
  virtual uint32_t wants() const { return 0; }

  // > 0 bytes, 0 on orderly EOF, kWouldBlock when nothing is available.
  virtual Result<ssize_t> read(std::span<char> buf) = 0;
  // Bytes written (may be partial) or kWouldBlock.
  virtual Result<ssize_t> writev(const iovec* iov, int count) = 0;
  // Bytes writev() took that are not in the socket yet (TLS records staged
  // for one batched send). flush() sends them: true when none are left, else
  // wants() is EPOLLOUT. An output queue is empty only when none are pending,
  // and they count against its high-water mark.
  virtual std::size_t pending_bytes() const { return 0; }
  bool write_pending() const { return pending_bytes() > 0; }
  virtual Result<bool> flush() { return true; }
  // Decrypted bytes already inside the transport (TLS records read ahead):
  // readiness on the fd will not announce them.
  virtual bool has_buffered_read() const { return false; }
  // The last read took less than the socket's buffer held room for, so the
  // socket's receive queue was empty then: another read now would most
  // likely only say so (EAGAIN). A server on level-triggered epoll may wait
  // for readiness instead, and still hears of bytes that came meanwhile.
  virtual bool drained() const { return false; }
  virtual std::string alpn() const { return {}; }
  virtual std::string tls_version() const { return {}; }  // "TLSv1.3"; "" for plain TCP
  virtual std::string tls_cipher() const { return {}; }   // "TLS_AES_256_GCM_SHA384"
  // The peer certificate's X509 verification result (X509_V_OK, 0, when it
  // verified; with -k still what the check found); 0 for plain TCP.
  virtual long verify_result() const { return 0; }
  virtual bool is_tls() const { return false; }
  // Bytes on the wire are the payload: they may be spliced straight off fd().
  virtual bool can_splice() const { return false; }
  // Sends close_notify / FIN where it makes sense; fd closed by destructor.
  virtual void shutdown() {}
};

class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(Fd fd) : fd_(std::move(fd)) {}
  int fd() const override { return fd_.get(); }
  Result<ssize_t> read(std::span<char> buf) override;
  Result<ssize_t> writev(const iovec* iov, int count) override;
  bool drained() const override { return drained_; }
  bool can_splice() const override { return true; }
  void shutdown() override;

 private:
  Fd fd_;
  bool drained_ = false;
};

}  // namespace sluice
