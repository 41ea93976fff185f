// Socket addresses: parsing "HOST:PORT" / "[v6]:PORT", name resolution, printing.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/error.hpp"

namespace sluice {

enum class Family { any, v4, v6 };

struct SocketAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;

  int family() const { return ss.ss_family; }
  // Numeric host, no brackets; a Unix socket's path ('@' first when abstract,
  // empty for an unnamed one).
  std::string ip() const;
  uint16_t port() const;          // 0 for a Unix socket
  std::string to_string() const;  // "1.2.3.4:80", "[::1]:80" or a Unix socket's path
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
};

struct HostPort {
  std::string host;  // brackets stripped
  uint16_t port = 0;
};

// "host:port", "[v6]:port"; port required.
Result<HostPort> parse_host_port(std::string_view s);

// Numeric addresses only (no DNS): for --listen and --resolve.
Result<SocketAddr> parse_numeric(std::string_view host, uint16_t port);

// A Unix domain socket's address (--unix-socket; abstract: Linux's abstract
// namespace, --abstract-unix-socket). Fails on an empty or too long path.
Result<SocketAddr> unix_socket_addr(std::string_view path, bool abstract);

// Whether host is answered without asking DNS: numeric addresses and localhost.
bool resolves_locally(const std::string& host);

// Blocking getaddrinfo; the loop asks it through AsyncResolve (resolver.hpp).
Result<std::vector<SocketAddr>> resolve(const std::string& host, uint16_t port, Family family);

}  // namespace sluice
