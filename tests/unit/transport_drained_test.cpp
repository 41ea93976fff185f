// Transport::drained(): a read that came back short says the socket was
// empty, so a server on level-triggered epoll can skip the read that would
// only return EAGAIN. Plain TCP judges its own recv; TLS the socket reads
// OpenSSL makes beneath it, and never while decrypted bytes wait inside.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/net/transport.hpp"
#include "core/tls/tls.hpp"

using namespace sluice;

namespace {
std::pair<Fd, Fd> socket_pair() {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
  return {Fd(fds[0]), Fd(fds[1])};
}

void write_all(Transport& t, const std::string& data) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  auto n = t.writev(&iov, 1);
  REQUIRE(n);
  REQUIRE(*n == static_cast<ssize_t>(data.size()));
}
}  // namespace

TEST_CASE("plain transport: a short read is drained, a full one is not") {
  auto [a, b] = socket_pair();
  PlainTransport writer(std::move(a)), reader(std::move(b));
  std::array<char, 1024> buf;

  write_all(writer, std::string(3000, 'x'));
  auto n = reader.read(buf);
  REQUIRE(n);
  CHECK(*n == 1024);
  CHECK_FALSE(reader.drained());  // the buffer filled: there may be more

  n = reader.read(buf);
  n = reader.read(buf);
  REQUIRE(n);
  CHECK(*n == 3000 - 2048);
  CHECK(reader.drained());

  n = reader.read(buf);
  REQUIRE(n);
  CHECK(*n == kWouldBlock);
  CHECK_FALSE(reader.drained());
}

TEST_CASE("TLS transport: drained follows the socket reads beneath, not what OpenSSL holds") {
  auto server_ctx = OpensslContext::make_server({});
  REQUIRE(server_ctx);
  TlsClientConfig ccfg;
  ccfg.verify = false;
  auto client_ctx = OpensslContext::make_client(ccfg);
  REQUIRE(client_ctx);
  auto [a, b] = socket_pair();
  auto client = TlsTransport::connect(std::move(a), *client_ctx, "localhost");
  auto server = TlsTransport::accept(std::move(b), *server_ctx);
  REQUIRE(client);
  REQUIRE(server);
  bool c_done = false, s_done = false;
  for (int i = 0; i < 100 && !(c_done && s_done); ++i) {
    if (!c_done) {
      auto r = (*client)->handshake();
      REQUIRE(r);
      c_done = *r;
    }
    if (!s_done) {
      auto r = (*server)->handshake();
      REQUIRE(r);
      s_done = *r;
    }
  }
  REQUIRE((c_done && s_done));

  // Many small records: read-ahead pulls them all in one socket read, which
  // comes back short, but records are still waiting to be decrypted.
  for (int i = 0; i < 20; ++i) write_all(**client, std::string(100, 'a' + i));
  std::array<char, 100> buf;
  std::string got;
  bool drained_before_end = false;
  for (int i = 0; i < 20; ++i) {
    auto n = (*server)->read(buf);
    REQUIRE(n);
    REQUIRE(*n == 100);
    got.append(buf.data(), 100);
    if (i < 19 && (*server)->drained()) drained_before_end = true;
  }
  CHECK_FALSE(drained_before_end);  // records were still buffered inside
  CHECK((*server)->drained());      // the last one: nothing inside, the socket was empty
  CHECK(got.size() == 2000);
  auto n = (*server)->read(buf);
  REQUIRE(n);
  CHECK(*n == kWouldBlock);
}
