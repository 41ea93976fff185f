// A request as the server side sees it, whatever the protocol: the h1 parser
// and the h2 session both fill one in, and every endpoint reads only this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/http/headers.hpp"

namespace sluice {

struct RequestHead {
  std::string method;  // "GET"
  std::string target;  // request-target as sent (h2: :path): "/bytes/10?chunked=1"
  int version_major = 1, version_minor = 1;
  Headers headers;
  std::optional<uint64_t> content_length;
  // The body's length is not known up front: h1 chunked, or h2 DATA frames
  // without a content-length.
  bool chunked = false;
  bool keep_alive = true;
  bool expect_continue = false;

  bool http11() const { return version_major > 1 || (version_major == 1 && version_minor >= 1); }
  bool is_head() const { return method == "HEAD"; }
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }

  // As a new RequestHead, but the header list keeps its capacity: a server
  // stream reused for the next request parses its head without allocating.
  void reset_keeping_capacity() {
    Headers fields = std::move(headers);
    fields.clear();
    *this = RequestHead{};
    headers = std::move(fields);
  }
};

// Request size limits, shared by h1 and h2.
struct ServerLimits {
  std::size_t max_header_size = 16 * 1024;  // request line + headers, else 431
  // h1 request-target, else 414: nginx's default request-line buffer
  // (large_client_header_buffers 8k). An h2 :path counts against the header block.
  std::size_t max_target_size = 8 * 1024;
  uint64_t max_body_size = uint64_t{1} << 30;  // request body, else 413
};

}  // namespace sluice
