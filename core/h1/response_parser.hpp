// HTTP/1.1 response parsing on top of llhttp: feeds bytes, reports the head,
// de-chunked body bytes, trailers and the end of each message.
//
// A body framed by Content-Length alone is counted here rather than by llhttp
// ("raw" body): its bytes need no parsing, and the session may then move them
// from the socket to the output without reading them (splice), telling the
// parser with body_moved().
#pragma once

#include <llhttp.h>

#include <functional>
#include <span>
#include <string>

#include "core/http/message.hpp"

namespace sluice {

class ResponseParser {
 public:
  // Ceiling on the bytes of all heads of one response (1xx heads, the final
  // head, trailers), as curl's: a server that never ends its head is an
  // error, not a memory sink.
  static constexpr std::size_t kMaxHeadBytes = 300 * 1024;

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

  // Bytes of a raw body still to come (0 when the body is not raw or is done).
  uint64_t raw_body_remaining() const { return raw_remaining_; }
  // n raw body bytes went to the consumer outside feed(); completes the
  // response when they were the last.
  void body_moved(uint64_t n);

  // A 101 Switching Protocols head was parsed: what follows is another
  // protocol (feed() stops right after the head).
  bool switched() const { return switched_; }
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
  int count_head(std::size_t n);  // -1 (stop parsing) past kMaxHeadBytes
  void feed_raw_body(std::span<const char> data, std::size_t& consumed);
  void complete();

  Events ev_;
  llhttp_settings_t settings_;
  llhttp_t parser_;
  Response resp_;
  std::string field_, value_;
  bool in_trailers_ = false;
  bool head_request_ = false;
  bool started_ = false, head_done_ = false, done_ = false, keep_alive_ = false;
  bool switched_ = false;
  bool raw_body_ = false;  // llhttp stopped after the head; the body is counted here
  uint64_t raw_remaining_ = 0;
  uint64_t body_bytes_ = 0;
  std::size_t head_bytes_ = 0;  // toward kMaxHeadBytes
  enum class Refused { no, head_too_large, bad_status } refused_ = Refused::no;
};

}  // namespace sluice
