// One request stream of the server's HTTP/3 layer (RFC 9114 4.1): the frames
// that come in (HEADERS, DATA, trailers) become a RequestHead and body bytes
// for the host's endpoint, and the endpoint's response becomes the stream's
// bytes out (a HEADERS frame, then a DATA frame per write).
//
// Those bytes stay queued until the peer acknowledges them: ngtcp2 refers to
// them, not to a copy, until then. An endpoint writes only while the stream
// holds under its budget (below), so a stream costs at most that much however
// large the body and however slow the peer; a response's first KiB is held
// inline, so a small response allocates no buffer block. Request body bytes
// are credited to the peer's stream window only while the response queue has
// room (/echo cannot outrun its reader).
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <array>
#include <memory>
#include <span>
#include <string>

#include "core/h3/h3_frame.hpp"
#include "core/h3/quic_io.hpp"
#include "core/serve/exchange.hpp"
#include "core/util/buffer.hpp"

namespace sluice::h3 {

class H3ServerSession;

class RequestStream final : public serve::ResponseWriter {
 public:
  // What a stream may hold: kStreamBudget in all, of which at most
  // kUnsentBudget not yet handed to ngtcp2. A stream the peer stalls (its
  // window shut) settles at kUnsentBudget once what flew is acknowledged; a
  // fast one keeps up to kStreamBudget in flight, which loopback needs to fill
  // the pipe between acknowledgements (256 KiB in all took a 1 GiB download
  // from 1.2 s to 1.8 s).
  static constexpr std::size_t kStreamBudget = 1024 * 1024;
  static constexpr std::size_t kUnsentBudget = 256 * 1024;
  // A request's field section: what a HEADERS frame may carry, and what its
  // decoded fields may add up to (name + value + 32 each, as HTTP/2 counts).
  static constexpr std::size_t kMaxHeadersFrame = 64 * 1024;
  static constexpr std::size_t kMaxFieldSection = 64 * 1024;

  explicit RequestStream(H3ServerSession& session) : session_(session) {}
  ~RequestStream() override { endpoint_.reset(); }  // cancels its timers while the loop is there
  RequestStream(const RequestStream&) = delete;
  RequestStream& operator=(const RequestStream&) = delete;

  // Takes the stream for a new request: all as new, but the header list
  // keeps its capacity and out_ its spare blocks.
  void open(int64_t id);
  int64_t id() const { return id_; }

  // In-order stream bytes. Returns the bytes consumed at once (framing);
  // body bytes given to the endpoint are credited later (credit()). A
  // violation that ends the connection sets conn_error (an H3 error code).
  std::size_t receive(std::span<const uint8_t> data, bool fin, uint64_t& conn_error);
  void peer_reset();  // RESET_STREAM from the client
  void closed();      // ngtcp2 closed the stream

  // Driving the endpoint, from the session's drive.
  void pull();
  bool wants_pull() const { return endpoint_ && state_ == serve::Pull::more && has_room(); }
  void credit();  // request body window back once the response queue has room

  // Sending, for the session's next_chunk and chunk_* calls.
  bool sendable() const {
    return !write_shut_ && !blocked_ && !waiting_acks_ &&
           (sent_ < pending() || (ended_ && !fin_sent_));
  }
  void fill(StreamChunk& chunk);
  void written(std::size_t n);
  void blocked() { blocked_ = true; }
  bool unblock();  // true: it has something to send again
  void shut();     // closed for writing (the client's STOP_SENDING): the endpoint goes
  void acked(uint64_t n);
  bool in_ready = false;  // in the session's list of streams with bytes to send

  // ResponseWriter
  const RequestHead& request() const override { return head_; }
  void head(int status, const Headers& headers, std::optional<uint64_t> length) override;
  void write(std::string_view bytes) override;
  void end() override;
  bool has_room() const override {
    return pending() < kStreamBudget && pending() - sent_ < kUnsentBudget;
  }
  bool can_sendfile() override { return false; }
  void sendfile(int, uint64_t, uint64_t) override {}
  void wake() override;
  void abort() override;
  Loop& loop() override;
  // A file read straight into the queue: each span is the room of one block,
  // behind a DATA frame header whose length is a 4-byte varint filled in by
  // commit_body.
  int body_rooms(std::size_t max, std::span<char>* spans, int count) override;
  void commit_body(std::size_t n) override;

 private:
  enum class Rx { head, body, trailers, discard };

  // A whole frame header has come: what its type means here.
  uint64_t frame_start(uint64_t type, uint64_t length);
  uint64_t headers_done(std::string_view section, bool ends_here);  // a whole HEADERS frame
  uint64_t decode_fields(std::string_view section, bool trailers);
  void body(std::span<const uint8_t> bytes);
  void request_end();
  void stream_error(uint64_t code);  // resets both directions with code
  void enqueue(std::string_view bytes);
  void enqueue_frame(uint64_t type, std::string_view payload);  // its header, then it
  void send_continue();                                         // a HEADERS frame with :status 100
  void build_view();  // view_ from the queue, after the first sent_ bytes
  void ready();       // bytes or a fin to send: into the session's list
  std::size_t pending() const { return small_end_ - small_begin_ + out_.size(); }

  H3ServerSession& session_;
  int64_t id_ = -1;
  RequestHead head_;
  std::unique_ptr<serve::Endpoint> endpoint_;
  serve::Pull state_ = serve::Pull::done;

  // In: the frame being read.
  Rx rx_ = Rx::head;
  FrameCursor frame_;
  FieldSection section_;
  uint64_t body_bytes_ = 0, uncredited_ = 0;
  bool request_ended_ = false;

  // Out: the stream's bytes not yet acknowledged, small_[small_begin_,
  // small_end_) then out_; ngtcp2 has been given the first sent_ of them.
  std::size_t small_begin_ = 0, small_end_ = 0;
  ChainBuffer out_;
  std::size_t sent_ = 0;
  std::size_t offered_ = 0;                      // bytes in the last chunk filled
  std::size_t view_first_ = 0, view_count_ = 0;  // view_'s unused part
  int room_count_ = 0;                           // rooms_ in use
  bool fin_offered_ = false;
  bool head_sent_ = false, no_body_ = false, ended_ = false, fin_sent_ = false;
  bool blocked_ = false, write_shut_ = false;
  bool waiting_acks_ = false;  // fill() saw nothing unsent: ready again on an ack

  // The arrays last: the fields above, which every stream touches, share
  // fewer cache lines (opening a stream was 2.4% of a small-request
  // server's cycles, nearly all of it cache misses across this object).
  // The unsent bytes fill() found last, as vectors, used up by written():
  // a chunk per packet without walking the queue from its front each time.
  ngtcp2_vec view_[StreamChunk::kMaxVecs];
  // body_rooms' spans, until commit_body: each one's DATA frame header sits
  // just before it.
  static constexpr int kMaxRooms = 8;
  std::array<std::span<char>, kMaxRooms> rooms_;
  std::array<char, 1024> small_;
  static constexpr int kPeekBlocks = 96;
};

}  // namespace sluice::h3
