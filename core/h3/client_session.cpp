#include "core/h3/client_session.hpp"

#include <fmt/format.h>
#include <sys/uio.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/h3/h3_frame.hpp"
#include "core/http/stream_fields.hpp"

namespace sluice::h3 {

namespace {

constexpr uint32_t kCreditSteps = 2;            // window updates per stream window consumed
constexpr std::size_t kMaxPending = 64 * 1024;  // body bytes gathered before the sink sees them
// -T bytes queued and not yet acknowledged, per stream: enough to keep
// loopback busy between acknowledgements, and the bound on what a slow
// server makes us hold.
constexpr std::size_t kUploadInFlight = 1024 * 1024;
constexpr std::size_t kUploadRead = 16 * 1024;  // -T bytes per DATA frame
constexpr int kPeekBlocks = 96;

// A frame's header (type, length) in front of its payload.
void append_frame_header(std::string& out, uint64_t type, uint64_t length) {
  uint8_t buf[16];
  uint8_t* end = put_frame_header(buf, type, length);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(end - buf));
}

}  // namespace

void encode_request_fields(const RequestFields& fields, std::string& out) {
  qpack::begin_section(out);
  for (const auto& [name, value] : fields.list()) qpack::encode_field(out, name, value);
}

// One request and its response. The request's bytes stay where ngtcp2 can
// refer to them until the server acknowledges them: `out` (the HEADERS
// frame, and an in-memory body as one DATA frame) is built whole at submit
// and never grows; -T's DATA frames queue in upload_out, whose blocks never
// move, and leave it as they are acknowledged.
struct H3ClientSession::Stream final : ResponseReader::Handler {
  explicit Stream(H3ClientSession* owner) : session(owner) {}
  void reuse();  // as new for another request, its buffers keeping their capacity

  H3ClientSession* session;
  int64_t id = -1;
  ResponseSink* sink = nullptr;  // nullptr once cancelled
  Response resp{.status = 0, .version_major = 3, .version_minor = 0};
  ResponseReader reader;
  bool keep_fields = true;  // the sink reads more than the status and sizes (bench's does not)

  // Out.
  std::string out;
  bool has_upload = false, upload_ended = false, upload_waiting = false;
  BodyHold upload;
  ChainBuffer upload_out;
  std::optional<Error> upload_error;  // the source failed: the stream is reset
  uint64_t sent = 0, acked = 0;  // bytes of out, then of the upload, given to ngtcp2 / acknowledged
  std::size_t offered = 0;       // in the last chunk filled
  bool fin_offered = false, fin_sent = false;
  bool blocked = false, write_shut = false, in_ready = false;

  // In. Body bytes of this read batch, handed to the sink in one piece:
  // QUIC delivers a packet's worth (~1.2 KB) per call, too little per write(2).
  std::string pending;
  std::size_t unconsumed = 0;  // received, not yet taken by the consumer
  std::size_t uncredited = 0;  // taken by the consumer, window not yet returned
  bool head_done = false, aborted = false;
  std::optional<uint64_t> reset_code;  // the server reset its side with this
  std::optional<Error> fault;          // the response broke the rules: the stream was reset

  // ResponseReader::Handler
  void on_field(std::string_view name, std::string_view value) override {
    take_response_field(resp, head_done, keep_fields, name, value);
  }
  void on_section(int status) override { session->section_done(*this, status); }
  void on_data(std::span<const uint8_t> bytes) override { session->take_body(*this, bytes); }

  // Sending, for the session's next_chunk and chunk_* calls.
  uint64_t upload_front() const { return std::max<uint64_t>(acked, out.size()); }
  uint64_t queued() const { return upload_front() + upload_out.size(); }
  bool upload_can_grow() const {
    return has_upload && !upload_ended && !upload_waiting && sent == queued() &&
           upload_out.size() < kUploadInFlight;
  }
  bool sendable() const {
    if (write_shut || blocked || fin_sent) return false;
    return sent < queued() || !has_upload || upload_ended || upload_can_grow();
  }
  void fill(StreamChunk& chunk);
  void written(std::size_t n);
  void acknowledged(uint64_t n);
};

// Every member back to its start, in place: assigning a new Stream built
// (and freed) a ChainBuffer's deque per request, 3% of bench's CPU.
void H3ClientSession::Stream::reuse() {
  Headers headers = std::move(resp.headers), trailers = std::move(resp.trailers);
  headers.clear();
  trailers.clear();
  resp = Response{.status = 0, .version_major = 3, .version_minor = 0};
  resp.headers = std::move(headers);
  resp.trailers = std::move(trailers);
  id = -1;
  sink = nullptr;
  keep_fields = true;
  out.clear();
  has_upload = upload_ended = upload_waiting = false;
  upload.release();
  upload_out.clear();
  upload_error.reset();
  sent = acked = 0;
  offered = 0;
  fin_offered = fin_sent = blocked = write_shut = in_ready = false;
  pending.clear();
  unconsumed = uncredited = 0;
  head_done = aborted = false;
  reset_code.reset();
  fault.reset();
}

// The bytes not yet given to ngtcp2, as vectors: the rest of `out`, then the
// upload's queued frames past those in flight.
void H3ClientSession::Stream::fill(StreamChunk& chunk) {
  if (upload_can_grow()) session->pull_upload(*this);
  chunk.stream_id = id;
  chunk.count = 0;
  offered = 0;
  auto add = [&](const void* p, std::size_t len) {
    chunk.vecs[chunk.count++] = {static_cast<uint8_t*>(const_cast<void*>(p)), len};
    offered += len;
  };
  if (sent < out.size()) add(out.data() + sent, out.size() - sent);
  if (has_upload && sent + offered < queued()) {
    std::size_t skip = static_cast<std::size_t>(sent + offered - upload_front());
    // Blocks from the front, sent ones too: kUploadInFlight keeps the queue
    // to about 64 of them, so kPeekBlocks sees past those in flight.
    iovec iov[kPeekBlocks];
    int blocks = upload_out.peek(iov, kPeekBlocks);
    for (int i = 0; i < blocks && chunk.count < StreamChunk::kMaxVecs; ++i) {
      if (skip >= iov[i].iov_len) {
        skip -= iov[i].iov_len;
        continue;
      }
      add(static_cast<char*>(iov[i].iov_base) + skip, iov[i].iov_len - skip);
      skip = 0;
    }
  }
  fin_offered = (!has_upload || upload_ended) && sent + offered == queued();
  chunk.fin = fin_offered;
  if (chunk.count == 0 && !fin_offered) chunk.stream_id = -1;  // waits for the source or acks
}

void H3ClientSession::Stream::written(std::size_t n) {
  sent += n;
  if (fin_offered && n == offered) fin_sent = true;
}

// Acknowledged bytes of the upload leave its queue; a full queue has room
// again.
void H3ClientSession::Stream::acknowledged(uint64_t n) {
  uint64_t front = upload_front();
  acked += n;
  upload_out.consume(static_cast<std::size_t>(upload_front() - front));
  if (has_upload && sendable()) session->want_send(*this);
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
}

std::unexpected<Error> H3ClientSession::connection_error(uint64_t code, std::string_view what) {
  close_code_ = code;
  return fail(Errc::http3, fmt::format("HTTP/3: {}", what));
}

H3ClientSession::Stream* H3ClientSession::stream(int64_t id) {
  for (auto& s : open_)
    if (s->id == id) return s.get();
  return nullptr;
}

H3ClientSession::Stream& H3ClientSession::open_stream(int64_t id) {
  std::unique_ptr<Stream> s;
  if (spare_.empty()) {
    s = std::make_unique<Stream>(this);
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
  turns_.remove(*s);
  if (filling_ == s.get()) filling_ = nullptr;
  return s;
}

void H3ClientSession::keep_spare(std::unique_ptr<Stream> s) {
  s->reuse();
  spare_.push_back(std::move(s));
}

const ClientSessionStats& H3ClientSession::stats() const {
  stats_.bytes_in = quic_->bytes_in();
  stats_.bytes_out = quic_->bytes_out();
  return stats_;
}

bool H3ClientSession::can_submit() const {
  return control_.opened() && !closed_ && !goaway_ &&
         ngtcp2_conn_get_streams_bidi_left(quic_->conn()) > 0 &&
         open_.size() < cfg_.max_concurrent_streams;
}

Result<StreamId> H3ClientSession::submit(const Request& req, ResponseSink& sink) {
  if (!can_submit()) return fail(Errc::internal, "HTTP/3 session cannot take a stream now");
  Stream& s = open_stream(-1);
  int64_t id = -1;
  if (int rv = ngtcp2_conn_open_bidi_stream(quic_->conn(), &id, &s); rv != 0) {
    keep_spare(take_stream(-1));
    return fail(Errc::send_failed,
                fmt::format("HTTP/3: cannot open a stream: {}", ngtcp2_strerror(rv)));
  }
  s.id = id;
  s.sink = &sink;
  s.keep_fields = sink.wants_fields();
  s.reader.start(req.head());
  // bench encodes its requests once (Request::h3_fields); -v needs the fields.
  std::optional<RequestFields> fields;
  if (req.h3_fields.empty() || cfg_.trace) fields.emplace(req);
  const std::string* section = &req.h3_fields;
  if (req.h3_fields.empty()) {
    scratch_.clear();
    encode_request_fields(*fields, scratch_);
    section = &scratch_;
  }
  append_frame_header(s.out, frame_type::kHeaders, section->size());
  s.out += *section;
  if (req.upload) {
    s.has_upload = true;
    s.upload = BodyHold(body_of(req));  // rewound: a redirect or a retry sends it again
  } else if (req.has_body && !req.body.empty()) {
    append_frame_header(s.out, frame_type::kData, req.body.size());
    s.out += req.body;
  }
  if (cfg_.trace) {
    cfg_.trace('*', fmt::format("[HTTP/3] [{}] OPENED stream for {}", id, req.url.str()));
    cfg_.trace('>', fields->trace_text("HTTP/3"));
  }
  want_send(s);
  return static_cast<StreamId>(id);
}

void H3ClientSession::want_send(Stream& s) {
  turns_.add(s);
  quic_->schedule_write();
}

// One read of -T's source, queued as a DATA frame. A source with nothing
// yet wakes the stream when it has.
void H3ClientSession::pull_upload(Stream& s) {
  upload_buf_.resize(kUploadRead);
  auto n = s.upload->read(upload_buf_);
  if (!n) {  // reset from the loop, not inside a write; stream_closed reports why
    s.upload_error = n.error();
    s.upload.release();
    s.upload_waiting = true;  // nothing more to send
    loop_.defer([this, alive = alive_, id = s.id] {
      if (*alive && stream(id) && !closed_) reset_stream(id, h3err::kRequestCancelled);
    });
    return;
  }
  if (*n == kWouldBlock) return wait_for_upload(s);
  if (*n == 0) {
    s.upload_ended = true;
    s.upload.release();
    return;
  }
  std::string header;
  append_frame_header(header, frame_type::kData, static_cast<uint64_t>(*n));
  s.upload_out.append(header);
  s.upload_out.append(std::string_view(upload_buf_.data(), static_cast<std::size_t>(*n)));
}

void H3ClientSession::wait_for_upload(Stream& s) {
  s.upload_waiting = true;
  s.upload->wait(loop_, [this, alive = alive_, id = s.id] {
    if (!*alive || closed_) return;
    if (Stream* again = stream(id)) {
      again->upload_waiting = false;
      want_send(*again);
    }
  });
}

void H3ClientSession::section_done(Stream& s, int status) {
  if (status) s.resp.status = status;
  if (s.head_done) deliver(s.id, s);  // the body before its trailers
  complete_header_section(s.resp, s.head_done, s.sink);
}

void H3ClientSession::take_body(Stream& s, std::span<const uint8_t> bytes) {
  if (!s.sink || s.aborted) return;
  s.unconsumed += bytes.size();
  if (s.pending.empty()) with_pending_.push_back(s.id);
  s.pending.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (s.pending.size() >= std::min<std::size_t>(kMaxPending, stream_window_ / 4)) deliver(s.id, s);
}

void H3ClientSession::deliver(int64_t id, Stream& s) {
  if (s.pending.empty()) return;
  std::string bytes = std::move(s.pending);
  s.pending.clear();
  if (!s.sink || s.aborted) return;
  if (s.sink->on_body(bytes) == Backpressure::abort) {
    s.aborted = true;
    reset_stream(id, h3err::kRequestCancelled);
  }
  // The sink may have cancelled or (through the pool) closed: look again
  // before keeping the buffer for the next batch.
  bytes.clear();
  if (Stream* again = stream(id); again && again->pending.empty()) again->pending.swap(bytes);
}

void H3ClientSession::reset_stream(int64_t id, uint64_t code) {
  if (Stream* s = stream(id)) drop_send_side(*s);
  ngtcp2_conn_shutdown_stream(quic_->conn(), 0, id, code);
  quic_->schedule_write();
}

// Nothing more of the stream goes out: it leaves the send list, and lets go
// of -T's source at once (a retry on another stream reads it next; holding
// it until ngtcp2 closes this one would read from it, or cancel the retry's
// wait for it).
void H3ClientSession::drop_send_side(Stream& s) {
  turns_.remove(s);
  if (filling_ == &s) filling_ = nullptr;
  s.write_shut = true;
  s.upload.release();
}

// A malformed response: the stream is reset; its sink hears why once it closes.
void H3ClientSession::stream_fault(Stream& s) {
  const ResponseReader::Fault& f = s.reader.fault();
  s.fault = Error{Errc::http3, fmt::format("HTTP/3 stream {}: {}", s.id, f.what)};
  reset_stream(s.id, f.code);
}

// The server takes no request from the stream it names on (RFC 9114 5.2):
// those are failed as never processed (bench sends them again) and reset;
// the others finish. From the loop: a sink told of its end may close us.
void H3ClientSession::goaway_received(uint64_t first_refused) {
  goaway_ = true;
  if (cfg_.trace) cfg_.trace('*', fmt::format("HTTP/3 GOAWAY received (id {})", first_refused));
  loop_.defer([this, alive = alive_, first_refused] {
    if (!*alive || closed_) return;
    std::vector<int64_t> refused;
    for (auto& s : open_)
      if (static_cast<uint64_t>(s->id) >= first_refused && s->sink) refused.push_back(s->id);
    for (int64_t id : refused) {
      Stream* s = stream(id);
      if (!s || !s->sink) continue;
      ResponseSink* sink = std::exchange(s->sink, nullptr);
      reset_stream(id, h3err::kRequestCancelled);
      sink->on_error({Errc::empty_reply,
                      fmt::format("HTTP/3 stream {} was refused by the server's GOAWAY", id)});
      if (!*alive) return;
    }
  });
}

void H3ClientSession::on_read_done() {
  auto ids = std::move(with_pending_);
  with_pending_.clear();
  for (int64_t id : ids)
    if (Stream* s = stream(id)) deliver(id, *s);
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
  uint64_t code = s.reset_code.value_or(app_error);
  if (s.aborted) {
    s.sink->on_error({Errc::cancelled, "response abandoned by the consumer"});
  } else if (s.upload_error) {
    s.sink->on_error(*s.upload_error);
  } else if (s.fault) {
    s.sink->on_error(*s.fault);
  } else if (s.reader.complete()) {
    // Whole, whatever ended our side (RFC 9114 4.1: a server may answer
    // before the request is done, then stop it with any code).
    s.sink->on_end();
  } else if (code == h3err::kRequestRejected) {
    // Never processed by the server (RFC 9114 4.1.1): safe to retry elsewhere.
    s.sink->on_error(
        {Errc::empty_reply, fmt::format("HTTP/3 stream {} was rejected by the server", id)});
  } else {
    s.sink->on_error(
        {Errc::http3,
         fmt::format("HTTP/3 stream {} was not closed cleanly: error 0x{:x}", id, code)});
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
  if (!closed_) reset_stream(id, h3err::kRequestCancelled);
}

void H3ClientSession::fail_all(const Error& e) {
  auto streams = std::move(open_);
  open_.clear();
  turns_.clear();
  filling_ = nullptr;
  for (auto& held : streams) {
    Stream& s = *held;
    int64_t id = s.id;
    if (!s.sink) continue;
    if (s.aborted) {
      s.sink->on_error({Errc::cancelled, "response abandoned by the consumer"});
    } else if (s.fault) {
      s.sink->on_error(*s.fault);
    } else if (s.reader.complete() && !s.upload_error) {
      s.sink->on_end();  // all of it came before the connection closed
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
  if (!control_.open(quic_->conn()))
    return fail(Errc::http3, "HTTP/3 set-up: the server allows no unidirectional stream");
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

Result<std::size_t> H3ClientSession::on_stream_data(int64_t id, std::span<const uint8_t> data,
                                                    bool fin, void* user) {
  if (server_uni(id)) {
    auto before = peer_.goaway_id();
    PeerStreams::Verdict v = peer_.receive(id, data, fin);
    if (v.error) return connection_error(v.error, v.what);
    if (v.stop_reading)
      ngtcp2_conn_shutdown_stream_read(quic_->conn(), 0, id, h3err::kStreamCreation);
    if (auto now = peer_.goaway_id(); now && now != before) goaway_received(*now);
    return data.size();
  }
  if (!client_bidi(id))  // 6.1: a server opens no request streams
    return connection_error(h3err::kStreamCreation, "a bidirectional stream from the server");
  auto* s = static_cast<Stream*>(user);
  if (!s) return data.size();
  std::size_t consumed = s->reader.receive(data, fin, decoder_, *s, &last_response_);
  const ResponseReader::Fault& f = s->reader.fault();
  if (f.code && f.connection) return connection_error(f.code, f.what);
  if (f.code && !s->fault) stream_fault(*s);
  return consumed;
}

Result<void> H3ClientSession::on_stream_acked(int64_t, uint64_t n, void* user) {
  if (auto* s = static_cast<Stream*>(user)) s->acknowledged(n);
  return {};
}

Result<void> H3ClientSession::on_stream_closed(int64_t id, std::optional<uint64_t> app_error,
                                               void*) {
  if (server_uni(id)) {  // a type we do not read: room for another
    peer_.forget(id);
    ngtcp2_conn_extend_max_streams_uni(quic_->conn(), 1);
    return {};
  }
  if (client_bidi(id)) stream_closed(id, app_error.value_or(h3err::kNoError));
  return {};
}

// The server reset a stream: a critical one ends the connection; a request
// stream is over (our side stops sending too).
Result<void> H3ClientSession::on_stream_reset(int64_t id, uint64_t app_error, void* user) {
  if (server_uni(id)) {
    PeerStreams::Verdict v = peer_.reset(id);
    if (v.error) return connection_error(v.error, v.what);
    return {};
  }
  auto* s = static_cast<Stream*>(user);
  if (!s) return {};
  s->reset_code = app_error;
  if (!s->fin_sent)
    ngtcp2_conn_shutdown_stream_write(quic_->conn(), 0, id, h3err::kRequestCancelled);
  drop_send_side(*s);
  return {};
}

Result<void> H3ClientSession::on_stream_window(int64_t id, void* user) {
  if (id == control_.id()) {
    control_.set_blocked(false);
    quic_->schedule_write();
  } else if (auto* s = static_cast<Stream*>(user)) {
    s->blocked = false;
    if (s->sendable()) want_send(*s);
  }
  return {};
}

// The control stream first, then the streams with bytes to send, in turn.
Result<void> H3ClientSession::next_chunk(StreamChunk& chunk) {
  filling_ = nullptr;
  if (!control_.fill(chunk)) filling_ = turns_.fill(chunk);
  return {};
}

Result<void> H3ClientSession::chunk_written(int64_t id, std::size_t n) {
  if (id == control_.id()) {
    control_.written(n);
  } else if (filling_ && filling_->id == id) {
    filling_->written(n);
    turns_.next_turn();
  }
  return {};
}

Result<void> H3ClientSession::chunk_blocked(int64_t id) {
  if (id == control_.id())
    control_.set_blocked(true);
  else if (filling_ && filling_->id == id)
    filling_->blocked = true;
  return {};
}

// The server's STOP_SENDING: ngtcp2 reset our side; the response may still come.
Result<void> H3ClientSession::chunk_shut(int64_t id) {
  if (id == control_.id())
    return connection_error(h3err::kClosedCriticalStream, "our control stream was shut");
  if (filling_ && filling_->id == id) {
    filling_->write_shut = true;
    filling_->upload.release();
  }
  return {};
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
