// HTTP/1.1 response parsing on top of llhttp: feeds bytes, reports the head,
// de-chunked body bytes, trailers and the end of each message.
#pragma once

#include <llhttp.h>

#include <functional>
#include <span>
#include <string>

#include "core/http/message.hpp"

namespace sluice {

class ResponseParser {
 public:
  struct Events {
    std::function<void(const Response&)> informational;  // 1xx (not 101)
    std::function<void(Response&)> headers;
    std::function<void(std::span<const char>)> body;
    std::function<void(const Headers&)> trailers;
    std::function<void()> complete;
  };

  explicit ResponseParser(Events ev);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  void expect_head_response(bool head) { head_request_ = head; }
  // Parses data; stops right after a final response is complete (the rest is
  // left unread: `consumed` says how much was used).
  Result<void> feed(std::span<const char> data, std::size_t& consumed);
  // The peer closed: completes a close-delimited body or reports truncation.
  Result<void> finish();
  void reset();

  bool started() const { return started_; }
  bool head_done() const { return head_done_; }
  bool done() const { return done_; }
  bool keep_alive() const { return keep_alive_; }
  uint64_t body_bytes() const { return body_bytes_; }
  const Response& response() const { return resp_; }

 private:
  static int on_message_begin(llhttp_t*);
  static int on_status(llhttp_t*, const char*, size_t);
  static int on_header_field(llhttp_t*, const char*, size_t);
  static int on_header_value(llhttp_t*, const char*, size_t);
  static int on_header_value_complete(llhttp_t*);
  static int on_headers_complete(llhttp_t*);
  static int on_body(llhttp_t*, const char*, size_t);
  static int on_message_complete(llhttp_t*);
  static ResponseParser& self(llhttp_t* p) { return *static_cast<ResponseParser*>(p->data); }
  Error parse_error(llhttp_errno_t err) const;

  Events ev_;
  llhttp_settings_t settings_;
  llhttp_t parser_;
  Response resp_;
  std::string field_, value_;
  bool in_trailers_ = false;
  bool head_request_ = false;
  bool started_ = false, head_done_ = false, done_ = false, keep_alive_ = false;
  uint64_t body_bytes_ = 0;
};

}  // namespace sluice
