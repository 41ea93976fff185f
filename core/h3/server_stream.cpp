#include "core/h3/server_stream.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "core/h3/server_session.hpp"

namespace sluice::h3 {

namespace {

constexpr int kMaxPulls = 16;  // per stream per drive: an endpoint saying `more` cannot spin

}  // namespace

// A stream is new or comes back from closed(), which has emptied its head.
void RequestStream::open(int64_t id) {
  head_.version_major = 3;
  head_.version_minor = 0;
  id_ = id;
  endpoint_.reset();
  state_ = serve::Pull::done;
  rx_ = Rx::head;
  frame_.reset();
  section_.reset();
  body_bytes_ = uncredited_ = 0;
  request_ended_ = false;
  small_begin_ = small_end_ = 0;
  out_.clear();
  sent_ = offered_ = 0;
  fin_offered_ = head_sent_ = no_body_ = ended_ = fin_sent_ = false;
  blocked_ = write_shut_ = waiting_acks_ = false;
  view_first_ = view_count_ = 0;
  room_count_ = 0;
  in_ready = false;
}

// --- in ---

std::size_t RequestStream::receive(std::span<const uint8_t> data, bool fin, uint64_t& conn_error) {
  if (rx_ == Rx::discard) return data.size();
  std::size_t consumed = 0;
  while (!data.empty()) {
    if (rx_ == Rx::discard) return consumed + data.size();  // reset meanwhile
    if (!frame_.in_payload()) {
      if (!frame_.header(data, consumed)) break;
      if ((conn_error = frame_start(frame_.type(), frame_.length()))) return consumed;
      if (rx_ == Rx::discard) return consumed + data.size();
    }
    std::span<const uint8_t> piece;
    bool done = frame_.payload(data, piece);
    std::optional<std::string_view> section;  // a whole HEADERS payload
    if (frame_.type() == frame_type::kData) {
      body(piece);  // consumed when the endpoint's queue has room (credit)
    } else {
      consumed += piece.size();
      if (frame_.type() == frame_type::kHeaders) section = section_.add(piece, done);
    }
    if (!done) break;
    if (!section) continue;
    conn_error = headers_done(*section, fin && data.empty());
    section_.reset();
    if (conn_error) return consumed;
  }
  if (!fin) return consumed;
  // A frame cut short by the stream's end is a connection error (7.1).
  if (frame_.cut()) {
    conn_error = h3err::kFrame;
    return consumed;
  }
  if (rx_ == Rx::head) {
    stream_error(h3err::kRequestIncomplete);
  } else if (rx_ != Rx::discard) {
    request_end();
  }
  return consumed;
}

// What a frame's type means in the stream's state (4.1: HEADERS, DATA*,
// trailing HEADERS; unknown frame types anywhere).
uint64_t RequestStream::frame_start(uint64_t type, uint64_t length) {
  switch (type) {
    case frame_type::kHeaders:
      if (rx_ == Rx::trailers) return h3err::kFrameUnexpected;
      if (length > kMaxHeadersFrame) {
        stream_error(h3err::kExcessiveLoad);
        return 0;
      }
      return 0;
    case frame_type::kData:
      return rx_ == Rx::body ? 0 : h3err::kFrameUnexpected;
    case frame_type::kCancelPush:
    case frame_type::kSettings:
    case frame_type::kPushPromise:
    case frame_type::kGoaway:
    case frame_type::kMaxPushId:
      return h3err::kFrameUnexpected;
    default:
      return h2_only_frame(type) ? h3err::kFrameUnexpected : 0;  // else skipped
  }
}

uint64_t RequestStream::headers_done(std::string_view section, bool ends_here) {
  bool trailers = rx_ != Rx::head;
  if (uint64_t e = decode_fields(section, trailers)) return e;
  if (rx_ == Rx::discard) return 0;  // a malformed request: reset
  if (trailers) {
    rx_ = Rx::trailers;
    return 0;
  }
  rx_ = Rx::body;
  head_.chunked = !ends_here && !head_.content_length;  // a body of unknown length follows
  session_.router_.count_request();
  if (head_.expect_continue && head_.has_body()) send_continue();
  endpoint_ = session_.router_.route(head_);
  state_ = endpoint_->pull(*this);
  return 0;
}

// Decodes a field section into the head (trailers: checked, then dropped). A
// decoding failure ends the connection; a malformed request, the stream.
uint64_t RequestStream::decode_fields(std::string_view section, bool trailers) {
  // The table has capacity 0: a section means what its bytes say, whatever
  // came before on the connection.
  if (!trailers) {
    if (const RequestHead* same = session_.last_request_.find(section)) {
      head_ = *same;
      return 0;
    }
  }
  qpack::Decoder& dec = session_.decoder_;
  h2::RequestFieldCheck& check = session_.check_;
  if (!dec.begin(section)) return h3err::kQpackDecompressionFailed;
  check.reset(trailers);
  bool malformed = false;
  std::size_t bytes = 0;
  qpack::Field f;
  qpack::Decoder::Step step;
  while ((step = dec.next(f)) == qpack::Decoder::Step::field) {
    bytes += f.name.size() + f.value.size() + 32;
    h2::FieldKind kind = malformed ? h2::FieldKind::malformed
                                   : check.field(f.name, f.value, {f.static_name, f.static_value});
    if (kind == h2::FieldKind::malformed) malformed = true;
    if (!malformed && !trailers && bytes <= kMaxFieldSection)
      h2::add_request_field(head_, kind, f.name, f.value);
  }
  if (step == qpack::Decoder::Step::error) return h3err::kQpackDecompressionFailed;
  if (malformed || !check.complete())
    stream_error(h3err::kMessage);
  else if (bytes > kMaxFieldSection)
    stream_error(h3err::kExcessiveLoad);
  else if (!trailers)
    session_.last_request_.keep(section, head_);
  return 0;
}

// Body bytes: to the endpoint, and counted against Content-Length (4.1.2:
// a mismatch makes the request malformed).
void RequestStream::body(std::span<const uint8_t> bytes) {
  body_bytes_ += bytes.size();
  uncredited_ += bytes.size();
  if (head_.content_length && body_bytes_ > *head_.content_length)
    return stream_error(h3err::kMessage);
  if (endpoint_ && !bytes.empty())
    endpoint_->on_body(*this, {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

void RequestStream::request_end() {
  if (head_.content_length && body_bytes_ != *head_.content_length)
    return stream_error(h3err::kMessage);
  request_ended_ = true;
  if (endpoint_) endpoint_->on_body_end(*this);
}

// The endpoint may be the caller (abort(), or abort() from its on_body()):
// it is retired, and destroyed after the current drive.
void RequestStream::stream_error(uint64_t code) {
  rx_ = Rx::discard;
  if (endpoint_) session_.retire(std::move(endpoint_));
  state_ = serve::Pull::done;
  write_shut_ = true;
  ngtcp2_conn_shutdown_stream(session_.conn(), 0, id_, code);
  if (uncredited_) {  // the rest is dropped: the window is the peer's again
    ngtcp2_conn_extend_max_stream_offset(session_.conn(), id_, uncredited_);
    uncredited_ = 0;
  }
  session_.schedule_write();
}

void RequestStream::peer_reset() {
  if (request_ended_ || rx_ == Rx::discard) return;  // the response may still go out
  stream_error(h3err::kRequestCancelled);
}

// ngtcp2 refers to none of the stream's bytes any more: a stream reset with
// bytes in flight gives its blocks back now, not when it is reused.
// The head is emptied here rather than on reuse, while its memory is still
// in cache (on reuse, after hundreds of other requests, it was not: that
// was 6% of the server's cycles).
void RequestStream::closed() {
  shut();
  head_.reset_keeping_capacity();
  out_.clear();
  small_begin_ = small_end_ = sent_ = 0;
  view_first_ = view_count_ = 0;
}

// --- the endpoint ---

// An endpoint whose response and request are both complete has nothing left
// to do: it goes now, warm, not when the last acknowledgement closes the
// stream.
void RequestStream::pull() {
  for (int i = 0; i < kMaxPulls && wants_pull(); ++i) state_ = endpoint_->pull(*this);
  if (endpoint_ && ended_ && request_ended_ && state_ == serve::Pull::done) endpoint_.reset();
}

// A stream whose endpoint is gone takes the body in and drops it.
void RequestStream::credit() {
  if (uncredited_ == 0 || (endpoint_ && !has_room())) return;
  ngtcp2_conn_extend_max_stream_offset(session_.conn(), id_, uncredited_);
  uncredited_ = 0;
  session_.schedule_write();
}

void RequestStream::head(int status, const Headers& headers, std::optional<uint64_t> length) {
  if (head_sent_ || write_shut_) return;
  head_sent_ = true;
  no_body_ = head_.is_head() || status == 204 || status == 304;
  std::string& section = session_.scratch_;
  section.clear();
  qpack::begin_section(section);
  qpack::encode_status(section, status);
  section.append(session_.response_fields_.server_and_date(std::time(nullptr)));
  section.append(session_.response_fields_.encode(headers));
  if (length) qpack::encode_content_length(section, *length);
  enqueue_frame(frame_type::kHeaders, section);
  if (no_body_) ended_ = true;
  ready();
}

// Expect: 100-continue (RFC 9110 10.1.1): the client sends the body only
// after this interim answer, or after waiting for it in vain.
void RequestStream::send_continue() {
  std::string& section = session_.scratch_;
  section.clear();
  qpack::begin_section(section);
  qpack::encode_status(section, 100);
  enqueue_frame(frame_type::kHeaders, section);
  ready();
}

namespace {
constexpr std::size_t kDataHeader = 5;  // type, then a 4-byte varint length
}

int RequestStream::body_rooms(std::size_t max, std::span<char>* spans, int count) {
  constexpr std::size_t kMinRoom = 512;  // below it, a block is left to write()
  if (!head_sent_ || no_body_ || ended_ || write_shut_ || max == 0) return 0;
  count = std::min(count, kMaxRooms);
  int n = out_.tail_rooms(max + kDataHeader * static_cast<std::size_t>(count),
                          kDataHeader + kMinRoom, rooms_.data(), count);
  room_count_ = 0;
  for (int i = 0; i < n && max > 0; ++i) {
    if (rooms_[i].size() <= kDataHeader) break;
    std::span<char> payload = rooms_[i].subspan(kDataHeader);
    payload = payload.first(std::min(payload.size(), max));
    max -= payload.size();
    rooms_[i][0] = static_cast<char>(frame_type::kData);
    spans[room_count_] = payload;
    rooms_[room_count_++] = payload;
  }
  if (room_count_ == 0) out_.commit_spread(0);  // gives back the blocks it added
  return room_count_;
}

// The spans are filled in order, so every DATA frame but the last written is
// whole. RFC 9000 16: a varint need not be minimal; 0b10 marks four bytes.
void RequestStream::commit_body(std::size_t n) {
  std::size_t queued = 0;
  for (int i = 0; i < room_count_ && n > 0; ++i) {
    std::size_t len = std::min(n, rooms_[i].size());
    char* h = rooms_[i].data() - kDataHeader;
    h[1] = static_cast<char>(0x80 | (len >> 24));
    h[2] = static_cast<char>(len >> 16);
    h[3] = static_cast<char>(len >> 8);
    h[4] = static_cast<char>(len);
    queued += kDataHeader + len;
    n -= len;
  }
  room_count_ = 0;
  out_.commit_spread(queued);
  ready();
}

void RequestStream::write(std::string_view bytes) {
  if (!head_sent_ || no_body_ || ended_ || write_shut_ || bytes.empty()) return;
  enqueue_frame(frame_type::kData, bytes);
  ready();
}

void RequestStream::end() {
  if (ended_ || write_shut_) return;
  ended_ = true;
  ready();
}

void RequestStream::wake() {
  if (!endpoint_) return;
  state_ = serve::Pull::more;
  session_.schedule_drive();  // never re-enter the endpoint from its own callback
}

void RequestStream::abort() {
  stream_error(h3err::kInternal);
}

Loop& RequestStream::loop() {
  return session_.loop();
}

// --- out ---

// Small pieces go inline behind what small_ holds, as long as nothing waits
// in out_ (the order of the bytes).
void RequestStream::enqueue_frame(uint64_t type, std::string_view payload) {
  uint8_t header[16];
  uint8_t* end = put_frame_header(header, type, payload.size());
  enqueue({reinterpret_cast<char*>(header), static_cast<std::size_t>(end - header)});
  enqueue(payload);
}

void RequestStream::enqueue(std::string_view bytes) {
  if (out_.empty() && small_end_ + bytes.size() <= small_.size()) {
    std::copy(bytes.begin(), bytes.end(), small_.begin() + static_cast<std::ptrdiff_t>(small_end_));
    small_end_ += bytes.size();
  } else {
    out_.append(bytes);
  }
}

void RequestStream::ready() {
  if (sendable()) session_.want_send(*this);
}

// The next unsent bytes, from the view when it still holds some, and the fin
// once they are all in.
void RequestStream::fill(StreamChunk& chunk) {
  if (view_first_ == view_count_) build_view();
  chunk.stream_id = id_;
  // Only what one packet can carry: a packet never takes more than
  // kTxPacketMax, and ngtcp2 walks every vector it is given, per packet.
  offered_ = 0;
  std::size_t n = 0;
  for (std::size_t i = view_first_; i < view_count_ && offered_ < kTxPacketMax; ++i, ++n) {
    chunk.vecs[n] = view_[i];
    offered_ += view_[i].len;
  }
  chunk.count = n;
  fin_offered_ = ended_ && sent_ + offered_ == pending();
  chunk.fin = fin_offered_;
  // Nothing unsent in view (more in flight than kPeekBlocks blocks): no empty
  // STREAM frame; the stream waits until acknowledgements move the front.
  if (chunk.count == 0 && !fin_offered_) {
    chunk.stream_id = -1;
    waiting_acks_ = true;
  }
}

// Acknowledgements consume only sent bytes, so the view (unsent bytes) stays
// valid until written() uses it up; bytes queued since are in the next one.
void RequestStream::build_view() {
  view_first_ = view_count_ = 0;
  std::size_t skip = sent_;
  if (std::size_t small = small_end_ - small_begin_; skip < small) {
    view_[view_count_++] = {reinterpret_cast<uint8_t*>(small_.data() + small_begin_ + skip),
                            small - skip};
    skip = 0;
  } else {
    skip -= small;
  }
  // Blocks from the front, sent ones too: the budget keeps a stream to about
  // 70 of them, so kPeekBlocks sees past what is in flight to the unsent.
  iovec iov[kPeekBlocks];
  int blocks = out_.peek(iov, kPeekBlocks);
  for (int i = 0; i < blocks && view_count_ < StreamChunk::kMaxVecs; ++i) {
    std::size_t len = iov[i].iov_len;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    view_[view_count_++] = {static_cast<uint8_t*>(iov[i].iov_base) + skip, len - skip};
    skip = 0;
  }
}

void RequestStream::written(std::size_t n) {
  sent_ += n;
  if (fin_offered_ && n == offered_) fin_sent_ = true;
  while (n > 0 && view_first_ < view_count_) {
    ngtcp2_vec& v = view_[view_first_];
    std::size_t take = std::min(n, v.len);
    v.base += take;
    v.len -= take;
    n -= take;
    if (v.len == 0) ++view_first_;
  }
  // Room again for a body still being made: fill it from the loop now, not
  // when the next acknowledgement arrives. Waiting for that left the server
  // idle a fifth of a 1 GiB download once the queue ran dry.
  if (wants_pull()) session_.schedule_drive();
}

bool RequestStream::unblock() {
  blocked_ = false;
  return sendable();
}

// ngtcp2 answered the client's STOP_SENDING with RESET_STREAM: nothing more
// goes out, so nothing more is made; a request body still coming is taken
// in and dropped (credit()).
// The endpoint goes in place: the write path never runs inside an endpoint.
void RequestStream::shut() {
  write_shut_ = true;
  endpoint_.reset();
  state_ = serve::Pull::done;
}

void RequestStream::acked(uint64_t n) {
  std::size_t from_small = std::min<std::size_t>(n, small_end_ - small_begin_);
  small_begin_ += from_small;
  if (small_begin_ == small_end_) small_begin_ = small_end_ = 0;  // all acknowledged
  out_.consume(n - from_small);
  sent_ -= std::min<std::size_t>(sent_, n);
  if (waiting_acks_) {
    waiting_acks_ = false;
    ready();
  }
}

}  // namespace sluice::h3
