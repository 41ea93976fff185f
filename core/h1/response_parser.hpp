// HTTP/1.x response parsing for the client: feeds bytes, reports the head,
// de-chunked body bytes, trailers and the end of each message.
//
// Written for curl's leniency rather than on llhttp: what a server sends,
// curl 8 reads, and so must we. Content-Length may repeat or be a list if
// every value is the same decimal number ("5, 5"); values that disagree, or
// anything but digits, are refused as curl 8.21 refuses them (8.14 took the
// leading digits of the last). Chunked wins over Content-Length; anything
// after a chunk size up to the line end is an extension ("5 ;x"); lines may
// end in a bare LF; a response that does not start "HTTP/" is HTTP/0.9,
// refused. Limits are curl 8's: 100 KiB per header line, 4 KiB per trailer
// line and 5000 header lines (all "too large"), 300 KiB for the heads of one
// response.
//
// A body framed by Content-Length alone is counted here without parsing
// ("raw" body): the session may then move its bytes from the socket to the
// output without reading them (splice), telling the parser with body_moved().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/http/message.hpp"
#include "core/util/error.hpp"

namespace sluice {

class ResponseParser {
 public:
  static constexpr std::size_t kMaxHeadBytes = 300 * 1024;   // all heads of one response
  static constexpr std::size_t kMaxLineBytes = 100 * 1024;   // one header line
  static constexpr std::size_t kMaxTrailerLineBytes = 4096;  // one trailer line
  static constexpr std::size_t kMaxHeaders = 5000;           // lines of one head

  struct Events {
    std::function<void(const Response&)> informational;  // 1xx
    std::function<void(Response&)> headers;
    std::function<void(std::span<const char>)> body;
    std::function<void(const Headers&)> trailers;
    std::function<void()> complete;
  };

  explicit ResponseParser(Events ev);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  void expect_head_response(bool head) { head_request_ = head; }
  // Each Response's raw_head is kept (curl passes heads through as they came).
  void keep_raw_heads() { keep_raw_ = true; }
  // Parses data; stops right after a final response is complete, or after a
  // 101 head (the rest is left unread: `consumed` says how much was used).
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
  enum class State {
    status_line,  // lines: the status line, header lines, chunk sizes, trailers
    header_line,
    chunk_size,
    trailer_line,
    chunk_data,      // bytes
    chunk_data_end,  // the CRLF after a chunk's data
    raw_body,        // Content-Length bytes
    close_body,      // until the peer closes
    done,
  };

  Result<void> feed_line(std::span<const char> data, std::size_t& consumed);
  Result<void> check_line_limits(std::size_t taken, bool whole);
  std::size_t take_line(std::span<const char> data);
  std::size_t take_body(std::span<const char> data);
  Result<void> on_line(std::string_view line);
  Result<void> on_status_line(std::string_view line);
  Result<void> on_header_line(std::string_view line, Headers& into);
  Result<void> on_head_end();
  Result<void> on_chunk_size(std::string_view line);
  Result<void> on_chunk_data_end(char c);
  Result<void> choose_body();
  bool has_http_prefix() const;
  Result<void> refuse(Errc code, std::string message);
  void complete();

  Events ev_;
  State state_ = State::status_line;
  Response resp_;
  std::string line_;  // the line being read, without its end
  std::size_t lines_in_head_ = 0;
  bool head_request_ = false;
  bool keep_raw_ = false;
  bool started_ = false, head_done_ = false, done_ = false, keep_alive_ = false;
  bool switched_ = false;
  bool chunked_ = false;
  bool after_informational_ = false;  // a 1xx came: what follows must be a status line
  uint64_t raw_remaining_ = 0;        // of a raw body
  uint64_t chunk_remaining_ = 0;      // of the current chunk
  uint64_t body_bytes_ = 0;
  std::size_t head_bytes_ = 0;  // toward kMaxHeadBytes
  std::optional<Error> failed_;
};

}  // namespace sluice
