#include "core/http/proxy_tunnel.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sluice {

ProxyTunnel::ProxyTunnel(int fd, const std::string& authority, const std::string& authorization,
                         const std::string& headers)
    : fd_(fd), parser_(ResponseParser::Events{.headers = [](Response&) {}}) {
  request_ = fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n", authority);
  if (!authorization.empty()) request_ += fmt::format("Proxy-Authorization: {}\r\n", authorization);
  request_ += headers + "\r\n";
  // The answer to CONNECT has no body: whatever follows its head is the tunnel's.
  parser_.expect_head_response(true);
}

Result<bool> ProxyTunnel::drive() {
  if (sent_ < request_.size()) {
    auto sent = send_request();
    if (!sent || !*sent) return sent;
  }
  return read_answer();
}

Result<bool> ProxyTunnel::send_request() {
  while (sent_ < request_.size()) {
    ssize_t n = ::send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n < 0)
      return fail(Errc::send_failed, fmt::format("Proxy CONNECT: send failed: {}", strerror(errno)),
                  errno);
    sent_ += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads no further than the proxy has sent: the origin speaks only after us,
// so nothing of the tunnel's can be taken by mistake.
Result<bool> ProxyTunnel::read_answer() {
  while (!parser_.head_done()) {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0)
      return fail(Errc::recv_failed,
                  n == 0 ? std::string("Proxy CONNECT aborted")
                         : fmt::format("Proxy CONNECT: {}", strerror(errno)),
                  n == 0 ? 0 : errno);
    std::size_t used = 0;
    if (auto r = parser_.feed({buf, static_cast<std::size_t>(n)}, used); !r)
      return std::unexpected(r.error());
  }
  int code = parser_.response().status;
  if (code < 200 || code > 299)
    return fail(Errc::recv_failed, fmt::format("CONNECT tunnel failed, response {}", code));
  return true;
}

std::string ProxyTunnel::response_head() const {
  const Response& r = parser_.response();
  std::string s = fmt::format("HTTP/{} {} {}\r\n", r.version_string(), r.status, r.reason);
  for (const auto& [n, v] : r.headers.list()) s += fmt::format("{}: {}\r\n", n, v);
  return s;
}

}  // namespace sluice
