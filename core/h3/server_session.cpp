#include "core/h3/server_session.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "core/h1/http_date.hpp"
#include "core/h3/quic_server.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice::h3 {

namespace {

constexpr int kMaxPulls = 16;  // per stream per drive: an endpoint saying `more` cannot spin

nghttp3_nv make_nv(std::string_view name, std::string_view value) {
  return {reinterpret_cast<const uint8_t*>(name.data()),
          reinterpret_cast<const uint8_t*>(value.data()), name.size(), value.size(),
          NGHTTP3_NV_FLAG_NONE};
}

bool client_bidi(int64_t id) {
  return (id & 0x3) == 0;
}

// A response head's fields as nghttp3 takes them (it copies them): on the
// stack, names lower-cased into one buffer, the heap only for a very large
// head. Not movable: the fields point into it.
class ResponseFields {
 public:
  ResponseFields(int status, const Headers& headers, std::optional<uint64_t> length) {
    code_ = {static_cast<char>('0' + status / 100 % 10), static_cast<char>('0' + status / 10 % 10),
             static_cast<char>('0' + status % 10)};
    std::size_t names = 0, count = kOwn;
    for (const auto& [name, value] : headers.list()) {
      names += name.size();
      ++count;
    }
    char* lower = names_.data();
    if (names > names_.size()) lower = heap_names_.assign(names, 0).data();
    nv_ = nva_.data();
    if (count > nva_.size()) {
      heap_nva_.resize(count);
      nv_ = heap_nva_.data();
    }
    add(":status", {code_.data(), code_.size()});
    add("server", "sluice");
    add("date", current_http_date());
    for (const auto& [name, value] : headers.list()) {
      if (is_connection_specific(name)) continue;
      std::transform(name.begin(), name.end(), lower,
                     [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
      add({lower, name.size()}, value);
      lower += name.size();
    }
    if (length)
      add("content-length",
          {len_.data(), std::to_chars(len_.data(), len_.data() + len_.size(), *length).ptr});
  }
  ResponseFields(const ResponseFields&) = delete;
  ResponseFields& operator=(const ResponseFields&) = delete;
  const nghttp3_nv* data() const { return nv_; }
  std::size_t size() const { return n_; }

 private:
  static constexpr std::size_t kOwn = 4;  // :status, server, date, content-length
  void add(std::string_view name, std::string_view value) { nv_[n_++] = make_nv(name, value); }

  std::array<char, 3> code_{};
  std::array<char, 20> len_{};   // 2^64 - 1 has 20 digits
  std::array<char, 512> names_;  // written before read: no zeroing per response
  std::string heap_names_;
  std::array<nghttp3_nv, 16> nva_;
  std::vector<nghttp3_nv> heap_nva_;
  nghttp3_nv* nv_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace

// One request stream: the endpoint's ResponseWriter, holding the body bytes
// not yet acknowledged (small_, then out_).
class H3ServerSession::Stream final : public serve::ResponseWriter {
 public:
  Stream(H3ServerSession& s, int64_t id) : session_(s), id_(id) {
    head_.version_major = 3;
    head_.version_minor = 0;
  }
  ~Stream() override { endpoint_.reset(); }  // cancels its timers while the loop is there

  // A closed stream taken again for a new request: all as new, but the
  // header list keeps its capacity and out_ its spare blocks.
  void reopen(int64_t id) {
    head_.reset_keeping_capacity();
    head_.version_major = 3;
    head_.version_minor = 0;
    authority.clear();
    id_ = id;
    endpoint_.reset();
    state_ = serve::Pull::done;
    small_begin_ = small_end_ = 0;
    out_.clear();
    handed_ = 0;
    uncredited_ = 0;
    no_body_ = ended_ = blocked_ = false;
  }

  int64_t id() const { return id_; }
  RequestHead& head_in() { return head_; }
  std::string authority;

  void start(std::unique_ptr<serve::Endpoint> e) {
    endpoint_ = std::move(e);
    state_ = endpoint_->pull(*this);
  }
  void pull() {
    for (int i = 0; i < kMaxPulls && wants_pull(); ++i) state_ = endpoint_->pull(*this);
  }
  bool wants_pull() const { return endpoint_ && state_ == serve::Pull::more && has_room(); }
  void on_body(std::string_view bytes) {
    uncredited_ += bytes.size();
    if (endpoint_) endpoint_->on_body(*this, bytes);
  }
  void on_body_end() {
    if (endpoint_) endpoint_->on_body_end(*this);
  }
  // Request body window back once the response queue has room again.
  void credit() {
    if (uncredited_ == 0 || !has_room()) return;
    ngtcp2_conn_extend_max_stream_offset(session_.conn_.conn(), id_, uncredited_);
    uncredited_ = 0;
    session_.conn_.schedule_write();
  }
  void closed() {
    endpoint_.reset();
    state_ = serve::Pull::done;
  }

  // nghttp3's data reader.
  nghttp3_ssize read(nghttp3_vec* vec, std::size_t veccnt, uint32_t* flags) {
    std::size_t skip = handed_, filled = 0;
    if (std::size_t small = small_end_ - small_begin_; skip < small && veccnt > 0) {
      vec[filled].base = reinterpret_cast<uint8_t*>(small_.data() + small_begin_ + skip);
      vec[filled].len = small - skip;
      handed_ += small - skip;
      skip = 0;
      ++filled;
    } else {
      skip -= std::min(skip, small);
    }
    iovec iov[64];
    int n = out_.peek(iov, 64);
    for (int i = 0; i < n && filled < veccnt; ++i) {
      std::size_t len = iov[i].iov_len;
      if (skip >= len) {
        skip -= len;
        continue;
      }
      vec[filled].base = static_cast<uint8_t*>(iov[i].iov_base) + skip;
      vec[filled].len = len - skip;
      handed_ += len - skip;
      skip = 0;
      ++filled;
    }
    if (handed_ == pending() && ended_) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      return static_cast<nghttp3_ssize>(filled);
    }
    if (filled == 0) {
      blocked_ = true;
      return NGHTTP3_ERR_WOULDBLOCK;
    }
    return static_cast<nghttp3_ssize>(filled);
  }
  void acked(uint64_t n) {
    std::size_t from_small = std::min<std::size_t>(n, small_end_ - small_begin_);
    small_begin_ += from_small;
    if (small_begin_ == small_end_) small_begin_ = small_end_ = 0;  // all acknowledged
    out_.consume(n - from_small);
    handed_ -= std::min<std::size_t>(handed_, n);
  }

  // ResponseWriter
  const RequestHead& request() const override { return head_; }
  void head(int status, const Headers& headers, std::optional<uint64_t> length) override {
    no_body_ = head_.is_head() || status == 204 || status == 304;
    ResponseFields fields(status, headers, length);
    nghttp3_data_reader reader{H3ServerSession::read_data};
    if (nghttp3_conn_submit_response(session_.h3_, id_, fields.data(), fields.size(),
                                     no_body_ ? nullptr : &reader))
      return abort();
    session_.conn_.schedule_write();
  }
  void write(std::string_view bytes) override {
    if (no_body_ || ended_) return;
    // A small body goes inline, behind what small_ holds, as long as nothing
    // waits in out_ (the order of the bytes).
    if (out_.empty() && small_end_ + bytes.size() <= small_.size()) {
      std::copy(bytes.begin(), bytes.end(),
                small_.begin() + static_cast<std::ptrdiff_t>(small_end_));
      small_end_ += bytes.size();
    } else {
      out_.append(bytes);
    }
    resume();
  }
  void end() override {
    ended_ = true;
    resume();
  }
  bool has_room() const override { return pending() < kStreamBudget; }
  bool can_sendfile(uint64_t) override { return false; }
  void sendfile(int, uint64_t, uint64_t) override {}
  void wake() override {
    if (!endpoint_) return;
    state_ = serve::Pull::more;
    session_.schedule_drive();  // never re-enter the endpoint from its own callback
  }
  void abort() override {
    ngtcp2_conn_shutdown_stream(session_.conn_.conn(), 0, id_, NGHTTP3_H3_INTERNAL_ERROR);
    session_.conn_.schedule_write();
  }
  Loop& loop() override { return session_.conn_.loop(); }

 private:
  void resume() {
    if (blocked_) {
      blocked_ = false;
      nghttp3_conn_resume_stream(session_.h3_, id_);
    }
    session_.conn_.schedule_write();
  }

  H3ServerSession& session_;
  int64_t id_;
  RequestHead head_;
  std::unique_ptr<serve::Endpoint> endpoint_;
  serve::Pull state_ = serve::Pull::done;
  std::size_t pending() const { return small_end_ - small_begin_ + out_.size(); }

  // The body bytes not yet acknowledged: small_[small_begin_, small_end_),
  // then out_. A small response never takes one of out_'s 16 KiB blocks
  // (a block per stream, with hundreds of streams open, was a malloc and a
  // cache miss per request). nghttp3 has the first handed_ of them.
  std::array<char, 1024> small_;
  std::size_t small_begin_ = 0, small_end_ = 0;
  ChainBuffer out_;
  std::size_t handed_ = 0;
  uint64_t uncredited_ = 0;
  bool no_body_ = false, ended_ = false, blocked_ = false;
};

// nghttp3's C callbacks, forwarding to the session.
struct H3ServerCallbacks {
  static H3ServerSession& self(void* user) { return *static_cast<H3ServerSession*>(user); }

  static H3ServerSession::Stream* of(void* stream_user_data) {
    return static_cast<H3ServerSession::Stream*>(stream_user_data);
  }

  static int begin_headers(nghttp3_conn*, int64_t id, void* user, void* st) {
    if (!st) self(user).open_stream(id);
    return 0;
  }

  static int recv_header(nghttp3_conn*, int64_t, int32_t token, nghttp3_rcbuf* name,
                         nghttp3_rcbuf* value, uint8_t, void*, void* sud) {
    auto* st = of(sud);
    if (!st) return 0;
    RequestHead& h = st->head_in();
    std::string_view n = rcbuf_view(name), v = rcbuf_view(value);
    switch (token) {
      case NGHTTP3_QPACK_TOKEN__METHOD:
        h.method = v;
        return 0;
      case NGHTTP3_QPACK_TOKEN__PATH:
        h.target = v;
        return 0;
      case NGHTTP3_QPACK_TOKEN__AUTHORITY:
        st->authority = v;
        return 0;
      case NGHTTP3_QPACK_TOKEN__SCHEME:
        return 0;
      case NGHTTP3_QPACK_TOKEN_CONTENT_LENGTH: {
        uint64_t len = 0;
        if (std::from_chars(v.data(), v.data() + v.size(), len).ec == std::errc())
          h.content_length = len;
        break;
      }
      default:
        break;
    }
    h.headers.add(std::string(n), std::string(v));
    return 0;
  }

  static int end_headers(nghttp3_conn*, int64_t, int fin, void* user, void* sud) {
    auto& s = self(user);
    auto* st = of(sud);
    if (!st) return 0;
    RequestHead& h = st->head_in();
    if (!h.headers.has("host") && !st->authority.empty()) h.headers.add("host", st->authority);
    h.chunked = !fin && !h.content_length;  // a body of unknown length follows
    s.router_.count_request();
    st->start(s.router_.route(h));
    return 0;
  }

  static int recv_data(nghttp3_conn*, int64_t, const uint8_t* data, size_t len, void*, void* sud) {
    if (auto* st = of(sud)) st->on_body({reinterpret_cast<const char*>(data), len});
    return 0;
  }

  static int deferred_consume(nghttp3_conn*, int64_t id, size_t n, void* user, void*) {
    ngtcp2_conn_extend_max_stream_offset(self(user).conn_.conn(), id, n);
    return 0;
  }

  static int end_stream(nghttp3_conn*, int64_t, void*, void* sud) {
    if (auto* st = of(sud)) st->on_body_end();
    return 0;
  }

  static int acked_stream_data(nghttp3_conn*, int64_t, uint64_t n, void*, void* sud) {
    if (auto* st = of(sud)) st->acked(n);
    return 0;
  }

  static int stream_close(nghttp3_conn*, int64_t id, uint64_t, void* user, void*) {
    self(user).stream_closed(id);
    return 0;
  }

  static int stop_sending(nghttp3_conn*, int64_t id, uint64_t code, void* user, void*) {
    ngtcp2_conn_shutdown_stream_read(self(user).conn_.conn(), 0, id, code);
    return 0;
  }

  static int reset_stream(nghttp3_conn*, int64_t id, uint64_t code, void* user, void*) {
    ngtcp2_conn_shutdown_stream_write(self(user).conn_.conn(), 0, id, code);
    return 0;
  }
};

nghttp3_ssize H3ServerSession::read_data(nghttp3_conn*, int64_t, nghttp3_vec* vec, size_t veccnt,
                                         uint32_t* flags, void*, void* sud) {
  auto* st = static_cast<Stream*>(sud);
  if (!st) {
    *flags |= NGHTTP3_DATA_FLAG_EOF;
    return 0;
  }
  return st->read(vec, veccnt, flags);
}

const nghttp3_callbacks& H3ServerSession::callbacks() {
  static const nghttp3_callbacks cb = [] {
    nghttp3_callbacks c{};
    c.acked_stream_data = H3ServerCallbacks::acked_stream_data;
    c.stream_close = H3ServerCallbacks::stream_close;
    c.recv_data = H3ServerCallbacks::recv_data;
    c.deferred_consume = H3ServerCallbacks::deferred_consume;
    c.begin_headers = H3ServerCallbacks::begin_headers;
    c.recv_header = H3ServerCallbacks::recv_header;
    c.end_headers = H3ServerCallbacks::end_headers;
    c.stop_sending = H3ServerCallbacks::stop_sending;
    c.end_stream = H3ServerCallbacks::end_stream;
    c.reset_stream = H3ServerCallbacks::reset_stream;
    return c;
  }();
  return cb;
}

H3ServerSession::H3ServerSession(ServerConnection& conn, serve::RequestRouter& router,
                                 uint32_t max_streams)
    : conn_(conn), router_(router), max_streams_(max_streams) {}

H3ServerSession::~H3ServerSession() {
  *alive_ = false;
  streams_.clear();
  closed_.clear();
  free_.clear();
  if (h3_) nghttp3_conn_del(h3_);
}

// The control stream and the two QPACK streams (RFC 9114 6.2).
Result<void> H3ServerSession::setup() {
  nghttp3_settings settings;
  nghttp3_settings_default(&settings);
  settings.qpack_max_dtable_capacity = 4096;
  settings.qpack_blocked_streams = 100;
  if (int rv = nghttp3_conn_server_new(&h3_, &callbacks(), &settings,
                                       small_alloc::table<nghttp3_mem>(), this))
    return std::unexpected(h3_error("set-up", rv));
  nghttp3_conn_set_max_client_streams_bidi(h3_, max_streams_);
  ngtcp2_conn* conn = conn_.conn();
  int64_t control, qenc, qdec;
  if (ngtcp2_conn_open_uni_stream(conn, &control, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn, &qenc, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn, &qdec, nullptr) != 0)
    return fail(Errc::http3, "HTTP/3 set-up: the client allows too few unidirectional streams");
  if (auto r = check_h3("control stream", nghttp3_conn_bind_control_stream(h3_, control)); !r)
    return r;
  return check_h3("QPACK streams", nghttp3_conn_bind_qpack_streams(h3_, qenc, qdec));
}

// A request stream, from the free list when one waits there: a Stream is
// over a kilobyte (its inline body buffer), past glibc's per-thread cache.
// nghttp3 keeps the Stream as the stream's user data and hands it to every
// callback: no lookup by id per callback.
void H3ServerSession::open_stream(int64_t id) {
  if (free_.empty()) {
    streams_.push_back(std::make_unique<Stream>(*this, id));
  } else {
    streams_.push_back(std::move(free_.back()));
    free_.pop_back();
    streams_.back()->reopen(id);
  }
  nghttp3_conn_set_stream_user_data(h3_, id, streams_.back().get());
}

void H3ServerSession::drive() {
  if (!h3_) return;
  bool again = false;
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    Stream* s = streams_[i].get();
    s->pull();
    s->credit();
    again = again || s->wants_pull();
  }
  recycle_closed();
  conn_.schedule_write();
  // An endpoint still saying `more` with room to write (one that compresses,
  // and has written nothing yet) is pulled again from the loop: no ACK or
  // write event would come to wake it, and the stream would stall.
  if (again) schedule_drive();
}

// Closed streams are no longer on the stack once a drive runs: up to
// kFreeStreams wait for reuse, the rest are destroyed.
void H3ServerSession::recycle_closed() {
  for (auto& s : closed_)
    if (free_.size() < kFreeStreams) free_.push_back(std::move(s));
  closed_.clear();
}

void H3ServerSession::schedule_drive() {
  if (drive_scheduled_) return;
  drive_scheduled_ = true;
  conn_.loop().defer([this, alive = alive_] {
    if (!*alive) return;
    drive_scheduled_ = false;
    drive();
  });
}

void H3ServerSession::stream_closed(int64_t id) {
  auto it = std::find_if(streams_.begin(), streams_.end(), [id](auto& s) { return s->id() == id; });
  if (it == streams_.end()) return;
  (*it)->closed();
  closed_.push_back(std::move(*it));  // may be on the stack: destroyed after the next drive
  *it = std::move(streams_.back());
  streams_.pop_back();
  schedule_drive();
}

void H3ServerSession::shutdown() {
  if (shutdown_ || !h3_) return;
  shutdown_ = true;
  // GOAWAY naming the streams already taken: they finish, later ones are refused.
  nghttp3_conn_shutdown(h3_);
}

// --- QuicApp ---

Result<void> H3ServerSession::on_handshake_done() {
  return setup();
}

Result<void> H3ServerSession::on_stream_closed(int64_t id, std::optional<uint64_t> app_error) {
  // A closed request stream makes room for another (ngtcp2 leaves that to us).
  if (client_bidi(id)) ngtcp2_conn_extend_max_streams_bidi(conn_.conn(), 1);
  if (!h3_) return {};
  int rv = nghttp3_conn_close_stream(h3_, id, app_error.value_or(NGHTTP3_H3_NO_ERROR));
  if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND) {
    stream_closed(id);
    return {};
  }
  return check_h3("stream close", rv);
}

void H3ServerSession::on_remote_streams(uint64_t max_streams) {
  if (h3_) nghttp3_conn_set_max_client_streams_bidi(h3_, max_streams);
}

}  // namespace sluice::h3
