// HTTP/2 server side of one connection, without I/O: frames in via feed(),
// frames out into out() via produce(). Requests are reported through
// H2ServerEvents; responses are sent per stream with the same verbs as the h1
// session (send_head / send_body / end_response), so the connection above can
// run the same endpoints on either protocol.
//
// The framing layer is our own (RFC 9113), with core/h2/hpack_* for header
// compression: nghttp2's general-purpose session was a third of the server's
// cycles per small request (see docs/ARCHITECTURE.md). The client side still
// uses nghttp2.
//
// Response bodies: each stream queues what its endpoint wrote; produce()
// frames it as DATA within the peer's windows, a whole 16 KiB block as one
// frame without a copy (its header written in the block's headroom).
//
// Request bodies: bytes a stream received are given back to the peer
// (WINDOW_UPDATE) only once that stream's response queue is short again, so
// an /echo whose client does not read costs at most one stream window, and
// all of them together at most the connection window.
//
// Response memory: the blocks every stream's queue holds count towards
// body_memory(), which the connection adds to its own output when it tells
// endpoints whether they may write (H2Stream::has_room), so a client that
// opens many streams and never reads costs one connection's budget, not one
// per stream. Blocks, not bytes: a 10-byte body stalled in a stream holds a
// whole 16 KiB block.
//
// Defences, each ending the connection with GOAWAY: rapid reset (streams
// reset before their response finished, token bucket), SETTINGS/PING/empty
// DATA floods (token bucket, plus a cap on unsent ACKs), CONTINUATION floods
// (frames per header block), and header blocks far over the limit. A header
// list over the advertised limit but under the hard cap gets 431.
//
// Stream identifiers (RFC 9113 5.1): a HEADERS frame that reuses a closed
// stream's id, or a lower one, is a connection error (PROTOCOL_ERROR), and
// DATA on a stream whose request has ended is STREAM_CLOSED. A stream over
// SETTINGS_MAX_CONCURRENT_STREAMS is refused alone (RST_STREAM(REFUSED_STREAM)),
// its header block still decoded for the connection's HPACK state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/h2/frame.hpp"
#include "core/h2/hpack_decoder.hpp"
#include "core/h2/hpack_encoder.hpp"
#include "core/h2/rate_limit.hpp"
#include "core/h2/request_fields.hpp"
#include "core/http/request_head.hpp"
#include "core/http/section_memo.hpp"
#include "core/util/buffer.hpp"

namespace sluice {

struct H2ServerSettings {
  uint32_t max_concurrent_streams = 100;
  // SETTINGS_INITIAL_WINDOW_SIZE: how much request body one stream may send
  // ahead. 256 KiB = the connection's output high-water mark, so one /echo
  // stream can keep the output queue full on its own.
  uint32_t initial_window = 256 * 1024;
  // Ceiling on request-body bytes in flight over all streams of a connection.
  uint32_t connection_window = 1 << 20;
  uint32_t max_frame_size = 16384;
  uint32_t max_header_list = 64 * 1024;  // SETTINGS_MAX_HEADER_LIST_SIZE, else 431
  // Defences (token buckets holding twice the rate): streams reset before
  // their response finished, and SETTINGS/PING/empty DATA frames, per second.
  uint32_t reset_rate = 100;
  uint32_t control_rate = 50;
};

// Called from inside feed() and produce(). Implementations may call the
// per-stream methods of the session, but never feed() or produce().
class H2ServerEvents {
 public:
  virtual ~H2ServerEvents() = default;
  // reject: 0, or the status to answer instead of routing (431). The head is
  // the session's own and stays as it is until on_stream_close(stream): the
  // stream's exchange reads it in place (the pooled stream reuses its memory).
  virtual void on_request_head(int32_t stream, const RequestHead& head, int reject) = 0;
  virtual void on_request_body(int32_t stream, std::string_view bytes) = 0;
  virtual void on_request_end(int32_t stream) = 0;
  virtual void on_stream_close(int32_t stream) = 0;
};

class H2ServerSession {
 public:
  // Per stream: endpoints write while the stream's queue is below this.
  static constexpr std::size_t kStreamQueue = 16 * 1024;
  // Where a stream's body starts in each block: a cache line in, with the
  // DATA frame header just before it. At 9 bytes in, pread into the
  // misaligned block at file offsets that were not multiples of 64 cost h2/TLS
  // 1 MiB responses ~15% more CPU.
  static constexpr std::size_t kBodyHeadroom = 64;
  static_assert(kBodyHeadroom >= h2::kFrameHeaderSize);

  H2ServerSession(H2ServerEvents& events, const H2ServerSettings& settings,
                  const ServerLimits& limits);
  ~H2ServerSession();
  H2ServerSession(const H2ServerSession&) = delete;
  H2ServerSession& operator=(const H2ServerSession&) = delete;

  // The server half of an HTTP/1.1 "Upgrade: h2c" (RFC 7540 3.2): the
  // client's HTTP2-Settings payload (decoded) counts as its SETTINGS, and the
  // request already read becomes stream 1, reported through the events at once.
  // False: the payload is malformed and the connection must end.
  bool upgrade(std::string_view settings_payload, RequestHead head);
  // Input from the peer. False: the connection must end (a GOAWAY is queued
  // when one can still be sent).
  bool feed(std::string_view data);
  // Serialises frames into out() until it holds `limit` bytes or nothing is
  // ready. False on a fatal error.
  bool produce(std::size_t limit);
  // Neither side has anything more to say: flush out() and close.
  bool finished() const;
  // Frames are ready, or streams wait only for out() to drain.
  bool want_write() const;

  // Graceful stop: a GOAWAY announcing the end, then the final one naming the
  // last stream we will answer.
  void shutdown_notice();
  // debug: the GOAWAY's additional debug data (RFC 9113 6.8), for people.
  void final_goaway(std::string_view debug = {});
  // GOAWAY(NO_ERROR) naming last_stream_id: streams above it are refused, and
  // the client may send them again on a new connection.
  void goaway_after(int32_t last_stream_id);
  uint32_t goaway_code() const { return goaway_code_; }  // what ended it, when we did

  // Per stream (ids from on_request_head). length: content-length when known.
  void send_head(int32_t id, int status, const Headers& headers, std::optional<uint64_t> length);
  // Alt-Svc sent with every response head (serve --http3); must outlive the session.
  void set_alt_svc(std::string_view v) { alt_svc_ = v; }
  void send_continue(int32_t id);
  void send_body(int32_t id, std::string_view bytes);
  // send_body without a copy: room at the tail of the stream's queue for up
  // to max bytes in up to count spans (none: use send_body), then
  // commit_body(n) for what was written there, in order. Only while the
  // response flows (not while its head waits).
  int body_rooms(int32_t id, std::size_t max, std::span<char>* spans, int count);
  void commit_body(int32_t id, std::size_t n);
  void end_response(int32_t id);
  // The endpoint writes more as soon as it is pulled: a partly filled last
  // block waits for those bytes instead of leaving as a short DATA frame.
  // Turned off (the endpoint waits), the waiting bytes go at once.
  void set_filling(int32_t id, bool filling);
  void reset(int32_t id, uint32_t error_code);
  std::size_t queued(int32_t id) const;
  // Response bytes are queued that only the peer's window holds back (not a
  // response that waits for its request body, see send_head).
  bool held_by_peer(int32_t id) const;
  bool head_sent(int32_t id) const;
  // No more body is taken: end_response, or the session answered instead (413).
  bool response_ended(int32_t id) const;

  std::size_t open_streams() const { return open_; }
  // Memory (whole blocks) held by response bodies written and not yet
  // framed, all streams.
  std::size_t body_memory() const { return body_memory_; }
  ChainBuffer& out() { return out_; }
  const ChainBuffer& out() const { return out_; }

 private:
  struct Stream;
  // A response that waits for an unsized request body to end, so that a body
  // over --max-body-size can still be answered 413 (as HTTP/1.1 does).
  struct WaitingHead {
    int status;
    Headers headers;
    std::optional<uint64_t> length;
  };
  struct Header {  // a frame's 9 bytes, decoded
    uint32_t length;
    uint8_t type, flags;
    int32_t stream;
  };

  // input (server_session.cpp)
  bool take_preface(std::string_view& data);
  bool frame(const Header& h, std::string_view payload);
  bool on_data(const Header& h, std::string_view payload);
  bool on_headers(const Header& h, std::string_view payload);
  bool on_continuation(const Header& h, std::string_view payload);
  bool header_block_done(std::string_view block, bool self_dependent);
  bool decode_block(Stream* s, std::string_view block);
  bool on_priority(const Header& h, std::string_view payload);
  bool on_rst_stream(const Header& h, std::string_view payload);
  bool on_settings(const Header& h, std::string_view payload);
  bool apply_settings(std::string_view payload);
  bool on_ping(const Header& h, std::string_view payload);
  bool on_goaway(const Header& h, std::string_view payload);
  bool on_window_update(const Header& h, std::string_view payload);
  bool closed_stream_frame(const Header& h);
  bool unpad(const Header& h, std::string_view& payload);
  Stream* find(int32_t id) const;
  Stream& open_stream(int32_t id);
  bool refuse_stream(int32_t id);
  void remember_reset(int32_t id);
  bool was_reset(int32_t id) const;
  void request_head_done(int32_t id, Stream& s, bool end_stream);
  void request_ended(Stream& s);
  void deliver_body(Stream& s, std::string_view bytes);
  void credit(Stream& s);
  void give_back(Stream* s, std::size_t n);  // nullptr: the connection window only
  void stream_error(Stream& s, uint32_t code);
  void close_stream(Stream& s, uint32_t code);
  void recycle(Stream& s);
  bool defend(h2::TokenBucket& bucket, uint32_t code);
  bool fail(uint32_t code);
  void terminate(uint32_t code);

  // output (server_session_out.cpp)
  void control_frame(uint8_t type, uint8_t flags, int32_t stream, std::string_view payload = {});
  void ack_frame(uint8_t type, std::string_view payload);
  void goaway(int32_t last, uint32_t code, std::string_view debug = {});
  void window_update(int32_t stream, uint32_t increment);
  void header_frames(int32_t id, std::string_view block, bool end_stream);
  void mark_ready(Stream& s);
  bool sendable(const Stream& s) const;
  // These three return false when the stream closed (and may be freed).
  bool send_stream(Stream& s);
  bool data_frame(Stream& s, std::size_t length, bool end_stream);
  bool local_end(Stream& s);
  void flush_resets();
  void flush_control();  // queued control frames into out()
  void drop_queue(Stream& s);
  void submit_head(int32_t id, Stream& s, int status, const Headers& headers,
                   std::optional<uint64_t> length);
  void release_head(int32_t id, Stream& s);
  std::optional<WaitingHead> end_wait(Stream& s);
  void refuse_body(int32_t id, Stream& s);
  void drop_body(Stream& s, std::size_t n);
  void cut_upload(Stream& s);
  bool want_read() const;

  H2ServerEvents& events_;
  H2ServerSettings settings_;
  ServerLimits limits_;
  std::string_view alt_svc_;
  hpack::Decoder decoder_;
  hpack::Encoder encoder_;
  h2::RequestFieldCheck check_;
  // The last request header block that decoded clean without changing the
  // decoder's table, with its head: the same bytes against the same table
  // (h2load's and browsers' blocks are all indexed once the table is warm)
  // are the same head, neither decoded nor checked again.
  struct DecodedRequest {
    RequestHead head;
    std::size_t header_bytes = 0;
    uint64_t table = 0;  // decoder_.table().changes() when it was decoded
  };
  SectionMemo<DecodedRequest> last_request_;
  std::vector<std::unique_ptr<Stream>> pool_;             // every stream this session made
  std::vector<Stream*> free_;                             // closed ones kept for reuse
  std::vector<Stream*> open_list_;                        // the streams not yet closed
  std::vector<Stream*> ready_;                            // may have DATA to frame: produce() looks
  std::vector<std::pair<int32_t, uint32_t>> resets_out_;  // RST_STREAMs to send, in order
  std::size_t open_ = 0;
  std::size_t out_limit_ = 0;      // during produce()
  std::size_t waiting_bytes_ = 0;  // bodies of responses that wait (send_head)
  std::size_t body_memory_ = 0;    // the streams' queues' capacity(), summed

  // input state
  std::string in_;              // a frame (or the preface) split across feed() calls
  std::size_t preface_left_;    // client preface bytes still to come
  bool settings_seen_ = false;  // the client's first frame (its SETTINGS) came
  std::string block_;           // a header block across HEADERS and CONTINUATIONs
  int32_t block_stream_ = 0;    // 0: no header block is open
  bool block_end_stream_ = false;
  bool block_self_dependent_ = false;  // its HEADERS named the stream itself as parent
  uint32_t continuations_ = 0;         // CONTINUATION frames in the current header block
  int32_t highest_opened_ = 0;         // highest stream id a HEADERS frame has named
  int32_t last_processed_ = 0;         // highest stream handed to the events
  int32_t goaway_last_ =
      static_cast<int32_t>(h2::kMaxWindow);  // streams above it are ignored (our GOAWAY)
  bool goaway_sent_ = false, goaway_received_ = false;

  // flow control: what we may send, what the peer may send
  int64_t send_window_ = h2::kDefaultWindow;  // the connection's, ours to spend
  int64_t peer_initial_window_ = h2::kDefaultWindow;
  std::size_t peer_max_frame_ = h2::kMinMaxFrameSize;
  int64_t conn_window_ = h2::kDefaultWindow;  // the connection receive window we keep offering
  int64_t recv_window_ = h2::kDefaultWindow;  // the connection's, the peer's to spend
  std::size_t unannounced_ = 0;               // given back on the connection, no WINDOW_UPDATE yet

  mutable int32_t last_id_ = 0;  // find()'s last answer (a request names its stream many times)
  mutable Stream* last_ = nullptr;
  // Streams closed while their request was still coming (we reset them):
  // the client may send for them until it sees our RST_STREAM, and those
  // frames are ignored, not errors. The most recent few are enough.
  std::array<int32_t, 64> reset_ids_{};
  std::size_t reset_next_ = 0;
  h2::TokenBucket resets_;       // streams reset before their response ended
  h2::TokenBucket control_;      // SETTINGS, PING, empty DATA frames
  std::size_t acks_unsent_ = 0;  // SETTINGS/PING ACKs queued while out() had not drained
  uint32_t goaway_code_ = 0;
  bool terminated_ = false;
  std::string control_out_;  // control frames and response heads, ahead of DATA
  std::string block_out_;    // an encoded header block, reused
  // The last response head whose block was all references to the encoder's
  // table, with that block: the same head while the table is unchanged
  // (DynamicTable::changes()) encodes the same, so it is sent again as it is.
  // Encoding a head field by field was a sixth of a small h2 request's
  // instructions.
  struct LastHead {
    bool kept = false;
    uint64_t table = 0;
    int status = 0;
    std::string date, length, block;
    std::vector<std::pair<std::string, std::string>> fields;
  };
  static constexpr std::size_t kMaxLastHead = 512;
  LastHead last_head_;
  ChainBuffer out_;
};

}  // namespace sluice
