// The CONNECT exchange that turns a connection to an HTTP proxy into a
// tunnel to the origin (https:// targets, and http:// ones with -p): send
// "CONNECT host:port HTTP/1.1", read the proxy's answer with the HTTP/1.1
// response parser, and stop right after its head. Non-blocking; the
// Connector drives it from the loop as it drives a TLS handshake.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <string>

#include "core/h1/response_parser.hpp"

namespace sluice {

class ProxyTunnel {
 public:
  // authority: "host:port" of the origin; authorization: Proxy-Authorization's
  // value, or "" for none.
  // headers: more lines for the CONNECT request, "Name: value\r\n" each.
  ProxyTunnel(int fd, const std::string& authority, const std::string& authorization,
              const std::string& headers = "");
  // true once the proxy said 2xx; false while waiting for wants(); an error
  // for any other answer (curl's exit 56) or a proxy that closed.
  Result<bool> drive();
  uint32_t wants() const { return sent_ < request_.size() ? EPOLLOUT : EPOLLIN; }
  const std::string& request() const { return request_; }
  const Response& response() const { return parser_.response(); }
  int status() const { return parser_.head_done() ? parser_.response().status : 0; }
  std::string response_head() const;  // as received, for -v

 private:
  Result<bool> send_request();
  Result<bool> read_answer();

  int fd_;
  std::string request_;
  std::size_t sent_ = 0;
  ResponseParser parser_;
};

}  // namespace sluice
