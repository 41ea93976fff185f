// libFuzzer target "h2_client": `get`'s and bench's HTTP/2 client session
// (H2ClientSession), the whole of it: three requests go out (GET, HEAD, and a
// POST with a body), then the server's bytes come in: a valid SETTINGS, then
// the input, handed to the session by a fake transport in seeded random
// pieces, then the end of the connection. The session runs on a real Loop;
// the transport's fd is one end of a socketpair kept readable, so the loop
// calls the session until the transport says EOF. What the client writes is
// discarded. Input: a flags byte, a byte that seeds the read sizes, then the
// server's frames. Flags: bit 0, the GET's consumer aborts at its first body
// bytes; bit 1, the HEAD is cancelled once its head is in; bit 2, no consumer
// takes its body (no window comes back).
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/h2/client_session.hpp"

namespace {

using namespace sluice;

constexpr std::string_view kSettings{"\0\0\0\x04\0\0\0\0\0", 9};

// The server's side of the connection as bytes in memory, read in pieces.
class FakeTransport final : public Transport {
 public:
  FakeTransport(int fd, std::string in, uint32_t rng) : fd_(fd), in_(std::move(in)), rng_(rng) {}
  int fd() const override { return fd_; }
  Result<ssize_t> read(std::span<char> buf) override {
    if (at_ == in_.size()) return 0;  // the server closed
    rng_ = rng_ * 1103515245u + 12345u;
    std::size_t n = std::min({buf.size(), in_.size() - at_, std::size_t{1} + (rng_ >> 16) % 600});
    std::copy_n(in_.data() + at_, n, buf.data());
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  Result<ssize_t> writev(const iovec* iov, int count) override {
    ssize_t n = 0;
    for (int i = 0; i < count; ++i) n += static_cast<ssize_t>(iov[i].iov_len);
    return n;
  }

 private:
  int fd_;
  std::string in_;
  std::size_t at_ = 0;
  uint32_t rng_;
};

// One request's consumer: checks the order of what it hears, and that it
// hears the end (on_end or on_error) exactly once.
struct Sink : ResponseSink {
  H2ClientSession* session = nullptr;
  StreamId id = 0;
  bool abort = false, cancel = false, consume = true;
  int heads = 0, ends = 0;
  uint64_t body = 0;

  void on_headers(const Response& r) override {
    // One final head (a 1xx is informational), before anything else.
    if (heads++ || ends || (r.status >= 100 && r.status < 200)) __builtin_trap();
    if (cancel) {
      session->cancel(id);
      ends = 1;  // a cancelled stream's sink hears nothing more
    }
  }
  Backpressure on_body(std::span<const char> bytes) override {
    if (heads != 1 || ends) __builtin_trap();
    body += bytes.size();
    if (abort) return Backpressure::abort;
    if (consume) session->consumed(id, bytes.size());
    return Backpressure::ok;
  }
  void on_trailers(const Headers&) override {
    if (heads != 1 || ends) __builtin_trap();
  }
  void on_end() override {
    if (heads != 1 || ends++) __builtin_trap();
  }
  void on_error(const Error&) override {
    if (ends++) __builtin_trap();
  }
};

Request request(std::string method, std::string_view url) {
  Request r;
  r.method = std::move(method);
  r.url = *parse_url(url);
  if (r.method == "POST") {
    r.body = "hello";
    r.has_body = true;
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 32768) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  (void)!::write(fds[1], "x", 1);  // fds[0] stays readable: the loop keeps calling the session
  std::array<Sink, 3> sinks;
  {
    Loop loop;
    auto transport = std::make_unique<FakeTransport>(
        fds[0], std::string(kSettings) + std::string(input), 1u + data[1]);
    H2ClientSession session(loop, std::move(transport), H2ClientConfig{});
    const char* methods[] = {"GET", "HEAD", "POST"};
    for (std::size_t i = 0; i < sinks.size(); ++i) {
      Sink& s = sinks[i];
      s.session = &session;
      s.abort = i == 0 && (data[0] & 1);
      s.cancel = i == 1 && (data[0] & 2);
      s.consume = !(data[0] & 4);
      auto id = session.submit(request(methods[i], "http://example.com/x"), s);
      if (!id) __builtin_trap();  // a new session takes three streams
      s.id = *id;
    }
    loop.run();  // until the session, at the transport's EOF, is closed
    // The server's bytes are all read and the connection is over: every
    // request has been answered or failed, once, and no body is more than
    // the server sent.
    uint64_t bodies = 0;
    for (const Sink& s : sinks) {
      if (s.ends != 1) __builtin_trap();
      bodies += s.body;
    }
    if (bodies > input.size() || session.reusable()) __builtin_trap();
  }
  ::close(fds[0]);
  ::close(fds[1]);
  return 0;
}
