#include "core/h3/server_session.hpp"

#include <algorithm>

#include "core/h3/quic_server.hpp"

namespace sluice::h3 {

namespace {

RequestStream* as_stream(void* user) {
  return static_cast<RequestStream*>(user);
}

}  // namespace

H3ServerSession::H3ServerSession(ServerConnection& conn, serve::RequestRouter& router)
    : conn_(conn), router_(router) {}

H3ServerSession::~H3ServerSession() {
  *alive_ = false;
  retired_.clear();
  streams_.clear();
  closed_.clear();
  free_.clear();
}

ngtcp2_conn* H3ServerSession::conn() const {
  return conn_.conn();
}

Loop& H3ServerSession::loop() const {
  return conn_.loop();
}

void H3ServerSession::schedule_write() {
  conn_.schedule_write();
}

void H3ServerSession::schedule_drive() {
  if (drive_scheduled_) return;
  drive_scheduled_ = true;
  loop().defer([this, alive = alive_] {
    if (!*alive) return;
    drive_scheduled_ = false;
    drive();
  });
}

void H3ServerSession::retire(std::unique_ptr<serve::Endpoint> e) {
  retired_.push_back(std::move(e));
  schedule_drive();
}

void H3ServerSession::want_send(RequestStream& s) {
  turns_.add(s);
  schedule_write();
}

std::unexpected<Error> H3ServerSession::connection_error(uint64_t code, std::string_view what) {
  close_code_ = code;
  return fail(Errc::http3, fmt::format("HTTP/3: {}", what));
}

Result<void> H3ServerSession::on_handshake_done() {
  if (!control_.open(conn()))
    return fail(Errc::http3, "HTTP/3 set-up: the client allows no unidirectional stream");
  schedule_write();
  return {};
}

// A request stream, from the free list when one waits there: a stream is
// over a kilobyte (its inline body buffer), past glibc's per-thread cache.
// ngtcp2 keeps it as the stream's user data and hands it to every callback.
RequestStream* H3ServerSession::open_stream(int64_t id) {
  if (free_.empty()) {
    streams_.push_back(std::make_unique<RequestStream>(*this));
  } else {
    streams_.push_back(std::move(free_.back()));
    free_.pop_back();
  }
  RequestStream* s = streams_.back().get();
  s->open(id);
  ngtcp2_conn_set_stream_user_data(conn(), id, s);
  return s;
}

Result<std::size_t> H3ServerSession::on_stream_data(int64_t id, std::span<const uint8_t> data,
                                                    bool fin, void* user) {
  if (!client_bidi(id)) {
    PeerStreams::Verdict v = peer_.receive(id, data, fin);
    if (v.error) return connection_error(v.error, v.what);
    if (v.stop_reading) ngtcp2_conn_shutdown_stream_read(conn(), 0, id, h3err::kStreamCreation);
    return data.size();
  }
  RequestStream* s = as_stream(user);
  if (!s) {
    next_bidi_ = std::max(next_bidi_, id + 4);
    if (id >= goaway_id_) {  // after our GOAWAY: never processed (5.2)
      ngtcp2_conn_shutdown_stream(conn(), 0, id, h3err::kRequestRejected);
      return data.size();
    }
    s = open_stream(id);
  }
  uint64_t error = 0;
  std::size_t consumed = s->receive(data, fin, error);
  if (error) return connection_error(error, "a framing error on a request stream");
  return consumed;
}

Result<void> H3ServerSession::on_stream_acked(int64_t, uint64_t n, void* user) {
  if (RequestStream* s = as_stream(user)) s->acked(n);
  return {};
}

Result<void> H3ServerSession::on_stream_closed(int64_t id, std::optional<uint64_t>, void* user) {
  // A closed stream of the client's makes room for another (ngtcp2 leaves
  // that to us): a request stream, or a unidirectional one of a type we do
  // not read (the critical ones never close while the connection lives).
  if (client_bidi(id)) {
    ngtcp2_conn_extend_max_streams_bidi(conn(), 1);
  } else if ((id & 0x3) == 2) {
    ngtcp2_conn_extend_max_streams_uni(conn(), 1);
    peer_.forget(id);
  }
  if (RequestStream* s = as_stream(user)) stream_closed(*s);
  return {};
}

Result<void> H3ServerSession::on_stream_reset(int64_t id, uint64_t, void* user) {
  if (!client_bidi(id)) {
    PeerStreams::Verdict v = peer_.reset(id);
    if (v.error) return connection_error(v.error, v.what);
    return {};
  }
  if (RequestStream* s = as_stream(user)) s->peer_reset();
  return {};
}

// We stopped reading a stream (a stream error, an unknown stream type): done
// already where we did it.
Result<void> H3ServerSession::on_stream_stop_sending(int64_t, uint64_t, void*) {
  return {};
}

Result<void> H3ServerSession::on_stream_window(int64_t id, void* user) {
  if (id == control_.id()) {
    control_.set_blocked(false);
    schedule_write();
  } else if (RequestStream* s = as_stream(user); s && s->unblock()) {
    want_send(*s);
  }
  return {};
}

// The control stream first, then the streams with bytes to send, in turn.
Result<void> H3ServerSession::next_chunk(StreamChunk& chunk) {
  filling_ = nullptr;
  if (!control_.fill(chunk)) filling_ = turns_.fill(chunk);
  return {};
}

Result<void> H3ServerSession::chunk_written(int64_t id, std::size_t n) {
  if (id == control_.id()) {
    control_.written(n);
  } else if (filling_ && filling_->id() == id) {
    filling_->written(n);
    turns_.next_turn();
  }
  return {};
}

Result<void> H3ServerSession::chunk_blocked(int64_t id) {
  if (id == control_.id())
    control_.set_blocked(true);
  else if (filling_ && filling_->id() == id)
    filling_->blocked();
  return {};
}

Result<void> H3ServerSession::chunk_shut(int64_t id) {
  if (id == control_.id())
    return connection_error(h3err::kClosedCriticalStream, "our control stream was shut");
  if (filling_ && filling_->id() == id) filling_->shut();
  return {};
}

void H3ServerSession::drive() {
  bool again = false;
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    RequestStream* s = streams_[i].get();
    s->pull();
    s->credit();
    again = again || s->wants_pull();
  }
  recycle_closed();
  schedule_write();
  // An endpoint still saying `more` with room to write (one that compresses,
  // and has written nothing yet) is pulled again from the loop: no ACK or
  // write event would come to wake it, and the stream would stall.
  if (again) schedule_drive();
}

// Closed streams are no longer on the stack once a drive runs: up to
// kFreeStreams wait for reuse, the rest are destroyed.
void H3ServerSession::recycle_closed() {
  retired_.clear();
  for (auto& s : closed_)
    if (free_.size() < kFreeStreams) free_.push_back(std::move(s));
  closed_.clear();
}

void H3ServerSession::stream_closed(RequestStream& s) {
  s.closed();
  turns_.remove(s);
  if (filling_ == &s) filling_ = nullptr;
  auto it = std::find_if(streams_.begin(), streams_.end(), [&s](auto& p) { return p.get() == &s; });
  if (it == streams_.end()) return;
  closed_.push_back(std::move(*it));  // may be on the stack: destroyed after the next drive
  *it = std::move(streams_.back());
  streams_.pop_back();
  schedule_drive();
}

// GOAWAY naming the first request stream not yet seen (5.2): the streams
// already taken finish, later ones are refused.
void H3ServerSession::shutdown() {
  if (shutdown_ || !control_.opened()) return;
  shutdown_ = true;
  goaway_id_ = next_bidi_;
  control_.goaway(static_cast<uint64_t>(goaway_id_));
  schedule_write();
}

}  // namespace sluice::h3
