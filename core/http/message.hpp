// The request/response model shared by every protocol session, and the sink a
// session writes a response into.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/http/body_source.hpp"
#include "core/http/headers.hpp"
#include "core/http/url.hpp"
#include "core/util/error.hpp"

namespace sluice {

struct Request {
  std::string method = "GET";
  bool custom_method = false;  // -X: kept on every redirect, as curl keeps it
  bool omit_host = false;      // -H 'Host:': HTTP/1.1 goes without one, as curl's does
  Url url;
  Headers headers;  // as given by the user; Host etc. are added by the session
  std::string body;
  bool has_body = false;  // a body (maybe empty) is sent: `body`, or `upload` when set
  bool http10 = false;    // HTTP/1.x: an "HTTP/1.0" request line (get --http1.0)
  // get --request-target: sent instead of url.target (the request line, a
  // forward proxy's too, and :path), on every hop; cookies still match url.
  std::string target_override;
  std::string_view target() const { return target_override.empty() ? url.target : target_override; }
  // HTTP/1.1: send the head with "Expect: 100-continue" (unless the user's
  // headers name Expect) and hold the body until a 100, a final answer or a
  // second (continue_wait_ms, curl's --expect100-timeout) has passed, as curl
  // does for large and unknown-length bodies.
  bool expect_continue = false;
  uint32_t continue_wait_ms = 1000;
  // A body streamed from a file or stdin (-T), in place of `body`; its
  // length (if known) is the Content-Length. Read by one stream at a time.
  std::shared_ptr<BodySource> upload;
  // The HTTP/1.1 head as H1ClientSession::serialize_head() writes it, built
  // once by a caller that sends the same request many times (bench); empty:
  // built per request.
  std::string h1_head;
  // The same for HTTP/3: the HEADERS frame's QPACK field section as
  // H3ClientSession encodes it (h3::Module::request_fields).
  std::string h3_fields;

  bool idempotent() const {
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
           method == "OPTIONS" || method == "TRACE";
  }
  bool head() const { return method == "HEAD"; }
};

struct Response {
  int status = 0;
  int version_major = 1, version_minor = 1;
  std::string reason;
  Headers headers;
  Headers trailers;
  std::size_t header_bytes = 0;  // bytes of the head on the wire (all hops of 1xx included)
  // HTTP/1.x, when the session keeps it (get's -i, -D, -v and --trace show
  // it as curl does): this head's lines as they came, CR and LF as sent.
  std::string raw_head;
  std::optional<uint64_t> content_length;

  std::string version_string() const {
    return version_major >= 2 ? std::to_string(version_major)
                              : fmt::format("{}.{}", version_major, version_minor);
  }
};

// What a sink tells the session after taking body bytes.
enum class Backpressure {
  ok,     // keep going
  pause,  // buffered past high water: stop reading until resume
  abort,  // stop this response and close the connection (error already recorded)
};

class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void on_informational(const Response&) {}
  virtual void on_headers(const Response& r) = 0;
  virtual Backpressure on_body(std::span<const char> bytes) = 0;
  // Zero-copy body: whether the sink can take body bytes straight from a
  // socket now, and takes up to max of them (as Transport::read answers: > 0,
  // 0 at EOF, or -1 would block), saying in bp what the session does next.
  virtual bool can_splice_body() { return false; }
  virtual Result<ssize_t> splice_body(int /*fd*/, std::size_t /*max*/, Backpressure& bp) {
    bp = Backpressure::ok;
    return -1;
  }
  virtual void on_trailers(const Headers&) {}
  // False: the sink reads only the status and the sizes of the head, and
  // a multiplexed session need not keep the fields (a load generator's).
  virtual bool wants_fields() const { return true; }
  virtual void on_end() = 0;
  virtual void on_error(const Error& e) = 0;
};

}  // namespace sluice
