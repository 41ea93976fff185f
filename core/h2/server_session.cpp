#include "core/h2/server_session.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "core/h1/http_date.hpp"
#include "core/http/status.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice {

namespace {
constexpr std::size_t kFrameHeader = 9;  // every HTTP/2 frame starts with 9 bytes

// Defence thresholds. Generous for real clients (a browser cancelling a page
// resets tens of streams; gRPC keepalive pings a few times a minute), far
// below what an attack needs to hurt.
constexpr uint32_t kMaxContinuations = 8;  // per header block (nghttp2's own default)
constexpr std::size_t kMaxOutboundAck = 100;
constexpr std::size_t kHardHeaderFactor = 4;  // past limit x this: GOAWAY, not 431
// NGHTTP2_ERR_TOO_MANY_CONTINUATIONS: nghttp2's own CONTINUATION cap (1.61,
// and Debian's 1.52 security update), which trips before our callback sees
// the frame. Spelled as a number: older headers do not name it.
constexpr ssize_t kErrTooManyContinuations = -905;

std::string_view view(const uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

// Runs change(queue) and keeps total (the blocks all queues hold) in step.
template <class Change>
void track(std::size_t& total, ChainBuffer& queue, Change&& change) {
  std::size_t before = queue.capacity();
  change(queue);
  total = total - before + queue.capacity();
}

std::size_t big_endian(std::string_view bytes) {
  std::size_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// The last n bytes of v, most significant first.
void put_big_endian(std::string& out, std::size_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

nghttp2_nv nv(std::string_view name, std::string_view value, uint8_t flags = NGHTTP2_NV_FLAG_NONE) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          flags};
}

// A field whose name is a string literal, already lower case: nghttp2 keeps
// a pointer to it instead of copying and lower-casing it (the value is still
// copied, since it may live on the caller's stack).
nghttp2_nv literal_name(std::string_view name, std::string_view value) {
  return nv(name, value, NGHTTP2_NV_FLAG_NO_COPY_NAME);
}

// A status code's three digits, as HTTP/2's :status carries them.
std::array<char, 3> status_digits(int status) {
  return {static_cast<char>('0' + status / 100 % 10), static_cast<char>('0' + status / 10 % 10),
          static_cast<char>('0' + status % 10)};
}

std::optional<uint64_t> parse_length(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}
}  // namespace

struct H2ServerSession::Stream {
  RequestHead head;
  std::size_t header_bytes = 0;
  bool too_large = false;                   // header list over the limit: answer 431
  bool rejected = false;                    // answered without routing: its body is dropped
  bool head_request = false;                // HEAD: the response has no body
  bool responded = false;                   // send_head called: the head is out or waits
  bool no_body = false;                     // the response ended with its HEADERS
  bool eof = false;                         // end_response called
  bool deferred = false;                    // the DATA source returned NGHTTP2_ERR_DEFERRED
  bool body_unsized = false;                // a request body without content-length
  bool request_ended = false;               // the peer's END_STREAM arrived
  bool cut = false;                         // a refused body ran past kDropMax: reset
  bool filling = false;                     // the endpoint has more body ready: see set_filling
  uint64_t received = 0;                    // request body bytes
  uint64_t dropped = 0;                     // request body bytes read and thrown away (refused)
  std::size_t held = 0;                     // received but not yet given back to the peer's window
  ChainBuffer queue;                        // response body written, not yet framed
  std::size_t pool_index = 0;               // where the session's pool_ holds it
  std::optional<WaitingHead> waiting_head;  // send_head waits for the request body

  // A full block of body leaves as one DATA frame without a copy: its header
  // goes in the block's headroom (send_data).
  Stream() { queue.set_headroom(kFrameHeader); }

  // For reuse from the free list: everything but the queue's allocations
  // and the header list's, so a typical request head is parsed without
  // allocating.
  void reset() {
    head.reset_keeping_capacity();
    header_bytes = 0;
    too_large = rejected = head_request = responded = no_body = eof = deferred = false;
    body_unsized = request_ended = cut = filling = false;
    received = dropped = 0;
    held = 0;
    queue.clear();
    waiting_head.reset();
  }
};

namespace {
constexpr std::size_t kFreeStreams = 32;  // closed streams kept for reuse, per session
// A response head's fields: :status, server, date, content-length and alt-svc of our
// own, then the endpoint's; up to kInlineFields fit the stack array.
constexpr std::size_t kOwnFields = 5;
constexpr std::size_t kInlineFields = 16;
// A response waiting for its unsized request body holds at most this much
// body, per stream and per connection; past it, it flows (as in HTTP/1.1).
constexpr std::size_t kHoldMax = 256 * 1024;
constexpr std::size_t kHoldTotal = 1 << 20;
constexpr uint64_t kDropMax = 1 << 20;  // refused request body read and dropped, per stream
}  // namespace

nghttp2_session_callbacks* H2ServerSession::callbacks() {
  static nghttp2_session_callbacks* cbs = [] {
    nghttp2_session_callbacks* c = nullptr;
    nghttp2_session_callbacks_new(&c);
    nghttp2_session_callbacks_set_on_begin_frame_callback(c, &on_begin_frame);
    nghttp2_session_callbacks_set_on_begin_headers_callback(c, &on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(c, &on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c, &on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, &on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(c, &on_stream_close);
    nghttp2_session_callbacks_set_send_data_callback(c, &send_data);
    return c;
  }();
  return cbs;
}

H2ServerSession::H2ServerSession(H2ServerEvents& events, const H2ServerSettings& settings,
                                 const ServerLimits& limits)
    : events_(events),
      settings_(settings),
      limits_(limits),
      resets_(2 * settings.reset_rate, settings.reset_rate),
      control_(2 * settings.control_rate, settings.control_rate) {
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_max_outbound_ack(opt, kMaxOutboundAck);
  nghttp2_option_set_no_closed_streams(opt, 1);  // no priority tree to keep them for
  int rv = nghttp2_session_server_new3(&session_, callbacks(), this, opt,
                                       small_alloc::table<nghttp2_mem>());
  nghttp2_option_del(opt);
  if (rv != 0) {  // out of memory: feed() reports the connection as over
    session_ = nullptr;
    terminated_ = true;
    return;
  }
  // No SETTINGS_MAX_CONCURRENT_STREAMS here: emit() adds it on the way out.
  const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initial_window},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, settings.max_frame_size},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.max_header_list},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, std::size(iv));
  // The connection window starts at 64 KiB whatever SETTINGS say.
  int32_t conn =
      static_cast<int32_t>(std::max(settings.connection_window, settings.initial_window));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, conn);
}

H2ServerSession::~H2ServerSession() {
  if (session_) nghttp2_session_del(session_);  // calls no callbacks
}

// ---- input -----------------------------------------------------------------

bool H2ServerSession::feed(std::string_view data) {
  if (terminated_) return false;
  // A frame that names an old stream waits until everything before it has
  // been processed, so that nghttp2's set of streams is current when the
  // frame's stream id is checked; other frames go through in one piece.
  std::size_t fed = 0;
  std::size_t at = 0;
  while (at < data.size()) {
    auto found = scanner_.next(data.substr(at));
    if (!found) break;
    std::size_t last = at + found->last_byte;
    at = last + 1;
    const h2::FrameHeader& h = found->header;
    if (needs_check(h)) {
      // The header's own bytes may go first: nghttp2 acts on the frame only
      // once its final byte has come.
      if (!receive(data.substr(fed, last - fed))) return false;
      fed = last;
      if (!stream_id_valid(h)) return false;
    }
    if (h.type == NGHTTP2_HEADERS) highest_opened_ = std::max(highest_opened_, h.stream);
  }
  return receive(data.substr(fed));
}

// DATA or HEADERS on a client stream at or below the highest one opened: not
// a new stream, so one nghttp2 may have forgotten.
bool H2ServerSession::needs_check(const h2::FrameHeader& h) const {
  bool data_or_headers = h.type == NGHTTP2_DATA || h.type == NGHTTP2_HEADERS;
  return data_or_headers && (h.stream & 1) && h.stream <= highest_opened_;
}

// nghttp2 keeps no closed streams (no priority tree here), and ignores
// frames for streams it does not know. RFC 9113 5.1 and 5.1.1 say: a HEADERS
// frame cannot open a stream at or below one already opened (PROTOCOL_ERROR),
// and DATA after the request's END_STREAM is STREAM_CLOSED.
bool H2ServerSession::stream_id_valid(const h2::FrameHeader& h) {
  // A stream nghttp2 still has: it applies the stream's state itself.
  if (nghttp2_session_find_stream(session_, h.stream)) return true;
  if (was_reset(h.stream)) return true;  // in flight before the client saw our reset
  // Above the last stream taken (ignored after our GOAWAY): not an error.
  if (h.stream > nghttp2_session_get_last_proc_stream_id(session_)) return true;
  terminate(h.type == NGHTTP2_DATA ? NGHTTP2_STREAM_CLOSED : NGHTTP2_PROTOCOL_ERROR);
  return false;
}

void H2ServerSession::remember_reset(int32_t id) {
  reset_ids_[reset_next_] = id;
  reset_next_ = (reset_next_ + 1) % reset_ids_.size();
}

bool H2ServerSession::was_reset(int32_t id) const {
  return std::find(reset_ids_.begin(), reset_ids_.end(), id) != reset_ids_.end();
}

bool H2ServerSession::receive(std::string_view data) {
  if (terminated_) return false;
  if (data.empty()) return true;
  ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data.data()),
                                        data.size());
  if (rv >= 0 && fatal_code_ == 0) return true;
  uint32_t code = NGHTTP2_PROTOCOL_ERROR;
  if (fatal_code_)
    code = fatal_code_;
  else if (rv == NGHTTP2_ERR_FLOODED || rv == kErrTooManyContinuations)
    code = NGHTTP2_ENHANCE_YOUR_CALM;
  terminate(code);
  return false;
}

bool H2ServerSession::finished() const {
  return !session_ ||
         (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_));
}

bool H2ServerSession::want_write() const {
  return session_ && (!blocked_.empty() || nghttp2_session_want_write(session_));
}

int H2ServerSession::fail(uint32_t code) {
  if (fatal_code_ == 0) fatal_code_ = code;
  return NGHTTP2_ERR_CALLBACK_FAILURE;
}

void H2ServerSession::terminate(uint32_t code) {
  if (terminated_ && goaway_code_) return;
  terminated_ = true;
  goaway_code_ = code;
  if (session_) nghttp2_session_terminate_session(session_, code);
}

bool H2ServerSession::defend(h2::TokenBucket& bucket, uint32_t code) {
  if (bucket.take(h2::TokenBucket::Clock::now())) return true;
  fail(code);
  return false;
}

H2ServerSession::Stream* H2ServerSession::find(int32_t id) const {
  if (last_ && id == last_id_) return last_;
  auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session_, id));
  if (s) {
    last_id_ = id;
    last_ = s;
  }
  return s;
}

int H2ServerSession::on_begin_frame(nghttp2_session*, const nghttp2_frame_hd* hd, void* user) {
  auto& me = self(user);
  bool ack = hd->flags & NGHTTP2_FLAG_ACK;
  switch (hd->type) {
    case NGHTTP2_HEADERS:
      me.continuations_ = 0;
      return 0;
    case NGHTTP2_CONTINUATION:
      return ++me.continuations_ > kMaxContinuations ? me.fail(NGHTTP2_ENHANCE_YOUR_CALM) : 0;
    case NGHTTP2_PING:
    case NGHTTP2_SETTINGS: {
      if (ack) return 0;
      return me.defend(me.control_, NGHTTP2_ENHANCE_YOUR_CALM) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    case NGHTTP2_DATA: {  // empty DATA frames cost us work and carry nothing
      if (hd->length > 0 || (hd->flags & NGHTTP2_FLAG_END_STREAM)) return 0;
      return me.defend(me.control_, NGHTTP2_ENHANCE_YOUR_CALM) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    default:
      return 0;
  }
}

int H2ServerSession::on_begin_headers(nghttp2_session*, const nghttp2_frame* f, void* user) {
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  auto& me = self(user);
  if (me.open_ >= me.settings_.max_concurrent_streams) return me.refuse_stream(f->hd.stream_id);
  me.open_stream(f->hd.stream_id);
  return 0;
}

// Over SETTINGS_MAX_CONCURRENT_STREAMS: this stream alone is refused (RFC
// 9113 5.1.2), and the client may send it again. nghttp2 still decodes its
// header block (HPACK state is per connection) but no Stream is made, so no
// endpoint runs. Each refusal costs a reset token: a client that keeps
// ignoring the limit is cut off like a rapid resetter.
int H2ServerSession::refuse_stream(int32_t id) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
  return defend(resets_, NGHTTP2_ENHANCE_YOUR_CALM) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

// Streams come from this session's pool and go back to it when they close
// (recycle): no allocation per request in a steady state. nghttp2's stream
// user data is the only index: no map of our own.
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
  st->head.version_major = 2;
  st->head.version_minor = 0;
  nghttp2_session_set_stream_user_data(session_, id, st);
  ++open_;
  return *st;
}

bool H2ServerSession::upgrade(std::string_view settings_payload, RequestHead head) {
  if (!session_) return false;
  int rv =
      nghttp2_session_upgrade2(session_, reinterpret_cast<const uint8_t*>(settings_payload.data()),
                               settings_payload.size(), head.is_head() ? 1 : 0, nullptr);
  if (rv != 0) return false;
  Stream& s = open_stream(1);
  highest_opened_ = 1;
  s.head = std::move(head);
  request_head_done(1, s, true);  // no body: only bodiless requests are upgraded
  return true;
}

int H2ServerSession::on_header(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name,
                               size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                               void* user) {
  auto& me = self(user);
  Stream* s = me.find(f->hd.stream_id);
  if (!s) return 0;
  // RFC 9113 §6.5.2: name + value + 32 per field.
  s->header_bytes += namelen + valuelen + 32;
  if (s->header_bytes > std::size_t{me.settings_.max_header_list} * kHardHeaderFactor)
    return me.fail(NGHTTP2_ENHANCE_YOUR_CALM);
  if (s->header_bytes > me.settings_.max_header_list) s->too_large = true;
  if (s->too_large || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;  // trailers: dropped
  me.add_header(*s, view(name, namelen), view(value, valuelen));
  return 0;
}

void H2ServerSession::add_header(Stream& s, std::string_view name, std::string_view value) {
  RequestHead& h = s.head;
  if (name.starts_with(':')) {  // nghttp2 has checked which may appear, and how often
    if (name == ":method")
      h.method = value;
    else if (name == ":path")
      h.target = value;
    else if (name == ":authority")
      h.headers.add("host", std::string(value));
    return;
  }
  if (name == "content-length") h.content_length = parse_length(value);
  if (name == "expect" && iequals(value, "100-continue")) h.expect_continue = true;
  h.headers.add(std::string(name), std::string(value));
}

int H2ServerSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* f, void* user) {
  auto& me = self(user);
  int32_t id = f->hd.stream_id;
  bool end_stream = f->hd.flags & NGHTTP2_FLAG_END_STREAM;
  Stream* s = id ? me.find(id) : nullptr;
  if (!s) return 0;
  if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
    me.request_head_done(id, *s, end_stream);
  else if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && end_stream) {
    s->request_ended = true;
    me.release_head(id, *s);  // the body fitted
    me.events_.on_request_end(id);
  }
  return 0;
}

void H2ServerSession::request_head_done(int32_t id, Stream& s, bool end_stream) {
  RequestHead& h = s.head;
  h.chunked = !end_stream && !h.content_length;
  s.head_request = h.is_head();
  s.body_unsized = h.chunked;
  s.request_ended = end_stream;
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

int H2ServerSession::on_data_chunk(nghttp2_session* session, uint8_t, int32_t id,
                                   const uint8_t* data, size_t len, void* user) {
  auto& me = self(user);
  Stream* s = me.find(id);
  if (!s || s->rejected) {  // nobody reads this body: give the bytes back at once
    if (s)
      me.drop_body(id, *s, len);
    else
      nghttp2_session_consume(session, id, len);
    return 0;
  }
  s->received += len;
  s->held += len;
  if (s->received > me.limits_.max_body_size) {
    if (s->waiting_head || !s->responded)
      me.refuse_body(id, *s);
    else
      me.reset(id, NGHTTP2_CANCEL);  // the response is under way: too late for a 413
    return 0;
  }
  me.events_.on_request_body(id, view(data, len));
  if ((s = me.find(id))) me.credit(id, *s);
  return 0;
}

// Request-body window goes back only while this stream's response queue is
// short: an /echo whose client stops reading stops its upload too.
void H2ServerSession::credit(int32_t id, Stream& s) {
  std::size_t room = s.waiting_head ? kHoldMax : kStreamQueue;
  if (s.held == 0 || s.queue.size() >= room) return;
  nghttp2_session_consume(session_, id, s.held);
  s.held = 0;
}

int H2ServerSession::on_stream_close(nghttp2_session* session, int32_t id, uint32_t error_code,
                                     void* user) {
  auto& me = self(user);
  // Closed before the client ended its request: it was reset (by us, or by
  // nghttp2 for a stream error), and the client may not know yet.
  if (!nghttp2_session_get_stream_remote_close(session, id)) me.remember_reset(id);
  Stream* s = me.find(id);  // still set while nghttp2 closes the stream
  if (!s) return 0;
  --me.open_;
  if (s->held) nghttp2_session_consume_connection(session, s->held);
  me.end_wait(*s);
  me.drop_queue(*s);  // what is left can no longer be sent
  me.events_.on_stream_close(id);
  // Rapid reset (CVE-2023-44487) and its server-provoked variants: streams
  // that end in a reset cost us a request's work each. On failure nghttp2
  // keeps the stream (and s as its user data): s is not recycled.
  if (error_code != NGHTTP2_NO_ERROR && !me.defend(me.resets_, NGHTTP2_ENHANCE_YOUR_CALM))
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  me.recycle(*s);
  return 0;
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

// ---- output ----------------------------------------------------------------

bool H2ServerSession::produce(std::size_t limit) {
  if (!session_) return false;
  out_limit_ = limit;
  if (out_.size() < limit) {
    auto blocked = std::move(blocked_);
    blocked_.clear();
    for (int32_t id : blocked)
      if (Stream* s = find(id)) resume(id, *s);
  }
  bool retried = false;
  while (out_.size() < limit) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      // A callback ended the connection (rapid reset caught on the way out):
      // queue the GOAWAY and send that.
      if (fatal_code_ == 0 || retried) return false;
      retried = true;
      terminate(fatal_code_);
      continue;
    }
    if (n == 0) break;
    emit(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)));
  }
  return true;
}

// Our first frame is our SETTINGS. nghttp2 was not told
// SETTINGS_MAX_CONCURRENT_STREAMS (it would answer the stream over it with a
// GOAWAY that ends every stream), so the entry is added to that frame here,
// and refuse_stream() enforces it.
void H2ServerSession::emit(std::string_view bytes) {
  if (settings_sent_) return out_.append(bytes);
  settings_sent_ = true;
  std::size_t length = bytes.size() < kFrameHeader ? 0 : big_endian(bytes.substr(0, 3));
  bool settings = bytes.size() >= kFrameHeader + length && bytes[3] == NGHTTP2_SETTINGS &&
                  bytes[4] == 0 && big_endian(bytes.substr(5, 4)) == 0;
  if (!settings) return out_.append(bytes);  // not what nghttp2 sends first: no entry
  constexpr std::size_t kEntry = 6;
  std::string frame;
  put_big_endian(frame, length + kEntry, 3);
  frame += bytes.substr(3, 6);  // type, flags, stream 0
  frame += bytes.substr(kFrameHeader, length);
  put_big_endian(frame, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 2);
  put_big_endian(frame, settings_.max_concurrent_streams, 4);
  out_.append(frame);
  out_.append(bytes.substr(kFrameHeader + length));  // frames after it, if any
}

ssize_t H2ServerSession::read_body(nghttp2_session*, int32_t id, uint8_t*, size_t length,
                                   uint32_t* flags, nghttp2_data_source* source, void* user) {
  auto& me = self(user);
  auto* s = static_cast<Stream*>(source->ptr);
  if (s->queue.empty() && s->eof) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return 0;
  }
  bool full = me.out_.size() >= me.out_limit_;
  if (s->queue.empty() || full) {  // nothing yet, or the connection's queue is full
    s->deferred = true;
    if (!s->queue.empty()) me.blocked_.push_back(id);
    return NGHTTP2_ERR_DEFERRED;
  }
  // One frame per block: only the last block is partly filled, so frames are
  // full blocks, which send_data moves instead of copying. A last block still
  // filling waits for its bytes: framed now, every block would leave as a
  // full frame and a runt (a 9-byte frame per 16 KiB of /bytes).
  std::string_view front = s->queue.front();
  if (s->filling && !s->eof && front.size() == s->queue.size() && s->queue.tail_has_room()) {
    s->deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  std::size_t n = std::min(length, front.size());
  *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
  if (s->eof && n == s->queue.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

// NO_COPY: the frame header, then the body bytes from the stream's queue into
// out(). A frame that is one whole block moves that block, header written in
// its headroom; others are copied. No padding: we never ask for any.
int H2ServerSession::send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd,
                               size_t length, nghttp2_data_source* source, void* user) {
  auto& me = self(user);
  auto* s = static_cast<Stream*>(source->ptr);
  std::string_view header = view(framehd, kFrameHeader);
  track(me.body_memory_, s->queue, [&](ChainBuffer& queue) {
    if (length == queue.front().size() && queue.move_front_block(me.out_, header))
      length = 0;
    else
      me.out_.append(header);
    while (length > 0) {
      std::string_view chunk = queue.front();
      std::size_t n = std::min(length, chunk.size());
      me.out_.append(chunk.substr(0, n));
      queue.consume(n);
      length -= n;
    }
  });
  me.credit(frame->hd.stream_id, *s);
  // Our END_STREAM is out: a refused upload past its allowance can be cut now.
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && s->dropped > kDropMax)
    me.cut_upload(frame->hd.stream_id, *s);
  return 0;
}

void H2ServerSession::resume(int32_t id, Stream& s) {
  if (!s.deferred) return;
  s.deferred = false;
  nghttp2_session_resume_data(session_, id);
}

// ---- per-stream responses --------------------------------------------------

void H2ServerSession::send_head(int32_t id, int status, const Headers& headers,
                                std::optional<uint64_t> length) {
  Stream* s = find(id);
  if (!s || s->responded) return;
  s->responded = true;
  if (s->body_unsized && !s->request_ended && waiting_bytes_ < kHoldTotal) {
    s->waiting_head = WaitingHead{status, headers, length};
    return;
  }
  submit_head(id, *s, status, headers, length);
}

void H2ServerSession::submit_head(int32_t id, Stream& s, int status, const Headers& headers,
                                  std::optional<uint64_t> length) {
  s.no_body = s.head_request || status == 204 || status == 304 || (length && *length == 0);

  std::array<char, 3> code = status_digits(status);
  std::array<char, 20> len{};  // 2^64 - 1 has 20 digits
  char* len_end =
      length ? std::to_chars(len.data(), len.data() + len.size(), *length).ptr : len.data();

  // The fields go to nghttp2 from the stack (a heap array only for a head
  // with very many fields). Names from `headers` are handed over as they
  // are: nghttp2 lower-cases its copy of every name it copies (as h2 wants).
  std::array<nghttp2_nv, kInlineFields> inline_nva;
  std::vector<nghttp2_nv> heap_nva;
  std::size_t count = headers.list().size() + kOwnFields;
  nghttp2_nv* nva = inline_nva.data();
  if (count > inline_nva.size()) {
    heap_nva.resize(count);
    nva = heap_nva.data();
  }
  std::size_t n = 0;
  nva[n++] = literal_name(":status", std::string_view(code.data(), code.size()));
  nva[n++] = literal_name("server", "sluice");
  nva[n++] = literal_name("date", current_http_date());
  for (const auto& [name, value] : headers.list()) nva[n++] = nv(name, value);
  if (length) nva[n++] = literal_name("content-length", std::string_view(len.data(), len_end));
  if (!alt_svc_.empty()) nva[n++] = literal_name("alt-svc", alt_svc_);

  nghttp2_data_provider body{};
  body.source.ptr = &s;
  body.read_callback = &read_body;
  nghttp2_submit_response(session_, id, nva, n, s.no_body ? nullptr : &body);
  if (!s.no_body) return;
  s.eof = true;
  drop_queue(s);  // what a HEAD's endpoint wrote while its response waited
}

void H2ServerSession::set_filling(int32_t id, bool filling) {
  Stream* s = find(id);
  if (!s || s->filling == filling) return;
  s->filling = filling;
  if (!filling) resume(id, *s);
}

void H2ServerSession::send_continue(int32_t id) {
  const nghttp2_nv nva[] = {nv(":status", "100")};
  nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, id, nullptr, nva, 1, nullptr);
}

void H2ServerSession::send_body(int32_t id, std::string_view bytes) {
  Stream* s = find(id);
  if (!s || !s->responded || s->eof || bytes.empty()) return;
  track(body_memory_, s->queue, [&](ChainBuffer& queue) { queue.append(bytes); });
  if (!s->waiting_head) return resume(id, *s);
  waiting_bytes_ += bytes.size();
  // Past the mark the response must flow, or the request's window stalls it.
  if (s->queue.size() >= kHoldMax || waiting_bytes_ >= kHoldTotal) release_head(id, *s);
}

// The response that waited for the request body goes out now.
void H2ServerSession::release_head(int32_t id, Stream& s) {
  if (auto h = end_wait(s)) submit_head(id, s, h->status, h->headers, h->length);
}

// Ends a stream's wait (if it waits): its queued bytes stop counting against
// kHoldTotal, and the waiting head is handed back.
std::optional<H2ServerSession::WaitingHead> H2ServerSession::end_wait(Stream& s) {
  if (!s.waiting_head) return std::nullopt;
  waiting_bytes_ -= s.queue.size();
  return std::exchange(s.waiting_head, std::nullopt);
}

void H2ServerSession::drop_queue(Stream& s) {
  track(body_memory_, s.queue, [](ChainBuffer& queue) { queue.clear(); });
}

// A request body over --max-body-size whose response has not started: the
// response becomes 413, and the rest of the body is dropped (drop_body).
void H2ServerSession::refuse_body(int32_t id, Stream& s) {
  end_wait(s);
  drop_queue(s);
  s.responded = s.rejected = true;
  nghttp2_session_consume(session_, id, s.held);
  s.held = 0;
  std::string body = status_body(413);
  Headers h;
  h.add("Content-Type", std::string(kPlainTextType));
  submit_head(id, s, 413, h, body.size());
  if (!s.no_body) track(body_memory_, s.queue, [&](ChainBuffer& queue) { queue.append(body); });
  s.eof = true;
}

// A refused body is read and dropped only so far, as HTTP/1.1 lingers for at
// most 1 MiB. Past that the stream's window stays shut (the connection's is
// returned, for its siblings), and once our response has ended
// RST_STREAM(NO_ERROR) asks the client to stop (RFC 9113 8.1). Resetting
// earlier would discard the 413's unsent DATA. Smaller bodies finish, so curl
// sees the response intact.
void H2ServerSession::drop_body(int32_t id, Stream& s, std::size_t n) {
  s.dropped += n;
  if (s.dropped <= kDropMax) {
    nghttp2_session_consume(session_, id, n);
    return;
  }
  nghttp2_session_consume_connection(session_, n);
  if (nghttp2_session_get_stream_local_close(session_, id) == 1) cut_upload(id, s);
}

void H2ServerSession::cut_upload(int32_t id, Stream& s) {
  if (s.cut || s.request_ended) return;
  s.cut = true;
  reset(id, NGHTTP2_NO_ERROR);
}

void H2ServerSession::end_response(int32_t id) {
  Stream* s = find(id);
  if (!s || !s->responded || s->eof) return;
  s->eof = true;
  resume(id, *s);
}

void H2ServerSession::reset(int32_t id, uint32_t error_code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, error_code);
}

bool H2ServerSession::held_by_peer(int32_t id) const {
  Stream* s = find(id);
  return s && !s->queue.empty() && !s->waiting_head;
}

std::size_t H2ServerSession::queued(int32_t id) const {
  Stream* s = find(id);
  return s ? s->queue.size() : 0;
}

bool H2ServerSession::head_sent(int32_t id) const {
  Stream* s = find(id);
  return s && s->responded;
}

bool H2ServerSession::response_ended(int32_t id) const {
  Stream* s = find(id);
  return s && s->eof;
}

// ---- graceful stop ---------------------------------------------------------

void H2ServerSession::shutdown_notice() {
  if (session_ && !terminated_) nghttp2_submit_shutdown_notice(session_);
}

void H2ServerSession::goaway_after(int32_t last_stream_id) {
  if (!session_ || terminated_) return;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last_stream_id, NGHTTP2_NO_ERROR, nullptr, 0);
}

void H2ServerSession::final_goaway(std::string_view debug) {
  if (!session_ || terminated_) return;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        reinterpret_cast<const uint8_t*>(debug.data()), debug.size());
}

}  // namespace sluice
