// StagedWriter: TLS records wait in user space until a flush sends them in
// one batch; a full socket leaves them staged (and refuses more past the
// cap); a dead socket drops them and its error sticks.
#include "core/tls/staged_writer.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cerrno>
#include <string>

using sluice::Sent;
using sluice::StagedWriter;

namespace {

// A stream socket pair; the writing end is non-blocking like the loop's sockets.
struct SocketPair {
  int writer = -1, reader = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    writer = fds[0];
    reader = fds[1];
    ::fcntl(writer, F_SETFL, ::fcntl(writer, F_GETFL) | O_NONBLOCK);
    ::fcntl(reader, F_SETFL, ::fcntl(reader, F_GETFL) | O_NONBLOCK);
  }
  ~SocketPair() {
    if (writer >= 0) ::close(writer);
    if (reader >= 0) ::close(reader);
  }
  // Everything the reader can take right now.
  std::string drain() const {
    std::string got;
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(reader, buf, sizeof buf, 0);
      if (n <= 0) return got;
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
};

// Record i: 16 KiB of the letter 'a' + i % 26, as OpenSSL hands them over.
std::string record(int i) {
  return std::string(16 * 1024, static_cast<char>('a' + i % 26));
}

struct BioGuard {
  BIO* b;
  ~BioGuard() { BIO_free(b); }
};

}  // namespace

TEST_CASE("staged records reach the socket only on flush, in order") {
  SocketPair p;
  StagedWriter w(p.writer);
  BioGuard bio{w.make_bio()};
  REQUIRE(bio.b);
  std::string want;
  for (int i = 0; i < 3; ++i) {
    std::string r = record(i);
    REQUIRE(BIO_write(bio.b, r.data(), static_cast<int>(r.size())) == static_cast<int>(r.size()));
    want += r;
  }
  CHECK(w.pending());
  CHECK(BIO_wpending(bio.b) == static_cast<long>(want.size()));
  CHECK(p.drain().empty());  // nothing sent per record

  CHECK(BIO_flush(bio.b) == 1);
  CHECK_FALSE(w.pending());
  CHECK(p.drain() == want);
}

TEST_CASE("a full socket keeps the stage, refuses records past the cap, then catches up") {
  SocketPair p;
  int small = 16 * 1024;
  ::setsockopt(p.writer, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  StagedWriter w(p.writer);
  BioGuard bio{w.make_bio()};
  std::string want;
  int i = 0;
  for (; i < 1000; ++i) {
    std::string r = record(i);
    int n = BIO_write(bio.b, r.data(), static_cast<int>(r.size()));
    if (n < 0) break;
    REQUIRE(n == static_cast<int>(r.size()));
    want += r;
  }
  REQUIRE(i < 1000);               // refused, not grown without bound
  CHECK(BIO_should_retry(bio.b));  // ... as "try again", not as an error
  CHECK(BIO_should_write(bio.b));
  CHECK(w.pending());
  CHECK(BIO_flush(bio.b) == 0);  // the peer has not read: still blocked
  CHECK(BIO_should_retry(bio.b));
  CHECK(static_cast<std::size_t>(BIO_wpending(bio.b)) <= StagedWriter::kStageMax + 16 * 1024);

  std::string got;
  for (int rounds = 0; rounds < 10000 && w.send_staged() != Sent::all; ++rounds) got += p.drain();
  got += p.drain();
  CHECK_FALSE(w.pending());
  CHECK(got.size() == want.size());
  CHECK(got == want);
}

TEST_CASE("a dead socket drops the stage and the error sticks") {
  SocketPair p;
  StagedWriter w(p.writer);
  BioGuard bio{w.make_bio()};
  std::string r = record(0);
  REQUIRE(BIO_write(bio.b, r.data(), static_cast<int>(r.size())) == static_cast<int>(r.size()));
  ::close(p.reader);
  p.reader = -1;

  CHECK(BIO_flush(bio.b) == 0);
  CHECK_FALSE(BIO_should_retry(bio.b));  // an error, not "later"
  CHECK(w.error() == EPIPE);
  CHECK_FALSE(w.pending());  // nobody waits for EPOLLOUT on a dead socket
  CHECK(w.send_staged() == Sent::failed);
  CHECK(BIO_write(bio.b, r.data(), static_cast<int>(r.size())) == -1);
  CHECK_FALSE(BIO_should_retry(bio.b));
}
