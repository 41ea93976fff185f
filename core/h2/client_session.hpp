// HTTP/2 client session (nghttp2): many streams over one transport, with
// consumption-gated receive flow control — a stream gets window back only for
// bytes its consumer has taken (manual window mode), while the connection
// window is credited on receipt so one stalled stream never starves the others.
#pragma once

#include <nghttp2/nghttp2.h>

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/http/client_session.hpp"
#include "core/loop/loop.hpp"
#include "core/net/wakeup_mark.hpp"
#include "core/util/buffer.hpp"

namespace sluice {

struct H2ClientConfig {
  uint32_t stream_window = 1 << 20;       // SETTINGS_INITIAL_WINDOW_SIZE: the high-water mark
  int32_t connection_window = 64 << 20;   // credited on receipt, so only a ceiling in flight
  uint32_t max_concurrent_streams = 100;  // we never open more than this, whatever the peer allows
};

class H2ClientSession final : public ClientSession, private IoHandler {
 public:
  // The client half of an HTTP/1.1 "Upgrade: h2c" that the server accepted
  // (RFC 7540 3.2): the request already sent becomes stream 1.
  struct Upgraded {
    ResponseSink* sink = nullptr;  // receives stream 1's response
    bool head = false;             // the request was HEAD: no body may follow
    std::string received;          // bytes that came after the 101 response head
  };

  H2ClientSession(Loop& loop, std::unique_ptr<Transport> transport, H2ClientConfig cfg);
  H2ClientSession(Loop& loop, std::unique_ptr<Transport> transport, H2ClientConfig cfg,
                  Upgraded up);
  ~H2ClientSession() override;

  // The SETTINGS payload a session with cfg announces, for HTTP2-Settings.
  static std::string settings_payload(const H2ClientConfig& cfg);

  Result<StreamId> submit(const Request& req, ResponseSink& sink) override;
  void consumed(StreamId id, std::size_t n) override;
  void resume(StreamId) override {}  // the window does the pausing
  void cancel(StreamId id) override;
  bool can_submit() const override;
  bool reusable() const override { return !closed_ && !goaway_ && !write_failed_; }
  std::string protocol() const override { return "2"; }
  const ClientSessionStats& stats() const override { return stats_; }

  // '>' request heads, '<' response heads, '*' events (GOAWAY, RST_STREAM), for -v.
  std::function<void(char, std::string_view)> trace;

 private:
  struct Stream {
    ResponseSink* sink = nullptr;  // nullptr once cancelled
    Response resp{.status = 0, .version_major = 2, .version_minor = 0};
    BodyHold body;                    // the request body, until all of it is read
    std::optional<Error> body_error;  // reading it failed: the stream was reset
    std::size_t unconsumed = 0;       // received, not yet taken by the consumer
    std::size_t uncredited = 0;       // taken by the consumer, window not yet returned
    uint64_t body_in = 0;             // DATA payload received (padding excluded)
    bool head = false;                // a HEAD request: no body follows the response head
    bool head_done = false, end_seen = false, aborted = false;
    bool keep_fields = true;       // the sink reads more than the status and sizes
    std::string not_sent;          // why nghttp2 could not send the request's HEADERS
    bool not_sent_goaway = false;  // because a GOAWAY came first: safe to send elsewhere
  };

  static nghttp2_session_callbacks* callbacks();
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                       const uint8_t*, size_t, uint8_t, void*);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int on_stream_close(nghttp2_session*, int32_t, uint32_t, void*);
  static int on_frame_not_send(nghttp2_session*, const nghttp2_frame*, int, void*);
  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*,
                           nghttp2_data_source*, void*);

  void start();
  void wait_for_body(int32_t id, Stream& s);
  void on_io(uint32_t events) override;
  void do_read();
  void wait_for_input();
  bool receive(std::span<const char> bytes);  // false when the session ended
  // Our frames are all in the socket: none queued, none staged by TLS.
  bool all_sent() const { return out_.empty() && !transport_->write_pending(); }
  // ... and nghttp2 has nothing more to frame: we owe the server nothing.
  bool said_all() const { return all_sent() && !nghttp2_session_want_write(ng_); }
  void flush();  // frames nghttp2 has queued -> out_ -> transport
  void update_interest();
  uint64_t bytes_coming() const;
  void headers_complete(Stream& s);
  // The server's GOAWAY with an error code, as the error it means; else nullopt.
  std::optional<Error> goaway_error() const;
  // Ends every stream with e; peer_closed: the connection ended with a clean
  // EOF (a stream cut by it is curl's 92), not with a transport error such
  // as a reset or a TLS EOF without close_notify (curl's 56, passed on).
  void fail_all(const Error& e, bool peer_closed = false);
  // What a stream (id, or none yet: 0) ended by e reports, as curl does.
  Error stream_error(const Error& e, bool peer_closed, int32_t id, bool head_done) const;
  void on_send_error(const Error& e);
  void close();
  Stream* stream(int32_t id);

  Loop& loop_;
  std::unique_ptr<Transport> transport_;
  H2ClientConfig cfg_;
  nghttp2_session* ng_ = nullptr;
  std::unordered_map<int32_t, Stream> streams_;
  // The stream last looked up: nghttp2 calls back for one stream many times
  // in a row (each header field, each DATA chunk), and hashing its id each
  // time was 3.5% of a load generator's CPU. Forgotten when it is erased.
  int32_t last_id_ = -1;
  Stream* last_ = nullptr;
  void forget_streams() {
    last_id_ = -1;
    last_ = nullptr;
  }
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ChainBuffer out_;
  static constexpr std::size_t kReadSize = 64 * 1024;  // per read, into ReadScratch
  ClientSessionStats stats_;
  WakeupMark wakeup_;  // SO_RCVLOWAT while long bodies flow; after transport_ and stats_
  bool closed_ = false, goaway_ = false, in_recv_ = false;
  bool write_failed_ = false;  // a write failed: nothing more is sent
  bool frame_seen_ = false;    // the server sent at least one frame (its SETTINGS)
  uint32_t goaway_code_ = 0;
  // What closed the session, for a stream submitted after it (a send that
  // failed on the preface, before any stream was open).
  std::optional<Error> failure_;
};

}  // namespace sluice
