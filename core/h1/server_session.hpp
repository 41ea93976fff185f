// HTTP/1.1 server side of one connection, without I/O: llhttp parses requests
// (one at a time: the parser pauses after each complete request so responses
// go out in request order), and the response framer writes status line,
// headers and body framing (Content-Length, chunked or close-delimited) into
// the connection's output queue.
#pragma once

#include <llhttp.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/http/headers.hpp"
#include "core/http/request_head.hpp"
#include "core/http/section_memo.hpp"
#include "core/util/buffer.hpp"

namespace sluice {

// What the session reports while parsing; called from inside feed().
class RequestEvents {
 public:
  virtual ~RequestEvents() = default;
  virtual void on_request_head(const RequestHead& head) = 0;
  virtual void on_request_body(std::string_view bytes) = 0;  // de-chunked
  virtual void on_request_end() = 0;
};

class H1ServerSession {
 public:
  enum class Parse { more, paused, error };
  struct Fed {
    std::size_t consumed;
    Parse state;
  };

  H1ServerSession(RequestEvents& events, ServerLimits limits);
  H1ServerSession(const H1ServerSession&) = delete;
  H1ServerSession& operator=(const H1ServerSession&) = delete;

  // Parses data. After a complete request the parser pauses (Parse::paused,
  // the rest of data unconsumed) until next_request(). Parse::error: answer
  // with send_error(error_status()) and close.
  Fed feed(std::string_view data);
  void next_request();  // the current exchange is over
  bool in_request() const { return in_request_; }
  bool paused() const { return paused_; }
  int error_status() const { return error_status_; }
  const RequestHead& request() const { return head_; }

  // Response to the current request.
  void send_continue();  // "100 Continue", for Expect: 100-continue
  // length: Content-Length when known; otherwise chunked (HTTP/1.1) or
  // close-delimited (HTTP/1.0). Adds Date, Server and Connection.
  void send_head(int status, const Headers& headers, std::optional<uint64_t> length);
  // Alt-Svc sent with every response head (serve --http3); must outlive the session.
  void set_alt_svc(std::string_view v) { alt_svc_ = v; }
  void send_body(std::string_view bytes);
  // Room for up to max bytes of a Content-Length body, written in place in
  // out() and then committed; empty for other framings (use send_body).
  int body_rooms(std::size_t max, std::span<char>* spans, int count);
  void commit_body(std::size_t n);
  void sent_out_of_band(uint64_t n);  // body bytes the connection sent itself (sendfile)
  void end_response();
  // A complete short response that ends the connection (400, 408, 413, 414, 431, 501...).
  void send_error(int status, const Headers& extra = {});

  void force_close() { keep_alive_ = false; }
  bool keep_alive() const { return keep_alive_; }
  bool head_sent() const { return head_sent_; }
  bool response_ended() const { return response_ended_ && !holding_; }  // and all of it in out()
  bool body_suppressed() const { return framing_ == Framing::none; }
  ChainBuffer& out() { return out_; }
  const ChainBuffer& out() const { return out_; }

 private:
  enum class Framing { none, length, chunked, until_close };
  static int on_message_begin(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, size_t n);
  static int on_method(llhttp_t* p, const char* at, size_t n);
  static int on_header_field(llhttp_t* p, const char* at, size_t n);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value(llhttp_t* p, const char* at, size_t n);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t n);
  static int on_chunk_header(llhttp_t* p);
  bool check_chunk_crlf(const char* from, const char* end);
  static int on_message_complete(llhttp_t* p);
  static H1ServerSession& self(llhttp_t* p) { return *static_cast<H1ServerSession*>(p->data); }
  static const llhttp_settings_t& settings();

  Fed fail(int status, std::size_t consumed);
  Fed repeat(const RequestHead& head, std::size_t len);
  void message_begun();
  void message_done();
  Fed refuse_method(std::string_view rest, bool begun);
  Fed take_refused_line(std::string_view data);
  bool count_head_bytes(std::size_t n);
  int headers_complete();
  int refusal() const;
  int transfer_coding_refusal() const;
  Framing choose_framing(int status, std::optional<uint64_t> length);
  ChainBuffer& sink() { return holding_ ? held_ : out_; }
  void release_held();
  void discard_held();

  RequestEvents& events_;
  ServerLimits limits_;
  std::string_view alt_svc_;
  llhttp_t parser_;
  RequestHead head_;
  // The last request without a body that came whole in one buffer, with its
  // head: wrk's, a poller's, a health check's next request is the same bytes,
  // and llhttp, its callbacks and the checks of headers_complete() were a
  // quarter of a small static request's instructions.
  SectionMemo<RequestHead> last_request_;
  std::string field_, value_;
  std::size_t head_bytes_ = 0;
  std::size_t method_bytes_ = 0;  // of the current request, as llhttp handed them over
  // llhttp refuses a method it does not know at the first byte none of its
  // methods continues with. The rest of that request line collects here: the
  // whole line tells an unknown method (501) from garbage (400).
  bool method_refused_ = false;
  bool refused_method_begun_ = false;  // some of the method came before the refused byte
  std::string refused_line_;           // from the refused byte on
  uint64_t body_bytes_ = 0;
  bool in_request_ = false;
  bool headers_done_ = false;  // later header callbacks are trailers
  bool paused_ = false;
  bool failed_ = false;
  int error_status_ = 0;

  ChainBuffer out_;
  // The response to a request whose chunked body is still arriving waits here:
  // until the body ends it may yet go over max_body_size, and then the 413 must
  // be all the client gets. Released when the body ends or kHoldMax is reached.
  static constexpr std::size_t kHoldMax = 256 * 1024;
  ChainBuffer held_;
  bool holding_ = false;
  Framing framing_ = Framing::none;
  uint64_t body_left_ = 0;  // Framing::length
  bool keep_alive_ = true;
  // llhttp 8 skips the two bytes after a chunk's data without looking at them
  // (a request smuggling primitive): we check they are CRLF ourselves.
  uint64_t chunk_left_ = 0;         // data bytes of the current chunk still to come
  int crlf_left_ = 0;               // bytes of its CRLF not yet seen (2, 1, 0)
  const char* feed_end_ = nullptr;  // end of the buffer llhttp is parsing
  bool head_sent_ = false;
  bool response_ended_ = false;
};

}  // namespace sluice
