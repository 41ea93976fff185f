// H2ServerSession, input half: the client's frames (RFC 9113), stream
// states, flow control on what the client sends, and the defences.
#include "core/h2/server_session.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "core/h2/preface.hpp"
#include "core/h2/server_stream.hpp"

namespace sluice {

using namespace h2;
using namespace h2srv;

namespace {
// Defence thresholds. Generous for real clients (a browser cancelling a page
// resets tens of streams; gRPC keepalive pings a few times a minute), far
// below what an attack needs to hurt.
constexpr uint32_t kMaxContinuations = 8;     // per header block (nghttp2's default)
constexpr std::size_t kHardHeaderFactor = 4;  // past limit x this: GOAWAY, not 431
constexpr std::size_t kFreeStreams = 32;      // closed streams kept for reuse, per session

}  // namespace

H2ServerSession::H2ServerSession(H2ServerEvents& events, const H2ServerSettings& settings,
                                 const ServerLimits& limits)
    : events_(events),
      settings_(settings),
      limits_(limits),
      preface_left_(kClientPreface.size()),
      resets_(2 * settings.reset_rate, settings.reset_rate),
      control_(2 * settings.control_rate, settings.control_rate) {
  std::string entries;
  auto entry = [&entries](uint16_t id, uint32_t value) {
    char e[6] = {static_cast<char>(id >> 8), static_cast<char>(id)};
    write_u32(e + 2, value);
    entries.append(e, sizeof e);
  };
  entry(kMaxConcurrentStreams, settings.max_concurrent_streams);
  entry(kInitialWindowSize, settings.initial_window);
  entry(kMaxFrameSize, settings.max_frame_size);
  entry(kMaxHeaderListSize, settings.max_header_list);
  entry(kNoRfc7540Priorities, 1);
  control_frame(kSettings, 0, 0, entries);
  // The connection window starts at 64 KiB whatever SETTINGS say.
  conn_window_ = std::max(settings.connection_window, settings.initial_window);
  if (conn_window_ > kDefaultWindow)
    window_update(0, static_cast<uint32_t>(conn_window_ - kDefaultWindow));
  recv_window_ = conn_window_;
}

H2ServerSession::~H2ServerSession() = default;

// ---- frames in -------------------------------------------------------------

bool H2ServerSession::feed(std::string_view data) {
  if (terminated_) return false;
  if (preface_left_ && !take_preface(data)) return false;
  // A frame split across reads is gathered in in_; whole frames are handled
  // where they lie.
  while (!data.empty()) {
    std::string_view whole;
    if (!in_.empty() || data.size() < kFrameHeaderSize) {
      std::size_t want = kFrameHeaderSize;
      if (in_.size() < want) {
        std::size_t n = std::min(want - in_.size(), data.size());
        in_.append(data.substr(0, n));
        data.remove_prefix(n);
        if (in_.size() < want) return true;
      }
      std::size_t length = frame_length(in_.data());
      if (length > settings_.max_frame_size) return fail(kFrameSizeError);
      std::size_t n = std::min(kFrameHeaderSize + length - in_.size(), data.size());
      in_.append(data.substr(0, n));
      data.remove_prefix(n);
      if (in_.size() < kFrameHeaderSize + length) return true;
      whole = in_;
    } else {
      std::size_t length = frame_length(data.data());
      if (length > settings_.max_frame_size) return fail(kFrameSizeError);
      if (data.size() < kFrameHeaderSize + length) {
        in_.assign(data);
        return true;
      }
      whole = data.substr(0, kFrameHeaderSize + length);
      data.remove_prefix(whole.size());
    }
    Header h{static_cast<uint32_t>(whole.size() - kFrameHeaderSize), static_cast<uint8_t>(whole[3]),
             static_cast<uint8_t>(whole[4]),
             static_cast<int32_t>(read_u32(whole.data() + 5) & kMaxWindow)};
    bool ok = frame(h, whole.substr(kFrameHeaderSize));
    in_.clear();
    if (!ok || terminated_) return false;
  }
  return true;
}

bool H2ServerSession::take_preface(std::string_view& data) {
  std::size_t at = kClientPreface.size() - preface_left_;
  std::size_t n = std::min(preface_left_, data.size());
  if (data.substr(0, n) != kClientPreface.substr(at, n)) return fail(kProtocolError);
  preface_left_ -= n;
  data.remove_prefix(n);
  return true;
}

bool H2ServerSession::frame(const Header& h, std::string_view payload) {
  // A header block is one piece: nothing may come between its frames.
  if (block_stream_ && h.type != kContinuation) return fail(kProtocolError);
  // The client's first frame is its SETTINGS (3.4).
  if (!settings_seen_ && (h.type != kSettings || (h.flags & kAck))) return fail(kProtocolError);
  switch (h.type) {
    case kData:
      return on_data(h, payload);
    case kHeaders:
      return on_headers(h, payload);
    case kPriority:
      return on_priority(h, payload);
    case kRstStream:
      return on_rst_stream(h, payload);
    case kSettings:
      return on_settings(h, payload);
    case kPushPromise:
      return fail(kProtocolError);  // a client never promises
    case kPing:
      return on_ping(h, payload);
    case kGoaway:
      return on_goaway(h, payload);
    case kWindowUpdate:
      return on_window_update(h, payload);
    case kContinuation:
      return on_continuation(h, payload);
    default:
      return true;  // unknown types are ignored (5.5)
  }
}

// PADDED: a length byte first, that many bytes of padding last.
bool H2ServerSession::unpad(const Header& h, std::string_view& payload) {
  if (!(h.flags & kPadded)) return true;
  if (payload.empty()) return false;
  std::size_t pad = static_cast<uint8_t>(payload[0]);
  payload.remove_prefix(1);
  if (pad > payload.size()) return false;
  payload.remove_suffix(pad);
  return true;
}

// DATA or HEADERS for a stream that is not open. Idle ids and reused ones
// are connection errors; frames the client sent before it saw our reset,
// and streams above our GOAWAY's last, are ignored.
bool H2ServerSession::closed_stream_frame(const Header& h) {
  if (h.stream > highest_opened_) return fail(kProtocolError);  // idle
  if (was_reset(h.stream) || h.stream > goaway_last_) return true;
  return fail(h.type == kData ? kStreamClosed : kProtocolError);
}

bool H2ServerSession::on_data(const Header& h, std::string_view payload) {
  if (h.stream == 0) return fail(kProtocolError);
  // Empty DATA frames cost us work and carry nothing.
  if (h.length == 0 && !(h.flags & kEndStream) && !defend(control_, kEnhanceYourCalm)) return false;
  if (h.length > recv_window_) return fail(kFlowControlError);
  recv_window_ -= h.length;
  Stream* s = find(h.stream);
  if (!s) {
    give_back(nullptr, h.length);
    return closed_stream_frame(h);
  }
  if (s->request_ended) return fail(kStreamClosed);
  if (!unpad(h, payload)) return fail(kProtocolError);
  if (h.length > s->recv_window) {
    give_back(nullptr, h.length);
    stream_error(*s, kFlowControlError);
    return true;
  }
  s->recv_window -= h.length;
  std::size_t padding = h.length - payload.size();
  if (padding) give_back(s, padding);
  s->body_seen += payload.size();
  bool end = h.flags & kEndStream;
  // The body must match its content-length (8.1.1).
  const auto& cl = s->head.content_length;
  if (cl && (s->body_seen > *cl || (end && s->body_seen != *cl))) {
    give_back(nullptr, payload.size());
    stream_error(*s, kProtocolError);
    return true;
  }
  if (!payload.empty()) deliver_body(*s, payload);
  if (end) request_ended(*s);
  return true;
}

void H2ServerSession::deliver_body(Stream& s, std::string_view bytes) {
  if (s.rejected || s.resetting) return drop_body(s, bytes.size());
  s.received += bytes.size();
  s.held += bytes.size();
  if (s.received > limits_.max_body_size) {
    if (s.waiting_head || !s.responded)
      refuse_body(s.id, s);
    else
      reset(s.id, kCancel);  // the response is under way: too late for a 413
    return;
  }
  events_.on_request_body(s.id, bytes);
  credit(s);
}

void H2ServerSession::request_ended(Stream& s) {
  s.request_ended = true;
  // Our RST_STREAM is on its way (for a malformed head, that was reported
  // to no one): the stream has no more events but its close.
  if (s.resetting) return;
  release_head(s.id, s);  // the body fitted
  events_.on_request_end(s.id);
  if (s.local_ended) close_stream(s, kNoError);
}

bool H2ServerSession::on_headers(const Header& h, std::string_view payload) {
  if (h.stream == 0 || !(h.stream & 1)) return fail(kProtocolError);
  if (!unpad(h, payload)) return fail(kProtocolError);
  bool self_dependent = false;
  if (h.flags & kPriorityFlag) {
    if (payload.size() < 5) return fail(kFrameSizeError);
    self_dependent = static_cast<int32_t>(read_u32(payload.data()) & kMaxWindow) == h.stream;
    payload.remove_prefix(5);
  }
  block_stream_ = h.stream;
  block_end_stream_ = h.flags & kEndStream;
  continuations_ = 0;
  if (self_dependent) remember_reset(h.stream);
  if (h.flags & kEndHeaders) {
    block_.clear();
    return header_block_done(payload, self_dependent);
  }
  block_.assign(payload);
  block_self_dependent_ = self_dependent;
  return true;
}

bool H2ServerSession::on_continuation(const Header& h, std::string_view payload) {
  if (!block_stream_ || h.stream != block_stream_) return fail(kProtocolError);
  if (++continuations_ > kMaxContinuations) return fail(kEnhanceYourCalm);
  block_.append(payload);
  if (block_.size() > std::size_t{settings_.max_header_list} * kHardHeaderFactor)
    return fail(kEnhanceYourCalm);
  if (!(h.flags & kEndHeaders)) return true;
  std::string block = std::move(block_);
  bool ok = header_block_done(block, block_self_dependent_);
  block_ = std::move(block);
  return ok;
}

// A whole header block: a new request, trailers, or one to decode only for
// the connection's HPACK state (a stream refused, reset or past our GOAWAY).
bool H2ServerSession::header_block_done(std::string_view block, bool self_dependent) {
  int32_t id = std::exchange(block_stream_, 0);
  bool end_stream = block_end_stream_;
  if (Stream* s = find(id)) {
    if (s->request_ended) return fail(kStreamClosed);
    if (!decode_block(nullptr, block)) return false;
    // Trailers end the request; a header block in its middle is malformed.
    if (!end_stream) {
      stream_error(*s, kProtocolError);
      return true;
    }
    request_ended(*s);
    return true;
  }
  if (id <= highest_opened_) {
    if (!decode_block(nullptr, block)) return false;
    Header h{0, kHeaders, 0, id};
    return closed_stream_frame(h);
  }
  highest_opened_ = id;
  if (id > goaway_last_) return decode_block(nullptr, block);
  if (self_dependent) {  // 5.3.1: a stream error, though the block still counts
    if (!decode_block(nullptr, block)) return false;
    resets_out_.emplace_back(id, kProtocolError);
    return true;
  }
  if (open_ >= settings_.max_concurrent_streams) {
    if (!decode_block(nullptr, block)) return false;
    return refuse_stream(id);
  }
  Stream& s = open_stream(id);
  last_processed_ = id;
  if (!decode_block(&s, block)) return false;
  if (!s.resetting) request_head_done(id, s, end_stream);
  return !terminated_;
}

// Decodes a header block into s's request head (nullptr: decoded and
// dropped). False: a compression error, or a list far over the limit; both
// end the connection. A malformed request resets its stream alone.
bool H2ServerSession::decode_block(Stream* s, std::string_view block) {
  uint64_t table = decoder_.table().changes();
  if (s) {
    const DecodedRequest* same = last_request_.find(block);
    if (same && same->table == table) {
      s->head = same->head;
      s->header_bytes = same->header_bytes;
      return true;
    }
  }
  decoder_.begin(block);
  check_.reset();
  bool malformed = false;
  hpack::Field f;
  hpack::Decoder::Step step;
  while ((step = decoder_.next(f)) == hpack::Decoder::Step::field) {
    if (!s) continue;
    // RFC 9113 6.5.2: name + value + 32 per field.
    s->header_bytes += f.name.size() + f.value.size() + 32;
    if (s->header_bytes > std::size_t{settings_.max_header_list} * kHardHeaderFactor)
      return fail(kEnhanceYourCalm);
    if (s->header_bytes > settings_.max_header_list) s->too_large = true;
    h2::FieldKind kind = malformed ? h2::FieldKind::malformed : check_.field(f.name, f.value);
    if (kind == h2::FieldKind::malformed) {
      malformed = true;
      continue;
    }
    if (!s->too_large) h2::add_request_field(s->head, kind, f.name, f.value);
  }
  if (step == hpack::Decoder::Step::error) return fail(kCompressionError);
  if (s && (malformed || !check_.complete())) {
    stream_error(*s, kProtocolError);
  } else if (s && !s->too_large && decoder_.table().changes() == table &&
             last_request_.wants(block)) {  // asked first: the head is copied only to be kept
    last_request_.keep(block, {s->head, s->header_bytes, table});
  }
  return true;
}

void H2ServerSession::request_head_done(int32_t id, Stream& s, bool end_stream) {
  RequestHead& h = s.head;
  h.chunked = !end_stream && !h.content_length;
  s.head_request = h.is_head();
  s.body_unsized = h.chunked;
  s.request_ended = end_stream;
  // A request that announces a body and ends at once is malformed (8.1.1).
  if (end_stream && h.content_length.value_or(0) != 0) {
    stream_error(s, kProtocolError);
    return;
  }
  int reject = 0;
  if (s.too_large)
    reject = 431;
  else if (h.content_length.value_or(0) > limits_.max_body_size)
    reject = 413;
  else if (h.method == "CONNECT")
    reject = 405;  // we are no proxy
  s.rejected = reject != 0;
  events_.on_request_head(id, h, reject);
  if (end_stream && find(id)) events_.on_request_end(id);
}

bool H2ServerSession::on_priority(const Header& h, std::string_view payload) {
  if (h.stream == 0) return fail(kProtocolError);
  if (payload.size() != 5) {
    resets_out_.emplace_back(h.stream, kFrameSizeError);
    return true;
  }
  if (static_cast<int32_t>(read_u32(payload.data()) & kMaxWindow) == h.stream) {
    if (Stream* s = find(h.stream))
      stream_error(*s, kProtocolError);
    else
      resets_out_.emplace_back(h.stream, kProtocolError);
  }
  return true;  // no priorities otherwise (SETTINGS_NO_RFC7540_PRIORITIES)
}

bool H2ServerSession::on_rst_stream(const Header& h, std::string_view payload) {
  if (payload.size() != 4) return fail(kFrameSizeError);
  if (h.stream == 0 || h.stream > highest_opened_) return fail(kProtocolError);
  if (Stream* s = find(h.stream)) close_stream(*s, read_u32(payload.data()));
  return !terminated_;
}

bool H2ServerSession::on_settings(const Header& h, std::string_view payload) {
  if (h.stream != 0) return fail(kProtocolError);
  if (h.flags & kAck) return payload.empty() || fail(kFrameSizeError);
  if (payload.size() % 6 != 0) return fail(kFrameSizeError);
  settings_seen_ = true;
  if (!defend(control_, kEnhanceYourCalm)) return false;
  if (!apply_settings(payload)) return false;
  ack_frame(kSettings, {});
  return !terminated_;
}

// The client's settings, from a SETTINGS frame or an h2c upgrade's
// HTTP2-Settings. False: a value out of range (the connection ends).
bool H2ServerSession::apply_settings(std::string_view payload) {
  if (payload.size() % 6 != 0) return fail(kFrameSizeError);
  for (std::size_t at = 0; at < payload.size(); at += 6) {
    uint16_t id = static_cast<uint16_t>((static_cast<uint8_t>(payload[at]) << 8) |
                                        static_cast<uint8_t>(payload[at + 1]));
    uint32_t v = read_u32(payload.data() + at + 2);
    switch (id) {
      case kHeaderTableSize:
        encoder_.set_peer_limit(v);
        break;
      case kEnablePush:
        if (v > 1) return fail(kProtocolError);
        break;
      case kInitialWindowSize: {
        if (v > kMaxWindow) return fail(kFlowControlError);
        int64_t delta = int64_t{v} - peer_initial_window_;
        peer_initial_window_ = v;
        for (Stream* s : open_list_) {
          s->send_window += delta;
          if (s->send_window > kMaxWindow) return fail(kFlowControlError);
          if (delta > 0) mark_ready(*s);
        }
        break;
      }
      case kMaxFrameSize:
        if (v < kMinMaxFrameSize || v > kMaxMaxFrameSize) return fail(kProtocolError);
        peer_max_frame_ = v;
        break;
      default:
        break;  // others do not concern a server, unknown ones are ignored
    }
  }
  return true;
}

bool H2ServerSession::on_ping(const Header& h, std::string_view payload) {
  if (h.stream != 0) return fail(kProtocolError);
  if (payload.size() != 8) return fail(kFrameSizeError);
  if (h.flags & kAck) return true;
  if (!defend(control_, kEnhanceYourCalm)) return false;
  ack_frame(kPing, payload);
  return !terminated_;
}

bool H2ServerSession::on_goaway(const Header& h, std::string_view payload) {
  if (h.stream != 0) return fail(kProtocolError);
  if (payload.size() < 8) return fail(kFrameSizeError);
  goaway_received_ = true;
  return true;
}

bool H2ServerSession::on_window_update(const Header& h, std::string_view payload) {
  if (payload.size() != 4) return fail(kFrameSizeError);
  uint32_t increment = read_u32(payload.data()) & kMaxWindow;
  if (h.stream == 0) {
    if (increment == 0) return fail(kProtocolError);
    send_window_ += increment;
    if (send_window_ > kMaxWindow) return fail(kFlowControlError);
    for (Stream* s : open_list_)
      if (!s->queue.empty()) mark_ready(*s);
    return true;
  }
  if (h.stream > highest_opened_) return fail(kProtocolError);  // idle
  Stream* s = find(h.stream);
  if (!s) return true;  // closed: in flight when it closed
  if (increment == 0) {
    stream_error(*s, kProtocolError);
    return true;
  }
  s->send_window += increment;
  if (s->send_window > kMaxWindow)
    stream_error(*s, kFlowControlError);
  else
    mark_ready(*s);
  return true;
}

// ---- streams ---------------------------------------------------------------

H2ServerSession::Stream* H2ServerSession::find(int32_t id) const {
  if (last_ && id == last_id_) return last_;
  for (Stream* s : open_list_)
    if (s->id == id) {
      last_id_ = id;
      last_ = s;
      return s;
    }
  return nullptr;
}

// Streams come from this session's pool and go back to it when they close
// (recycle): no allocation per request in a steady state.
H2ServerSession::Stream& H2ServerSession::open_stream(int32_t id) {
  Stream* st;
  if (free_.empty()) {
    pool_.push_back(std::make_unique<Stream>());
    st = pool_.back().get();
    st->pool_index = pool_.size() - 1;
  } else {
    st = free_.back();
    free_.pop_back();
  }
  st->id = id;
  st->head.version_major = 2;
  st->head.version_minor = 0;
  st->send_window = peer_initial_window_;
  // Before the client has our SETTINGS it may send the default window.
  st->recv_window = std::max<int64_t>(settings_.initial_window, kDefaultWindow);
  open_list_.push_back(st);
  ++open_;
  return *st;
}

// Over SETTINGS_MAX_CONCURRENT_STREAMS: this stream alone is refused (RFC
// 9113 5.1.2), and the client may send it again. Each refusal costs a reset
// token: a client that keeps ignoring the limit is cut off like a rapid
// resetter.
bool H2ServerSession::refuse_stream(int32_t id) {
  remember_reset(id);
  resets_out_.emplace_back(id, kRefusedStream);
  return defend(resets_, kEnhanceYourCalm);
}

bool H2ServerSession::upgrade(std::string_view settings_payload, RequestHead head) {
  if (terminated_ || !apply_settings(settings_payload)) return false;
  Stream& s = open_stream(1);
  highest_opened_ = last_processed_ = 1;
  s.head = std::move(head);
  s.head.version_major = 2;
  s.head.version_minor = 0;
  request_head_done(1, s, true);  // no body: only bodiless requests are upgraded
  return true;
}

void H2ServerSession::remember_reset(int32_t id) {
  reset_ids_[reset_next_] = id;
  reset_next_ = (reset_next_ + 1) % reset_ids_.size();
}

bool H2ServerSession::was_reset(int32_t id) const {
  return std::find(reset_ids_.begin(), reset_ids_.end(), id) != reset_ids_.end();
}

// A stream error (5.4.2): RST_STREAM, sent by the next produce(), which also
// closes the stream.
void H2ServerSession::stream_error(Stream& s, uint32_t code) {
  reset(s.id, code);
}

void H2ServerSession::close_stream(Stream& s, uint32_t code) {
  // Closed before the client ended its request: it was reset, and the
  // client may not know yet.
  if (!s.request_ended) remember_reset(s.id);
  --open_;
  open_list_.erase(std::find(open_list_.begin(), open_list_.end(), &s));
  if (s.ready) ready_.erase(std::find(ready_.begin(), ready_.end(), &s));
  if (s.held) give_back(nullptr, s.held);
  end_wait(s);
  drop_queue(s);  // what is left can no longer be sent
  int32_t id = s.id;
  recycle(s);
  events_.on_stream_close(id);
  // Rapid reset (CVE-2023-44487) and its server-provoked variants: streams
  // that end in a reset cost us a request's work each.
  if (code != kNoError) defend(resets_, kEnhanceYourCalm);
}

// Closed streams wait in free_ for the next request, up to kFreeStreams; the
// rest are destroyed, so a connection that once had many open keeps few.
void H2ServerSession::recycle(Stream& s) {
  if (last_ == &s) last_ = nullptr;
  if (free_.size() < kFreeStreams) {
    s.reset();
    free_.push_back(&s);
    return;
  }
  std::size_t at = s.pool_index;
  pool_[at] = std::move(pool_.back());
  pool_[at]->pool_index = at;
  pool_.pop_back();
}

bool H2ServerSession::defend(h2::TokenBucket& bucket, uint32_t code) {
  if (bucket.take(h2::TokenBucket::Clock::now())) return true;
  terminate(code);
  return false;
}

bool H2ServerSession::fail(uint32_t code) {
  terminate(code);
  return false;
}

void H2ServerSession::terminate(uint32_t code) {
  if (terminated_) return;
  goaway(last_processed_, code);
  terminated_ = true;
  goaway_code_ = code;
}

}  // namespace sluice
