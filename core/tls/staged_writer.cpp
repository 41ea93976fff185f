#include "core/tls/staged_writer.hpp"

#include <openssl/bio.h>

#include <array>
#include <cerrno>

#include "core/net/transport.hpp"

namespace sluice {

BIO* StagedWriter::make_bio() {
  // Built once, whichever worker thread comes first (a magic static is thread-safe).
  static BIO_METHOD* method = [] {
    BIO_METHOD* m =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sluice staged writer");
    BIO_meth_set_write(m, &StagedWriter::bio_write);
    BIO_meth_set_ctrl(m, &StagedWriter::bio_ctrl);
    return m;
  }();
  BIO* b = BIO_new(method);
  if (!b) return nullptr;
  BIO_set_data(b, this);
  BIO_set_init(b, 1);
  return b;
}

// A socket that failed once is done: what is staged is dropped (pending()
// turns false, so nobody waits for EPOLLOUT on it) and the error sticks.
Sent StagedWriter::send_staged() {
  if (error_) return Sent::failed;
  while (!staged_.empty()) {
    std::array<iovec, 32> iov;
    ssize_t n = send_iov(fd_, iov.data(), staged_.peek(iov.data(), static_cast<int>(iov.size())));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Sent::blocked;
    if (n < 0) {
      error_ = errno;
      staged_.clear();
      return Sent::failed;
    }
    staged_.consume(static_cast<std::size_t>(n));
  }
  return Sent::all;
}

// One record from OpenSSL. Past kStageMax the stage is sent first; a socket
// that takes none of it makes OpenSSL keep the record and report WANT_WRITE.
int StagedWriter::bio_write(BIO* b, const char* data, int len) {
  auto* self = static_cast<StagedWriter*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (self->error_) {
    errno = self->error_;
    return -1;
  }
  if (self->staged_.size() >= kStageMax) {
    Sent s = self->send_staged();
    if (s == Sent::failed) {
      errno = self->error_;
      return -1;
    }
    if (self->staged_.size() >= kStageMax) {
      BIO_set_retry_write(b);
      return -1;
    }
  }
  self->staged_.append(std::string_view(data, static_cast<std::size_t>(len)));
  return len;
}

// OpenSSL flushes after each handshake flight and alert: those go out at
// once. Application data waits for TlsTransport's flush.
long StagedWriter::bio_ctrl(BIO* b, int cmd, long, void*) {
  auto* self = static_cast<StagedWriter*>(BIO_get_data(b));
  switch (cmd) {
    case BIO_CTRL_FLUSH: {
      BIO_clear_retry_flags(b);
      Sent s = self->send_staged();
      if (s == Sent::all) return 1;
      if (s == Sent::blocked)
        BIO_set_retry_write(b);
      else
        errno = self->error_;
      return 0;
    }
    case BIO_CTRL_WPENDING:
      return static_cast<long>(self->staged_.size());
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
  }
}

}  // namespace sluice
