#include "core/h2/client_session.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/http/stream_fields.hpp"
#include "core/util/read_scratch.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice {

namespace {

constexpr std::size_t kOutHighWater = 256 * 1024;  // stop packing frames past this
constexpr uint32_t kCreditSteps = 2;               // stream WINDOW_UPDATEs per window consumed

std::string_view as_sv(const uint8_t* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

nghttp2_session_callbacks* H2ClientSession::callbacks() {
  static nghttp2_session_callbacks* cbs = [] {
    nghttp2_session_callbacks* c;
    nghttp2_session_callbacks_new(&c);
    nghttp2_session_callbacks_set_on_begin_headers_callback(c, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(c, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(c, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(c, on_frame_not_send);
    return c;
  }();
  return cbs;
}

static std::array<nghttp2_settings_entry, 3> settings_of(const H2ClientConfig& cfg) {
  return {{{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
           {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, cfg.stream_window},
           {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, cfg.max_concurrent_streams}}};
}

std::string H2ClientSession::settings_payload(const H2ClientConfig& cfg) {
  auto iv = settings_of(cfg);
  std::string out(iv.size() * 6, '\0');
  ssize_t n = nghttp2_pack_settings_payload(reinterpret_cast<uint8_t*>(out.data()), out.size(),
                                            iv.data(), iv.size());
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

H2ClientSession::H2ClientSession(Loop& loop, std::unique_ptr<Transport> transport,
                                 H2ClientConfig cfg)
    : loop_(loop),
      transport_(std::move(transport)),
      cfg_(cfg),
      wakeup_(loop, transport_->fd(), transport_->is_tls(), stats_.bytes_in) {
  start();
  auto iv = settings_of(cfg_);
  nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, iv.data(), iv.size());
  flush();
}

H2ClientSession::H2ClientSession(Loop& loop, std::unique_ptr<Transport> transport,
                                 H2ClientConfig cfg, Upgraded up)
    : loop_(loop),
      transport_(std::move(transport)),
      cfg_(cfg),
      wakeup_(loop, transport_->fd(), transport_->is_tls(), stats_.bytes_in) {
  start();
  // nghttp2 opens stream 1 half-closed (local) and queues our SETTINGS: the
  // same payload the HTTP2-Settings header carried.
  std::string payload = settings_payload(cfg_);
  int rv = nghttp2_session_upgrade2(ng_, reinterpret_cast<const uint8_t*>(payload.data()),
                                    payload.size(), up.head ? 1 : 0, nullptr);
  Stream s;
  s.sink = up.sink;
  s.head = up.head;
  if (rv == 0) streams_.emplace(1, std::move(s));
  // What followed the 101 is already HTTP/2; it is read from the loop, so the
  // sink hears of stream 1 only after the switch is complete.
  loop_.defer([this, alive = alive_, rv, bytes = std::move(up.received), sink = up.sink] {
    if (!*alive || closed_) return;
    if (rv != 0) {
      sink->on_error({Errc::http2, fmt::format("HTTP/2 upgrade failed: {}", nghttp2_strerror(rv))});
      return close();
    }
    if (!bytes.empty() && !receive(bytes)) return;
    do_read();
    if (*alive && !closed_) update_interest();
  });
  flush();  // after: what a failed write defers runs after those bytes are parsed
}

void H2ClientSession::start() {
  nghttp2_option* opt;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);  // windows follow the consumer
  nghttp2_session_client_new3(&ng_, callbacks(), this, opt, small_alloc::table<nghttp2_mem>());
  nghttp2_option_del(opt);
  nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, cfg_.connection_window);
  (void)loop_.add(transport_->fd(), EPOLLIN | EPOLLRDHUP, this);
}

H2ClientSession::~H2ClientSession() {
  *alive_ = false;
  for (auto& [id, s] : streams_) s.sink = nullptr;
  close();
  nghttp2_session_del(ng_);
}

H2ClientSession::Stream* H2ClientSession::stream(int32_t id) {
  if (id == last_id_) return last_;
  auto it = streams_.find(id);
  if (it == streams_.end()) return nullptr;
  last_id_ = id;
  return last_ = &it->second;
}

bool H2ClientSession::can_submit() const {
  if (closed_ || goaway_ || write_failed_ || !nghttp2_session_check_request_allowed(ng_))
    return false;
  uint32_t peer_max =
      nghttp2_session_get_remote_settings(ng_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return streams_.size() < std::min(peer_max, cfg_.max_concurrent_streams);
}

Result<StreamId> H2ClientSession::submit(const Request& req, ResponseSink& sink) {
  if (closed_ && failure_) return std::unexpected(*failure_);
  // A session whose write failed still takes the stream, which then ends with
  // the others as on_send_error decides; the pool offers it to no one else.
  if (!write_failed_ && !can_submit())
    return fail(Errc::internal, "HTTP/2 session cannot take a stream now");
  RequestFields fields(req);
  auto nv = fields.as<nghttp2_nv>(NGHTTP2_NV_FLAG_NONE);
  Stream s;
  s.sink = &sink;
  s.keep_fields = sink.wants_fields();
  s.head = req.head();
  s.body = BodyHold(body_of(req));
  nghttp2_data_provider provider{};
  provider.read_callback = read_body;
  int32_t id = nghttp2_submit_request(ng_, nullptr, nv.data(), nv.size(),
                                      req.has_body ? &provider : nullptr, nullptr);
  if (id < 0)
    return fail(Errc::send_failed, fmt::format("HTTP/2 request failed: {}", nghttp2_strerror(id)));
  streams_.emplace(id, std::move(s));
  wakeup_.reset();  // its response head must wake us at its first byte
  if (trace) {
    trace('*', fmt::format("[HTTP/2] [{}] OPENED stream for {}", id, req.url.str()));
    trace('>', fields.trace_text("HTTP/2"));
  }
  flush();
  return id;
}

// nghttp2 asks for body bytes only within the stream's and the connection's
// send windows, and flush() stops asking past kOutHighWater: the source is
// read no faster than the server takes it.
ssize_t H2ClientSession::read_body(nghttp2_session*, int32_t id, uint8_t* buf, size_t len,
                                   uint32_t* flags, nghttp2_data_source*, void* user) {
  auto* self = static_cast<H2ClientSession*>(user);
  Stream* s = self->stream(id);
  if (!s || !s->body) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  auto n = s->body->read({reinterpret_cast<char*>(buf), len});
  if (!n) {  // the stream is reset; on_stream_close reports why
    s->body_error = n.error();
    s->body.release();
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  if (*n == kWouldBlock) {
    self->wait_for_body(id, *s);
    return NGHTTP2_ERR_DEFERRED;
  }
  if (*n == 0) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    s->body.release();
  }
  return *n;
}

void H2ClientSession::wait_for_body(int32_t id, Stream& s) {
  auto alive = alive_;
  s.body->wait(loop_, [this, alive, id] {
    if (!*alive || closed_ || !stream(id)) return;
    nghttp2_session_resume_data(ng_, id);
    flush();
  });
}

int H2ClientSession::on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*) {
  return 0;
}

int H2ClientSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                               size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                               void* user) {
  auto* self = static_cast<H2ClientSession*>(user);
  Stream* s = self->stream(frame->hd.stream_id);
  if (!s || frame->hd.type != NGHTTP2_HEADERS) return 0;
  std::string_view n = as_sv(name, namelen), v = as_sv(value, valuelen);
  if (n == ":status") {
    std::from_chars(v.data(), v.data() + v.size(), s->resp.status);
    return 0;
  }
  take_response_field(s->resp, s->head_done, s->keep_fields, n, v);
  return 0;
}

void H2ClientSession::headers_complete(Stream& s) {
  complete_header_section(s.resp, s.head_done, s.sink);
}

int H2ClientSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<H2ClientSession*>(user);
  self->frame_seen_ = true;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      if (Stream* s = self->stream(frame->hd.stream_id)) {
        self->headers_complete(*s);
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) s->end_seen = true;
      }
      break;
    case NGHTTP2_DATA:
      if (Stream* s = self->stream(frame->hd.stream_id))
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) s->end_seen = true;
      break;
    case NGHTTP2_GOAWAY:
      self->goaway_ = true;
      self->goaway_code_ = frame->goaway.error_code;
      if (self->trace)
        self->trace('*', fmt::format("HTTP/2 GOAWAY received: {} (last stream {})",
                                     nghttp2_http2_strerror(frame->goaway.error_code),
                                     frame->goaway.last_stream_id));
      break;
    case NGHTTP2_RST_STREAM:
      if (self->trace)
        self->trace('*',
                    fmt::format("HTTP/2 stream {} reset by the server: {}", frame->hd.stream_id,
                                nghttp2_http2_strerror(frame->rst_stream.error_code)));
      break;
    default:
      break;
  }
  return 0;
}

int H2ClientSession::on_data_chunk(nghttp2_session* ng, uint8_t, int32_t id, const uint8_t* data,
                                   size_t len, void* user) {
  auto* self = static_cast<H2ClientSession*>(user);
  // The connection window is credited at once: only the stream waits for its consumer.
  nghttp2_session_consume_connection(ng, len);
  Stream* s = self->stream(id);
  if (!s || !s->sink || s->aborted) return 0;
  s->unconsumed += len;
  s->body_in += len;
  if (s->sink->on_body({reinterpret_cast<const char*>(data), len}) == Backpressure::abort) {
    s->aborted = true;
    nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  }
  return 0;
}

// A request nghttp2 refused to send (e.g. a header block over its 64 KiB
// send limit) never reached the server: say so, rather than "refused by the
// server" from the REFUSED_STREAM close that follows.
int H2ClientSession::on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int lib_error,
                                       void* user) {
  auto* self = static_cast<H2ClientSession*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Stream* s = self->stream(frame->hd.stream_id);
  if (!s) return 0;
  s->not_sent = fmt::format(
      "HTTP/2 request on stream {} could not be sent: {}", frame->hd.stream_id,
      lib_error == NGHTTP2_ERR_FRAME_SIZE_ERROR ? "its header block is over nghttp2's 64 KiB limit"
                                                : nghttp2_strerror(lib_error));
  s->not_sent_goaway = lib_error == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED;
  return 0;
}

int H2ClientSession::on_stream_close(nghttp2_session*, int32_t id, uint32_t error_code,
                                     void* user) {
  auto* self = static_cast<H2ClientSession*>(user);
  auto it = self->streams_.find(id);
  if (it == self->streams_.end()) return 0;
  Stream s = std::move(it->second);
  self->streams_.erase(it);
  self->forget_streams();
  if (!s.sink) return 0;
  if (s.aborted) {
    s.sink->on_error({Errc::cancelled, "response abandoned by the consumer"});
  } else if (s.body_error) {
    s.sink->on_error(*s.body_error);
  } else if (!s.not_sent.empty()) {
    // Never sent because the server is going away: as unprocessed as a refusal.
    s.sink->on_error({s.not_sent_goaway ? Errc::empty_reply : Errc::http2, s.not_sent});
  } else if (error_code == NGHTTP2_NO_ERROR && s.end_seen && s.head_done) {
    s.sink->on_end();
  } else if (auto goaway = self->goaway_error(); goaway && !s.head_done) {
    s.sink->on_error(*goaway);
  } else if (error_code == NGHTTP2_REFUSED_STREAM || (!s.head_done && self->goaway_)) {
    // Never processed by the server (RFC 9113 8.7): safe to retry elsewhere.
    s.sink->on_error(
        {Errc::empty_reply, fmt::format("HTTP/2 stream {} was refused by the server", id)});
  } else {
    s.sink->on_error(
        {Errc::http2_stream, fmt::format("HTTP/2 stream {} was not closed cleanly: {} (err {})", id,
                                         nghttp2_http2_strerror(error_code), error_code)});
  }
  return 0;
}

// Credit goes back every half window consumed, in one WINDOW_UPDATE. Over
// loopback the sender's socket buffers hold more than a 1 MiB window, so the
// sender is always window-bound and every update wakes it: at an eighth of
// the window nghttpd spent ~7% more CPU per GiB (reads of tiny records,
// buffer moves) and both it and sluice serve delivered 2-3% slower, into
// /dev/null and into a pipe alike. The increment is never more than nghttp2
// counts as received and not yet returned (consumed <= received), so the
// advertised window stays stream_window.
void H2ClientSession::consumed(StreamId id, std::size_t n) {
  Stream* s = stream(id);
  if (!s || closed_) return;
  std::size_t credit = std::min(n, s->unconsumed);  // never more than arrived
  s->unconsumed -= credit;
  s->uncredited += credit;
  if (s->uncredited < std::max<std::size_t>(cfg_.stream_window / kCreditSteps, 1)) return;
  nghttp2_submit_window_update(ng_, NGHTTP2_FLAG_NONE, id, static_cast<int32_t>(s->uncredited));
  s->uncredited = 0;
  flush();
}

void H2ClientSession::cancel(StreamId id) {
  Stream* s = stream(id);
  if (!s) return;
  s->sink = nullptr;
  if (closed_) return;
  wakeup_.reset();  // the mark may have counted on this stream's bytes
  nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  flush();
}

void H2ClientSession::on_io(uint32_t events) {
  auto alive = alive_;
  if (events & EPOLLOUT) flush();
  if (*alive && !closed_ && (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP | EPOLLOUT)))
    do_read();
  if (*alive && !closed_) update_interest();
}

void H2ClientSession::do_read() {
  auto alive = alive_;
  bool drained = false;                                      // the transport said it would block
  for (int rounds = 0; rounds < 64 && !closed_; ++rounds) {  // let other fds have a turn
    ReadScratch buf(kReadSize);                              // lent for this read and its parse
    auto n = transport_->read(buf.span());
    if (!n) return fail_all(n.error());
    if (*n == kWouldBlock) {
      drained = true;
      break;
    }
    if (*n == 0) {
      return fail_all({Errc::recv_failed, "HTTP/2 connection closed by the server"}, true);
    }
    if (!receive(buf.span().first(static_cast<std::size_t>(*n)))) return;
  }
  flush();
  if (!*alive || closed_) return;
  // nghttp2 ended the session itself (e.g. a malformed frame: it queued GOAWAY).
  if (!nghttp2_session_want_read(ng_) && said_all())
    return fail_all({Errc::http2, "Error in the HTTP2 framing layer"});
  // The server is going away and no stream of ours is open: the connection is
  // done, as curl closes it. The pool (or bench) hears of it now, not when the
  // server's own close arrives, which may linger.
  if (goaway_ && streams_.empty() && said_all()) return close();
  if (drained) return wait_for_input();
  // Out of rounds: back to epoll (level-triggered, so a socket with bytes
  // left wakes us at once, the mark back at 1), and to the timers after it.
  // TLS may hold records no readiness event will announce: read them then.
  wakeup_.reset();
  if (!transport_->has_buffered_read()) return;
  loop_.after(Millis{0}, [this, alive] {
    if (!*alive || closed_) return;
    do_read();
    if (*alive && !closed_) update_interest();
  });
}

// Before sleeping on the socket: the mark may rise only if everything we owe
// the server (WINDOW_UPDATEs, our upload) is out, so the server can send
// what bytes_coming() counts without hearing from us.
void H2ClientSession::wait_for_input() {
  wakeup_.before_wait(said_all() ? bytes_coming() : 0);
}

// How many body bytes the server may still send without hearing from us:
// each open stream's rest of Content-Length within its window, all within the
// connection window. 0 while a stream may send what cannot be sized (no head
// yet, no length) or will not be taken: those bytes must wake us at once.
uint64_t H2ClientSession::bytes_coming() const {
  uint64_t sum = 0;
  for (const auto& [id, s] : streams_) {
    if (s.end_seen) continue;
    // Our upload still going: the server may wait for it (an echo) before it sends.
    if (s.body) return 0;
    if (!s.head_done || !s.resp.content_length || !s.sink || s.aborted) return 0;
    uint64_t owed = *s.resp.content_length - std::min(s.body_in, *s.resp.content_length);
    // Nothing more to come but END_STREAM or trailers (HEAD, 204, 304, a full
    // body): small frames that must wake us.
    if (owed == 0 || s.head || s.resp.status == 204 || s.resp.status == 304) return 0;
    int32_t window = nghttp2_session_get_stream_local_window_size(ng_, id);
    sum += std::min<uint64_t>(owed, static_cast<uint64_t>(std::max(window, 0)));
  }
  int32_t connection = nghttp2_session_get_local_window_size(ng_);
  return std::min<uint64_t>(sum, static_cast<uint64_t>(std::max(connection, 0)));
}

bool H2ClientSession::receive(std::span<const char> bytes) {
  auto alive = alive_;
  stats_.bytes_in += bytes.size();
  in_recv_ = true;
  ssize_t rv =
      nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!*alive) return false;
  in_recv_ = false;
  if (rv < 0) {
    flush();  // our GOAWAY, if nghttp2 queued one
    if (!*alive || closed_) return false;
    fail_all({Errc::http2, fmt::format("Error in the HTTP2 framing layer: {}",
                                       nghttp2_strerror(static_cast<int>(rv)))});
    return false;
  }
  // A WINDOW_UPDATE goes out as soon as the consumer has earned it, not after
  // the socket is drained: otherwise the sender idles for a whole window.
  if (nghttp2_session_want_write(ng_)) flush();
  return *alive && !closed_;
}

void H2ClientSession::flush() {
  // nghttp2 forbids mem_send from inside its callbacks (a sink that consumed or
  // submitted from there): do_read flushes once mem_recv has returned.
  if (closed_ || in_recv_ || write_failed_) return;
  while (out_.size() < kOutHighWater) {
    const uint8_t* data;
    ssize_t n = nghttp2_session_mem_send(ng_, &data);
    if (n < 0)
      return fail_all({Errc::http2, fmt::format("Error in the HTTP2 framing layer: {}",
                                                nghttp2_strerror(static_cast<int>(n)))});
    if (n == 0) break;
    out_.append(std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n)));
  }
  while (!out_.empty()) {
    iovec iov[16];
    int cnt = out_.peek(iov, 16);
    auto w = transport_->writev(iov, cnt);
    if (!w) return on_send_error(w.error());
    if (*w == kWouldBlock) break;
    stats_.bytes_out += static_cast<uint64_t>(*w);
    out_.consume(static_cast<std::size_t>(*w));
    if (out_.size() < kOutHighWater / 2 && nghttp2_session_want_write(ng_)) {
      const uint8_t* data;
      ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n > 0)
        out_.append(
            std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n)));
    }
  }
  if (out_.empty() && transport_->write_pending()) {
    if (auto sent = transport_->flush(); !sent) return on_send_error(sent.error());
  }
  update_interest();
}

// A write failed. If the server has gone, a read says so (end of stream, a
// reset, its GOAWAY), and that is what went wrong, as curl (which reads
// first) reports it; if not, the send itself failed: curl's 55. From the
// loop: flush() runs inside submit(), consumed() and the constructors, where
// no sink may hear anything yet.
void H2ClientSession::on_send_error(const Error& e) {
  write_failed_ = true;
  loop_.defer([this, alive = alive_, e] {
    if (!*alive || closed_) return;
    do_read();
    if (*alive && !closed_) fail_all(e);
  });
}

void H2ClientSession::update_interest() {
  if (closed_) return;
  uint32_t ev = EPOLLIN | EPOLLRDHUP;
  if (!all_sent() || transport_->wants() == EPOLLOUT) ev |= EPOLLOUT;
  loop_.modify(transport_->fd(), ev);
}

std::optional<Error> H2ClientSession::goaway_error() const {
  if (!goaway_ || goaway_code_ == NGHTTP2_NO_ERROR) return std::nullopt;
  return Error{Errc::http2, fmt::format("HTTP/2 GOAWAY from the server: {} (err {})",
                                        nghttp2_http2_strerror(goaway_code_), goaway_code_)};
}

void H2ClientSession::fail_all(const Error& e, bool peer_closed) {
  auto streams = std::move(streams_);
  streams_.clear();
  forget_streams();
  close();
  if (!failure_) failure_ = stream_error(e, peer_closed, 0, false);
  for (auto& [id, s] : streams) {
    if (!s.sink) continue;
    if (s.aborted)
      s.sink->on_error({Errc::cancelled, "response abandoned by the consumer"});
    else
      s.sink->on_error(stream_error(e, peer_closed, id, s.head_done));
  }
}

Error H2ClientSession::stream_error(const Error& e, bool peer_closed, int32_t id,
                                    bool head_done) const {
  // The server said why it was leaving (GOAWAY with an error code), then
  // closed: that reason, not the bare close, is what went wrong.
  if (auto goaway = goaway_error()) return *goaway;
  if (e.code != Errc::recv_failed) return e;
  if (!frame_seen_)  // not one frame came back: no HTTP/2 server (curl 8's 16, not 52)
    return {Errc::http2,
            "Remote peer returned unexpected data while we expected SETTINGS frame. "
            "Perhaps, peer does not support HTTP/2 properly."};
  if (!head_done) return {Errc::empty_reply, "Empty reply from server"};
  if (peer_closed)
    return {Errc::http2_stream,
            fmt::format(
                "HTTP/2 stream {} was not closed cleanly before end of the underlying stream", id)};
  return e;
}

void H2ClientSession::close() {
  if (closed_) return;
  closed_ = true;
  wakeup_.detach();
  loop_.remove(transport_->fd());
  loop_.defer([t = std::shared_ptr<Transport>(std::move(transport_))] {});
  if (on_idle_close && streams_.empty()) loop_.defer(on_idle_close);
}

}  // namespace sluice
