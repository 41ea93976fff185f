#include "core/net/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstddef>
#include <cstring>

namespace sluice {

std::string SocketAddr::ip() const {
  if (ss.ss_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
    auto n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (n == 0) return "";
    if (un->sun_path[0] == '\0') return "@" + std::string(un->sun_path + 1, n - 1);
    return std::string(un->sun_path, strnlen(un->sun_path, n));
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  else if (ss.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
  return buf;
}

uint16_t SocketAddr::port() const {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

std::string SocketAddr::to_string() const {
  if (ss.ss_family == AF_UNIX) return ip();
  if (ss.ss_family == AF_INET6) return fmt::format("[{}]:{}", ip(), port());
  return fmt::format("{}:{}", ip(), port());
}

Result<SocketAddr> unix_socket_addr(std::string_view path, bool abstract) {
  SocketAddr a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.ss);
  un->sun_family = AF_UNIX;
  // A path needs its terminating NUL; an abstract name has a NUL before it.
  std::size_t room = sizeof un->sun_path - 1;
  if (path.empty() || path.size() > room)
    return fail(Errc::resolve_failed, fmt::format("Unix socket path {}: '{}'",
                                                  path.empty() ? "empty" : "too long", path));
  std::size_t at = abstract ? 1 : 0;
  std::memcpy(un->sun_path + at, path.data(), path.size());
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + at + path.size() +
                                 (abstract ? 0 : 1));
  return a;
}

Result<HostPort> parse_host_port(std::string_view s) {
  HostPort hp;
  std::string_view port_part;
  if (s.starts_with('[')) {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return fail(Errc::bad_argument, fmt::format("bad address '{}': expected [v6]:PORT", s));
    hp.host = std::string(s.substr(1, close - 1));
    port_part = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos)
      return fail(Errc::bad_argument, fmt::format("bad address '{}': expected HOST:PORT", s));
    hp.host = std::string(s.substr(0, colon));
    port_part = s.substr(colon + 1);
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
  if (ec != std::errc() || p != port_part.data() + port_part.size() || port > 65535 ||
      port_part.empty())
    return fail(Errc::bad_argument, fmt::format("bad port in '{}'", s));
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

Result<SocketAddr> parse_numeric(std::string_view host, uint16_t port) {
  SocketAddr a;
  std::string h(host);
  if (h.size() > 1 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
    return a;
  }
  if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
    return a;
  }
  return fail(Errc::bad_argument, fmt::format("'{}' is not a numeric IP address", host));
}

// "localhost" and "*.localhost" are loopback without asking anyone (RFC 6761,
// and curl does the same), so -6 works even when /etc/hosts lacks ::1.
static bool is_localhost(std::string_view host) {
  return host == "localhost" || host.ends_with(".localhost");
}

bool resolves_locally(const std::string& host) {
  return is_localhost(host) || parse_numeric(host, 0).has_value();
}

Result<std::vector<SocketAddr>> resolve(const std::string& host, uint16_t port, Family family) {
  if (is_localhost(host)) {
    std::vector<SocketAddr> out;
    if (family != Family::v4) out.push_back(*parse_numeric("::1", port));
    if (family != Family::v6) out.push_back(*parse_numeric("127.0.0.1", port));
    return out;
  }
  // A literal address of the other family: nothing to connect to, which curl
  // reports as a connect failure (7), not as a name it could not resolve.
  if (auto literal = parse_numeric(host, port)) {
    int want = family == Family::v4 ? AF_INET : AF_INET6;
    if (family != Family::any && literal->ss.ss_family != want)
      return fail(Errc::connect_failed,
                  fmt::format("Couldn't connect to server: {} is not an IPv{} address", host,
                              family == Family::v4 ? 4 : 6));
  }
  addrinfo hints{};
  hints.ai_family = family == Family::v4 ? AF_INET : family == Family::v6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) return fail(Errc::resolve_failed, fmt::format("Could not resolve host: {}", host));
  std::vector<SocketAddr> out;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    SocketAddr a;
    std::memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    out.push_back(a);
  }
  ::freeaddrinfo(res);
  if (out.empty())
    return fail(Errc::resolve_failed, fmt::format("Could not resolve host: {}", host));
  return out;
}

}  // namespace sluice
