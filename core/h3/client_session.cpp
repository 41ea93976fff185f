#include "core/h3/client_session.hpp"

#include <charconv>

#include "core/h3/h3_frame.hpp"
#include "core/http/stream_fields.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice::h3 {

namespace {

constexpr uint32_t kCreditSteps = 2;            // window updates per stream window consumed
constexpr std::size_t kMaxPending = 64 * 1024;  // body bytes gathered before the sink sees them
// -T bytes handed to nghttp3 and not yet acknowledged, per stream: enough to
// keep loopback busy between acknowledgements, and the bound on what a slow
// server makes us hold.
constexpr std::size_t kUploadInFlight = 1024 * 1024;

}  // namespace

// nghttp3's C callbacks, forwarding to the session.
struct H3Callbacks {
  static H3ClientSession& self(void* user) { return *static_cast<H3ClientSession*>(user); }
  // Request streams carry their Stream (submit); the others (control, QPACK) none.
  static H3ClientSession::Stream* of(void* stream_user) {
    return static_cast<H3ClientSession::Stream*>(stream_user);
  }

  static int recv_header(nghttp3_conn*, int64_t, int32_t token, nghttp3_rcbuf* name,
                         nghttp3_rcbuf* value, uint8_t, void*, void* stream_user) {
    auto* s = of(stream_user);
    if (!s) return 0;
    std::string_view n = rcbuf_view(name), v = rcbuf_view(value);
    if (token == NGHTTP3_QPACK_TOKEN__STATUS) {
      std::from_chars(v.data(), v.data() + v.size(), s->resp.status);
      return 0;
    }
    take_response_field(s->resp, s->head_done, s->keep_fields, n, v);
    return 0;
  }

  static int end_headers(nghttp3_conn*, int64_t id, int fin, void* user, void* stream_user) {
    auto& session = self(user);
    if (auto* s = of(stream_user)) {
      session.headers_complete(id, *s);
      if (fin) s->end_seen = true;
    }
    return 0;
  }

  static int recv_data(nghttp3_conn*, int64_t id, const uint8_t* data, size_t len, void* user,
                       void* stream_user) {
    auto& session = self(user);
    if (auto* s = of(stream_user))
      session.take_body(id, *s, {reinterpret_cast<const char*>(data), len});
    return 0;
  }

  // Bytes nghttp3 held back (a QPACK-blocked header block) and has now read.
  static int deferred_consume(nghttp3_conn*, int64_t id, size_t n, void* user, void*) {
    self(user).quic_->extend_stream(id, n);
    return 0;
  }

  static int end_stream(nghttp3_conn*, int64_t, void*, void* stream_user) {
    if (auto* s = of(stream_user)) s->end_seen = true;
    return 0;
  }

  static int stream_close(nghttp3_conn*, int64_t id, uint64_t code, void* user, void*) {
    self(user).stream_closed(id, code);
    return 0;
  }

  static int stop_sending(nghttp3_conn*, int64_t id, uint64_t code, void* user, void*) {
    ngtcp2_conn_shutdown_stream_read(self(user).quic_->conn(), 0, id, code);
    return 0;
  }

  static int reset_stream(nghttp3_conn*, int64_t id, uint64_t code, void* user, void*) {
    ngtcp2_conn_shutdown_stream_write(self(user).quic_->conn(), 0, id, code);
    return 0;
  }

  // The server's GOAWAY: no new requests on this connection.
  static int shutdown(nghttp3_conn*, int64_t id, void* user) {
    auto& session = self(user);
    session.goaway_ = true;
    if (session.cfg_.trace)
      session.cfg_.trace('*', fmt::format("HTTP/3 GOAWAY received (id {})", id));
    return 0;
  }

  static nghttp3_ssize read_body(nghttp3_conn*, int64_t id, nghttp3_vec* vec, size_t veccnt,
                                 uint32_t* flags, void* user, void* stream_user) {
    auto* s = of(stream_user);
    if (s && s->upload && veccnt > 0) return self(user).read_upload(id, *s, vec, flags);
    *flags |= NGHTTP3_DATA_FLAG_EOF;
    if (!s || s->body_given || s->body.empty() || veccnt == 0) return 0;
    // The whole body at once: it stays in the Stream until the stream closes,
    // which is after the server acknowledged it.
    s->body_given = true;
    vec[0].base = reinterpret_cast<uint8_t*>(s->body.data());
    vec[0].len = s->body.size();
    return 1;
  }

  // Body bytes nghttp3 gave to QUIC that the server has now acknowledged.
  static int acked_stream_data(nghttp3_conn*, int64_t id, uint64_t n, void* user,
                               void* stream_user) {
    auto& session = self(user);
    if (auto* s = of(stream_user)) session.upload_acked(id, *s, n);
    return 0;
  }
};

const nghttp3_callbacks& H3ClientSession::callbacks() {
  static const nghttp3_callbacks cb = [] {
    nghttp3_callbacks c{};
    c.stream_close = H3Callbacks::stream_close;
    c.recv_data = H3Callbacks::recv_data;
    c.deferred_consume = H3Callbacks::deferred_consume;
    c.recv_header = H3Callbacks::recv_header;
    c.end_headers = H3Callbacks::end_headers;
    c.recv_trailer = H3Callbacks::recv_header;
    c.end_trailers = H3Callbacks::end_headers;
    c.stop_sending = H3Callbacks::stop_sending;
    c.end_stream = H3Callbacks::end_stream;
    c.reset_stream = H3Callbacks::reset_stream;
    c.shutdown = H3Callbacks::shutdown;
    c.acked_stream_data = H3Callbacks::acked_stream_data;
    return c;
  }();
  return cb;
}

H3ClientSession::H3ClientSession(Loop& loop, H3ClientConfig cfg, uint64_t stream_window,
                                 Ready ready)
    : loop_(loop), cfg_(std::move(cfg)), stream_window_(stream_window), ready_(std::move(ready)) {}

Result<std::unique_ptr<H3ClientSession>> H3ClientSession::connect(Loop& loop, QuicClientConfig quic,
                                                                  H3ClientConfig cfg, Ready ready) {
  uint64_t window = quic.stream_window;
  std::unique_ptr<H3ClientSession> s(
      new H3ClientSession(loop, std::move(cfg), window, std::move(ready)));
  auto q = QuicClient::connect(loop, std::move(quic), *s);
  if (!q) return std::unexpected(q.error());
  s->quic_ = std::move(*q);
  return s;
}

H3ClientSession::~H3ClientSession() {
  *alive_ = false;
  for (auto& s : open_) s->sink = nullptr;
  quic_.reset();  // its CONNECTION_CLOSE goes out; no callback reaches us after this
  if (h3_) nghttp3_conn_del(h3_);
}

// The control stream and the two QPACK streams, as RFC 9114 6.2 requires of
// both ends, once the handshake has told us the server's stream limits.
Result<void> H3ClientSession::setup_http3() {
  nghttp3_settings settings;
  nghttp3_settings_default(&settings);
  settings.qpack_max_dtable_capacity = 4096;
  settings.qpack_blocked_streams = 100;
  if (int rv = nghttp3_conn_client_new(&h3_, &callbacks(), &settings,
                                       small_alloc::table<nghttp3_mem>(), this))
    return std::unexpected(h3_error("set-up", rv));
  ngtcp2_conn* conn = quic_->conn();
  int64_t control, qenc, qdec;
  if (ngtcp2_conn_open_uni_stream(conn, &control, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn, &qenc, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn, &qdec, nullptr) != 0)
    return fail(Errc::http3, "HTTP/3 set-up: the server allows too few unidirectional streams");
  if (auto r = check_h3("control stream", nghttp3_conn_bind_control_stream(h3_, control)); !r)
    return r;
  return check_h3("QPACK streams", nghttp3_conn_bind_qpack_streams(h3_, qenc, qdec));
}

H3ClientSession::Stream* H3ClientSession::stream(int64_t id) {
  for (auto& s : open_)
    if (s->id == id) return s.get();
  return nullptr;
}

H3ClientSession::Stream& H3ClientSession::open_stream(int64_t id) {
  std::unique_ptr<Stream> s;
  if (spare_.empty()) {
    s = std::make_unique<Stream>();
  } else {
    s = std::move(spare_.back());
    spare_.pop_back();
  }
  s->id = id;
  return *open_.emplace_back(std::move(s));
}

std::unique_ptr<H3ClientSession::Stream> H3ClientSession::take_stream(int64_t id) {
  auto it = std::find_if(open_.begin(), open_.end(), [id](auto& s) { return s->id == id; });
  if (it == open_.end()) return nullptr;
  std::unique_ptr<Stream> s = std::move(*it);
  *it = std::move(open_.back());
  open_.pop_back();
  return s;
}

void H3ClientSession::keep_spare(std::unique_ptr<Stream> s) {
  s->reuse();
  spare_.push_back(std::move(s));
}

// As a new Stream, but the buffers a request and its response fill keep their
// capacity (as RequestHead::reset_keeping_capacity does for the server).
void H3ClientSession::Stream::reuse() {
  Headers headers = std::move(resp.headers), trailers = std::move(resp.trailers);
  std::string request_body = std::move(body), pending_body = std::move(pending);
  *this = Stream{};
  headers.clear();
  trailers.clear();
  request_body.clear();
  pending_body.clear();
  resp.headers = std::move(headers);
  resp.trailers = std::move(trailers);
  body = std::move(request_body);
  pending = std::move(pending_body);
}

const ClientSessionStats& H3ClientSession::stats() const {
  stats_.bytes_in = quic_->bytes_in();
  stats_.bytes_out = quic_->bytes_out();
  return stats_;
}

bool H3ClientSession::can_submit() const {
  return h3_ && !closed_ && !goaway_ && ngtcp2_conn_get_streams_bidi_left(quic_->conn()) > 0 &&
         open_.size() < cfg_.max_concurrent_streams;
}

Result<StreamId> H3ClientSession::submit(const Request& req, ResponseSink& sink) {
  if (!can_submit()) return fail(Errc::internal, "HTTP/3 session cannot take a stream now");
  int64_t id = -1;
  if (int rv = ngtcp2_conn_open_bidi_stream(quic_->conn(), &id, nullptr); rv != 0)
    return fail(Errc::send_failed,
                fmt::format("HTTP/3: cannot open a stream: {}", ngtcp2_strerror(rv)));
  RequestFields fields(req);
  auto nv = fields.as<nghttp3_nv>(NGHTTP3_NV_FLAG_NONE);
  Stream& s = open_stream(id);
  s.sink = &sink;
  s.keep_fields = sink.wants_fields();
  if (req.upload)
    s.upload = BodyHold(body_of(req));  // rewound: a redirect or a retry sends it again
  else if (req.has_body)
    s.body = req.body;
  nghttp3_data_reader reader{H3Callbacks::read_body};
  int rv = nghttp3_conn_submit_request(h3_, id, nv.data(), nv.size(),
                                       req.has_body ? &reader : nullptr, &s);
  if (rv != 0) {
    keep_spare(take_stream(id));
    ngtcp2_conn_shutdown_stream(quic_->conn(), 0, id, h3err::kInternal);
    return std::unexpected(h3_error("request", rv));
  }
  if (cfg_.trace) {
    cfg_.trace('*', fmt::format("[HTTP/3] [{}] OPENED stream for {}", id, req.url.str()));
    cfg_.trace('>', fields.trace_text("HTTP/3"));
  }
  quic_->schedule_write();
  return static_cast<StreamId>(id);
}

// One block of -T's source per call, into the bytes kept until acknowledged.
// A source with nothing yet, or a full budget, blocks the stream until
// wait_for_upload or upload_acked resumes it.
nghttp3_ssize H3ClientSession::read_upload(int64_t id, Stream& s, nghttp3_vec* vec,
                                           uint32_t* flags) {
  if (s.upload_out.size() >= kUploadInFlight) {
    s.upload_full = true;
    return NGHTTP3_ERR_WOULDBLOCK;
  }
  std::span<char> room = s.upload_out.tail_room();
  auto n = s.upload->read(room);
  if (!n) {  // reset from the loop, not inside nghttp3's write; stream_closed reports why
    s.upload_error = n.error();
    s.upload.release();
    loop_.defer([this, alive = alive_, id] {
      if (*alive && stream(id) && !closed_) {
        ngtcp2_conn_shutdown_stream(quic_->conn(), 0, id, NGHTTP3_H3_REQUEST_CANCELLED);
        quic_->schedule_write();
      }
    });
    return NGHTTP3_ERR_WOULDBLOCK;
  }
  if (*n == kWouldBlock) {
    wait_for_upload(id, s);
    return NGHTTP3_ERR_WOULDBLOCK;
  }
  if (*n == 0) {
    *flags |= NGHTTP3_DATA_FLAG_EOF;
    s.upload.release();
    return 0;
  }
  s.upload_out.commit(static_cast<std::size_t>(*n));
  vec[0].base = reinterpret_cast<uint8_t*>(room.data());
  vec[0].len = static_cast<std::size_t>(*n);
  return 1;
}

void H3ClientSession::wait_for_upload(int64_t id, Stream& s) {
  s.upload->wait(loop_, [this, alive = alive_, id] {
    if (!*alive || closed_ || !stream(id)) return;
    nghttp3_conn_resume_stream(h3_, id);
    quic_->schedule_write();
  });
}

void H3ClientSession::upload_acked(int64_t id, Stream& s, uint64_t n) {
  s.upload_out.consume(static_cast<std::size_t>(n));  // an in-memory body has none here
  if (!s.upload_full || s.upload_out.size() >= kUploadInFlight) return;
  s.upload_full = false;
  nghttp3_conn_resume_stream(h3_, id);
  quic_->schedule_write();
}

void H3ClientSession::take_body(int64_t id, Stream& s, std::span<const char> bytes) {
  if (!s.sink || s.aborted) return;
  s.unconsumed += bytes.size();
  if (s.pending.empty()) with_pending_.push_back(id);
  s.pending.append(bytes.data(), bytes.size());
  if (s.pending.size() >= std::min<std::size_t>(kMaxPending, stream_window_ / 4)) deliver(id, s);
}

void H3ClientSession::deliver(int64_t id, Stream& s) {
  if (s.pending.empty()) return;
  std::string bytes = std::move(s.pending);
  s.pending.clear();
  if (!s.sink || s.aborted) return;
  if (s.sink->on_body(bytes) == Backpressure::abort) {
    s.aborted = true;
    ngtcp2_conn_shutdown_stream(quic_->conn(), 0, id, NGHTTP3_H3_REQUEST_CANCELLED);
    quic_->schedule_write();
  }
  // The sink may have cancelled or (through the pool) closed: look again
  // before keeping the buffer for the next batch.
  bytes.clear();
  if (Stream* again = stream(id); again && again->pending.empty()) again->pending.swap(bytes);
}

void H3ClientSession::on_read_done() {
  auto ids = std::move(with_pending_);
  with_pending_.clear();
  for (int64_t id : ids)
    if (Stream* s = stream(id)) deliver(id, *s);
}

void H3ClientSession::headers_complete(int64_t id, Stream& s) {
  if (s.head_done) deliver(id, s);  // the body before its trailers
  complete_header_section(s.resp, s.head_done, s.sink);
}

void H3ClientSession::stream_closed(int64_t id, uint64_t app_error) {
  if (Stream* open = stream(id)) deliver(id, *open);
  std::unique_ptr<Stream> taken = take_stream(id);  // the sink may have closed it meanwhile
  if (!taken) return;
  Stream& s = *taken;
  struct Spare {  // back to the spares once the sink has been told
    H3ClientSession& session;
    std::unique_ptr<Stream>& stream;
    ~Spare() { session.keep_spare(std::move(stream)); }
  } spare{*this, taken};
  if (!s.sink) return;
  if (s.aborted) {
    s.sink->on_error({Errc::cancelled, "response abandoned by the consumer"});
  } else if (s.upload_error) {
    s.sink->on_error(*s.upload_error);
  } else if (app_error == NGHTTP3_H3_NO_ERROR && s.end_seen && s.head_done) {
    s.sink->on_end();
  } else if (app_error == NGHTTP3_H3_REQUEST_REJECTED) {
    // Never processed by the server (RFC 9114 4.1.1): safe to retry elsewhere.
    s.sink->on_error(
        {Errc::empty_reply, fmt::format("HTTP/3 stream {} was rejected by the server", id)});
  } else {
    s.sink->on_error(
        {Errc::http3,
         fmt::format("HTTP/3 stream {} was not closed cleanly: error 0x{:x}", id, app_error)});
  }
  if (open_.empty() && closed_ && on_idle_close) loop_.defer(on_idle_close);
}

// Credit goes back every half window consumed, as in the h2 session.
void H3ClientSession::consumed(StreamId id, std::size_t n) {
  Stream* s = stream(id);
  if (!s || closed_) return;
  std::size_t credit = std::min(n, s->unconsumed);  // never more than arrived
  s->unconsumed -= credit;
  s->uncredited += credit;
  if (s->uncredited < std::max<uint64_t>(stream_window_ / kCreditSteps, 1)) return;
  quic_->extend_stream(id, s->uncredited);
  s->uncredited = 0;
}

void H3ClientSession::cancel(StreamId id) {
  Stream* s = stream(id);
  if (!s) return;
  s->sink = nullptr;
  if (closed_) return;
  ngtcp2_conn_shutdown_stream(quic_->conn(), 0, id, NGHTTP3_H3_REQUEST_CANCELLED);
  quic_->schedule_write();
}

void H3ClientSession::fail_all(const Error& e) {
  auto streams = std::move(open_);
  open_.clear();
  for (auto& held : streams) {
    Stream& s = *held;
    int64_t id = s.id;
    if (!s.sink) continue;
    if (s.aborted) {
      s.sink->on_error({Errc::cancelled, "response abandoned by the consumer"});
    } else if (!s.head_done && e.code == Errc::recv_failed) {
      s.sink->on_error({Errc::empty_reply, "Empty reply from server"});
    } else if (e.code == Errc::recv_failed) {
      s.sink->on_error({Errc::partial_body,
                        fmt::format("HTTP/3 stream {} was cut when the connection closed", id)});
    } else {
      s.sink->on_error(e);
    }
  }
}

// --- QuicApp ---

Result<void> H3ClientSession::on_handshake_done() {
  if (auto r = setup_http3(); !r) return r;
  if (cfg_.trace) {
    const auto& tls = quic_->tls();
    cfg_.trace('*', fmt::format("QUIC handshake done: {} / {}, ALPN: {}", tls.version(),
                                tls.cipher(), tls.alpn()));
  }
  loop_.defer([this, alive = alive_] {
    if (!*alive || !ready_) return;
    auto ready = std::move(ready_);
    ready({});  // may destroy this session
  });
  return {};
}

Result<void> H3ClientSession::on_stream_closed(int64_t id, std::optional<uint64_t> app_error,
                                               void*) {
  if (!h3_) return {};
  int rv = nghttp3_conn_close_stream(h3_, id, app_error.value_or(NGHTTP3_H3_NO_ERROR));
  if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND) return {};
  return check_h3("stream close", rv);
}

void H3ClientSession::on_closed(const Error& e) {
  closed_ = true;
  if (ready_) {
    auto ready = std::move(ready_);
    ready(std::unexpected(e));  // may destroy this session
    return;
  }
  auto alive = alive_;
  on_read_done();  // what arrived before the end reaches the sinks first
  if (!*alive) return;
  fail_all(e);
  if (*alive && on_idle_close) loop_.defer(on_idle_close);
}

}  // namespace sluice::h3
