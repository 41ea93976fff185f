#include "core/h3/quic_server.hpp"

#include <fmt/format.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/util/small_alloc.hpp"

namespace sluice::h3 {

namespace {

constexpr uint32_t kResetsPerSecond = 100;  // stateless resets per listener
constexpr int kBuffer = 4 << 20;  // socket send and receive buffers (up to the sysctl caps)

std::string cid_key(const uint8_t* data, std::size_t len) {
  return std::string(reinterpret_cast<const char*>(data), len);
}

}  // namespace

// --- ServerConnection ---

ServerConnection::ServerConnection(QuicServerListener& listener, const SocketAddr& remote)
    : listener_(listener), remote_(remote), expiry_(listener.loop(), [this] { on_expiry(); }) {
  conn_ref_.user_data = this;
  conn_ref_.get_conn = [](ngtcp2_crypto_conn_ref* ref) {
    return static_cast<ServerConnection*>(ref->user_data)->conn_;
  };
  ngtcp2_ccerr_default(&last_error_);
  link_.cid_added = [this](const ngtcp2_cid& cid) {
    cids_.push_back(cid_key(cid.data, cid.datalen));
    listener_.route_cid(cid, this);
  };
  link_.issue_cid = [this](ngtcp2_cid& cid, uint8_t* token) {
    cid = listener_.ids().new_cid();
    listener_.ids().reset_token(token, cid);
  };
  link_.cid_retired = [this](const ngtcp2_cid& cid) {
    std::string key = cid_key(cid.data, cid.datalen);
    std::erase(cids_, key);
    listener_.unroute_cid(cid);
  };
}

ServerConnection::~ServerConnection() {
  *alive_ = false;
  app_.reset();  // its endpoints go first, while the connection is still there
  if (conn_) ngtcp2_conn_del(conn_);
  if (tls_) gnutls_deinit(tls_);
}

Loop& ServerConnection::loop() {
  return listener_.loop();
}

Result<void> ServerConnection::accept(const ngtcp2_pkt_hd& hd,
                                      const std::optional<ngtcp2_cid>& odcid) {
  const QuicListenSpec& spec = listener_.spec();
  auto tls = listener_.tls().session(&conn_ref_);
  if (!tls) return std::unexpected(tls.error());
  tls_ = *tls;

  ngtcp2_cid scid = listener_.ids().new_cid();

  ngtcp2_settings s;
  ngtcp2_settings_default(&s);
  s.initial_ts = quic_now();
  s.handshake_timeout =
      static_cast<ngtcp2_duration>(spec.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  // Request-body windows stay where we set them (credited as endpoints take
  // the bytes).
  s.max_stream_window = spec.stream_window;
  s.max_window = 16 << 20;
  // Every packet that asks for an acknowledgement gets one in the next write,
  // which comes right after the read batch: a request's ACK rides in the
  // packets of its response. With ngtcp2's default (every second packet),
  // a client's lone packet of requests was acknowledged by a packet of its
  // own when the ACK delay ran out: one packet in three the server sent,
  // 13% of its CPU at 64 connections x 10 streams.
  s.ack_thresh = 1;

  ngtcp2_transport_params p;
  ngtcp2_transport_params_default(&p);
  p.initial_max_stream_data_bidi_remote = spec.stream_window;
  p.initial_max_stream_data_uni = 64 * 1024;  // the client's control and QPACK streams
  p.initial_max_data = 16 << 20;              // credited on receipt
  p.initial_max_streams_bidi = spec.max_streams;
  p.initial_max_streams_uni = 3;  // control, QPACK encoder and decoder
  p.max_idle_timeout =
      static_cast<ngtcp2_duration>(spec.idle_timeout.count()) * NGTCP2_MILLISECONDS;
  p.max_udp_payload_size = kRxSlotSize;
  p.stateless_reset_token_present = 1;
  listener_.ids().reset_token(p.stateless_reset_token, scid);
  p.original_dcid = hd.dcid;
  p.original_dcid_present = 1;
  if (odcid) {  // after our Retry: the address is validated by its token
    p.original_dcid = *odcid;
    p.retry_scid = hd.dcid;
    p.retry_scid_present = 1;
    s.token = hd.token;
    s.tokenlen = hd.tokenlen;
    s.token_type = NGTCP2_TOKEN_TYPE_RETRY;
  }

  app_ = std::make_unique<H3ServerSession>(*this, listener_.router());
  link_.app = app_.get();
  SocketAddr local = listener_.local();
  ngtcp2_path path = path_of(local, remote_);
  ngtcp2_callbacks cb = shared_callbacks();
  cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  int rv = ngtcp2_conn_server_new(&conn_, &hd.scid, &scid, &path, hd.version, &cb, &s, &p,
                                  small_alloc::table<ngtcp2_mem>(), &link_);
  if (rv != 0)
    return fail(Errc::quic_connect,
                fmt::format("QUIC: ngtcp2_conn_server_new: {}", ngtcp2_strerror(rv)));
  ngtcp2_conn_set_tls_native_handle(conn_, tls_);
  // Packets reach us by our own ID and, until the client learns it, by the
  // one it chose.
  for (const ngtcp2_cid* c : {static_cast<const ngtcp2_cid*>(&scid), &hd.dcid}) {
    cids_.push_back(cid_key(c->data, c->datalen));
    listener_.route_cid(*c, this);
  }
  listener_.router().count_connection();
  handshaking_ = true;
  listener_.handshake_started();
  return {};
}

void ServerConnection::end_handshake() {
  if (!handshaking_) return;
  handshaking_ = false;
  listener_.handshake_ended();
}

void ServerConnection::feed(std::span<const std::byte> pkt, const SocketAddr& from) {
  if (closed_) return;
  SocketAddr local = listener_.local();
  ngtcp2_path path = path_of(local, from);
  ngtcp2_pkt_info pi{};
  int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, reinterpret_cast<const uint8_t*>(pkt.data()),
                                pkt.size(), quic_now());
  if (rv == 0) return;
  switch (rv) {
    case NGTCP2_ERR_DRAINING:  // the peer closed
    case NGTCP2_ERR_DROP_CONN:
    case NGTCP2_ERR_RETRY:
      return drop();
    case NGTCP2_ERR_CRYPTO:
      ngtcp2_ccerr_set_tls_alert(&last_error_, ngtcp2_conn_get_tls_alert(conn_), nullptr, 0);
      break;
    case NGTCP2_ERR_CALLBACK_FAILURE:
      if (link_.app_error) {  // HTTP/3 broke the rules: its error code
        ngtcp2_ccerr_set_application_error(&last_error_, app_->close_code(), nullptr, 0);
        break;
      }
      [[fallthrough]];
    default:
      ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
  }
  close(0);
}

void ServerConnection::after_read() {
  if (closed_) return;
  if (link_.handshake_done) end_handshake();
  static_cast<QuicApp&>(*app_).on_read_done();
  if (!closed_) write();
}

void ServerConnection::schedule_write() {
  if (write_scheduled_ || closed_) return;
  write_scheduled_ = true;
  loop().defer([this, alive = alive_] {
    if (!*alive) return;
    write_scheduled_ = false;
    write();
  });
}

// Where we send is where ngtcp2's current path leads, never simply the last
// datagram's source: a replayed packet with a forged source must not
// redirect the connection (ngtcp2 moves the path only for a packet it
// authenticated, and validates the new address). The path also changes
// without a packet: a failed validation falls back to the previous one.
void ServerConnection::follow_path() {
  const ngtcp2_addr& to = ngtcp2_conn_get_path(conn_)->remote;
  if (to.addrlen > sizeof remote_.ss) return;
  std::memcpy(&remote_.ss, to.addr, to.addrlen);
  remote_.len = to.addrlen;
}

void ServerConnection::write() {
  if (closed_) return;
  if (listener_.blocked()) return listener_.wait_writable(*this);
  follow_path();
  auto flush = [this] { return listener_.flush(*this, remote_); };
  // Packets for another path (validation probes, their responses) go there,
  // not to the current peer: answered from the current path, a probe of an
  // address the client has left would "validate" it.
  auto elsewhere = [this](std::span<const uint8_t> pkt, const ngtcp2_addr& to) {
    if (to.addrlen > sizeof(sockaddr_storage)) return;
    SocketAddr addr;
    std::memcpy(&addr.ss, to.addr, to.addrlen);
    addr.len = to.addrlen;
    listener_.send_datagram(pkt, addr);
  };
  if (auto r = write_packets(conn_, static_cast<QuicApp&>(*app_), listener_.tx(), flush,
                             last_error_, elsewhere);
      !r) {
    // No transport error: HTTP/3 failed, inside a callback or on the write
    // path (next_chunk, chunk_*), and closes with its own code.
    if (ngtcp2_ccerr* e = &last_error_; e->error_code == 0)
      ngtcp2_ccerr_set_application_error(e, app_->close_code(), nullptr, 0);
    return close(0);
  }
  if (app_->shutting_down() && app_->idle()) return close();
  arm_expiry();
}

void ServerConnection::arm_expiry() {
  if (closed_) return expiry_.cancel();
  ngtcp2_tstamp t = ngtcp2_conn_get_expiry(conn_);
  if (t == UINT64_MAX) return expiry_.cancel();
  expiry_.arm(from_tstamp(t));
}

void ServerConnection::on_expiry() {
  if (closed_) return;
  int rv = ngtcp2_conn_handle_expiry(conn_, quic_now());
  if (rv == NGTCP2_ERR_IDLE_CLOSE || rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) return drop();
  if (rv != 0) {
    ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
    return close(0);
  }
  write();
}

void ServerConnection::drain() {
  if (closed_) return;
  if (!link_.handshake_done || app_->idle()) return close();
  app_->shutdown();
  schedule_write();
}

// app_error 0: the error last_error_ holds.
void ServerConnection::close(uint64_t app_error) {
  if (closed_) return;
  ngtcp2_ccerr e = last_error_;
  if (app_error) ngtcp2_ccerr_set_application_error(&e, app_error, nullptr, 0);
  if (conn_ && !ngtcp2_conn_in_closing_period(conn_) && !ngtcp2_conn_in_draining_period(conn_)) {
    follow_path();
    uint8_t buf[kTxPacketMax];
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    ngtcp2_ssize n =
        ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, buf, sizeof buf, &e, quic_now());
    if (n > 0) listener_.send_datagram({buf, static_cast<std::size_t>(n)}, remote_);
  }
  drop();
}

void ServerConnection::drop() {
  if (closed_) return;
  closed_ = true;
  end_handshake();
  expiry_.cancel();
  listener_.remove(this);
}

// --- QuicServerListener ---

QuicServerListener::QuicServerListener(Loop& loop, const QuicListenSpec& spec,
                                       serve::RequestRouter& router)
    : loop_(loop),
      spec_(spec),
      router_(router),
      ids_(spec.secret, spec.worker, spec.workers),
      rx_(kRxSlots, kRxSlotSize) {}

Result<std::unique_ptr<QuicServerListener>> QuicServerListener::open(Loop& loop,
                                                                     const QuicListenSpec& spec,
                                                                     serve::RequestRouter& router) {
  std::unique_ptr<QuicServerListener> l(new QuicServerListener(loop, spec, router));
  auto tls = QuicTlsServer::create(spec.cert_pem, spec.key_pem);
  if (!tls) return std::unexpected(tls.error());
  l->tls_ = std::move(*tls);
  UdpSocket::Events ev;
  QuicServerListener* self = l.get();
  ev.readable = [self] { self->on_readable(); };
  ev.writable = [self] { self->on_writable(); };
  ev.icmp_error = [](const IcmpError&) {};  // a vanished client: its connection idles out
  ev.closed = [](const Error&) {};
  auto s = UdpSocket::open(loop, spec.local.family(), std::move(ev));
  if (!s) return std::unexpected(s.error());
  l->sock_ = std::move(*s);
  int fd = l->sock_->fd();
  int one = 1;
  if (spec.reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return fail(Errc::address_in_use, fmt::format("SO_REUSEPORT: {}", std::strerror(errno)), errno);
  if (auto r = l->sock_->bind(spec.local); !r) return std::unexpected(r.error());
  // Worker 0's socket joins the group first: it carries the routing program.
  if (spec.reuse_port && spec.worker == 0)
    if (auto r = attach_cid_router(fd, spec.workers); !r) return std::unexpected(r.error());
  int buf = kBuffer;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  l->local_ = local_address(fd);
  l->gso_ = udp_gso_supported(fd);
  l->sock_->want_readable(true);
  return l;
}

QuicServerListener::~QuicServerListener() {
  *alive_ = false;
  close_now();
  conns_.clear();
}

void QuicServerListener::route_cid(const ngtcp2_cid& cid, ServerConnection* c) {
  cids_[cid_key(cid.data, cid.datalen)] = c;
}

void QuicServerListener::unroute_cid(const ngtcp2_cid& cid) {
  cids_.erase(cid_key(cid.data, cid.datalen));
}

void QuicServerListener::on_readable() {
  auto alive = alive_;
  for (int round = 0; round < kReadRounds; ++round) {
    auto n = recv_batch(sock_->fd(), rx_.for_recv());
    if (!n) {
      if (sock_->absorb_error(n.error().sys)) continue;
      return;
    }
    for (std::size_t i = 0; i < *n; ++i) dispatch(rx_.data(i), rx_.peer(i));
    auto touched = std::move(touched_);
    touched_.clear();
    for (ServerConnection* c : touched) {
      c->touched = false;
      c->after_read();
      if (!*alive) return;
    }
    if (*n < rx_.capacity()) return;
  }
}

void QuicServerListener::dispatch(std::span<const std::byte> pkt, const SocketAddr& from) {
  const auto* data = reinterpret_cast<const uint8_t*>(pkt.data());
  ngtcp2_version_cid vc;
  int rv = ngtcp2_pkt_decode_version_cid(&vc, data, pkt.size(), kServerCidLen);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    uint8_t buf[kTxPacketMax];
    uint32_t versions[] = {NGTCP2_PROTO_VER_V1};
    uint8_t unused = 0;
    random_bytes(&unused, 1);
    ngtcp2_ssize len = ngtcp2_pkt_write_version_negotiation(
        buf, sizeof buf, unused, vc.scid, vc.scidlen, vc.dcid, vc.dcidlen, versions, 1);
    if (len > 0) send_datagram({buf, static_cast<std::size_t>(len)}, from);
    return;
  }
  if (rv != 0) return;
  ServerConnection* c = nullptr;
  if (auto it = cids_.find(cid_key(vc.dcid, vc.dcidlen)); it != cids_.end()) {
    c = it->second;
  } else {
    // A short header naming no connection of ours: a connection this
    // server forgot (a restart) or never had. Tell the peer to stop.
    if (!(data[0] & 0x80)) return stateless_reset(pkt, vc, from);
    if (draining_) return;
    c = accept(pkt, from);
    if (!c) return;
  }
  if (c->closed()) return;
  c->feed(pkt, from);
  if (!c->touched && !c->closed()) {
    c->touched = true;
    touched_.push_back(c);
  }
}

// A client's first Initial: a new connection, unless the client must first
// prove its address (Retry) or its token is not one of ours.
ServerConnection* QuicServerListener::accept(std::span<const std::byte> pkt,
                                             const SocketAddr& from) {
  ngtcp2_pkt_hd hd;
  if (ngtcp2_accept(&hd, reinterpret_cast<const uint8_t*>(pkt.data()), pkt.size()) != 0)
    return nullptr;
  std::optional<ngtcp2_cid> odcid;
  if (hd.tokenlen > 0 && hd.token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
    odcid = ids_.verify_retry_token(hd, from);
    if (!odcid) {
      refuse(hd, from, NGTCP2_INVALID_TOKEN);
      return nullptr;
    }
  } else if (must_validate()) {
    send_retry(hd, from);
    return nullptr;
  }
  auto conn = std::make_unique<ServerConnection>(*this, from);
  if (!conn->accept(hd, odcid)) return nullptr;
  ServerConnection* c = conn.get();
  conns_.emplace(c, std::move(conn));
  return c;
}

// Retry costs the client a round trip and us no state: for every client with
// --quic-retry, else only while handshakes pile up (a flood of Initials from
// spoofed addresses never comes back with a token).
bool QuicServerListener::must_validate() const {
  return spec_.retry || (spec_.max_handshakes > 0 && handshakes_ >= spec_.max_handshakes);
}

void QuicServerListener::send_retry(const ngtcp2_pkt_hd& hd, const SocketAddr& from) {
  ngtcp2_cid scid = ids_.new_cid();  // the client comes back to it: this worker's
  uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
  std::size_t len = ids_.retry_token(token, hd.version, from, scid, hd.dcid);
  if (len == 0) return;
  uint8_t buf[kTxPacketMax];
  ngtcp2_ssize n =
      ngtcp2_crypto_write_retry(buf, sizeof buf, hd.version, &hd.scid, &scid, &hd.dcid, token, len);
  if (n > 0) send_datagram({buf, static_cast<std::size_t>(n)}, from);
  router_.count_retry();
}

// CONNECTION_CLOSE in an Initial, without a connection (a bad token).
void QuicServerListener::refuse(const ngtcp2_pkt_hd& hd, const SocketAddr& from, uint64_t error) {
  // The Initial keys come from the client's DCID, so that is our SCID here:
  // with any other the client could not decrypt the close.
  uint8_t buf[kTxPacketMax];
  ngtcp2_ssize n = ngtcp2_crypto_write_connection_close(buf, sizeof buf, hd.version, &hd.scid,
                                                        &hd.dcid, error, nullptr, 0);
  if (n > 0) send_datagram({buf, static_cast<std::size_t>(n)}, from);
}

// RFC 9000 10.3: shorter than the packet that caused it (so two endpoints
// cannot loop), at least 21 bytes, and rate limited.
void QuicServerListener::stateless_reset(std::span<const std::byte> pkt,
                                         const ngtcp2_version_cid& vc, const SocketAddr& from) {
  constexpr std::size_t kMinReset =
      1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN;
  if (vc.dcidlen != kServerCidLen || pkt.size() <= kMinReset) return;
  uint64_t second = quic_now() / NGTCP2_SECONDS;
  if (second != reset_second_) {
    reset_second_ = second;
    resets_ = 0;
  }
  if (++resets_ > kResetsPerSecond) return;
  ngtcp2_cid cid;
  ngtcp2_cid_init(&cid, vc.dcid, vc.dcidlen);
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  ids_.reset_token(token, cid);
  uint8_t rand[40];
  std::size_t randlen =
      std::min(pkt.size() - 2 - NGTCP2_STATELESS_RESET_TOKENLEN, sizeof rand);  // 1 byte shorter
  random_bytes(rand, randlen);
  uint8_t buf[1 + sizeof rand + NGTCP2_STATELESS_RESET_TOKENLEN];
  ngtcp2_ssize n = ngtcp2_pkt_write_stateless_reset(buf, sizeof buf, token, rand, randlen);
  if (n > 0) send_datagram({buf, static_cast<std::size_t>(n)}, from);
}

bool QuicServerListener::flush(ServerConnection& conn, const SocketAddr& to) {
  tx_to_ = to;
  Error err;
  switch (tx_.flush(*sock_, &tx_to_, gso_, bytes_out_, &err)) {
    case TxBatch::Sent::all:
      return true;
    case TxBatch::Sent::blocked:
      blocked_ = true;
      sock_->want_writable(true);
      wait_writable(conn);  // it writes on once the socket drains
      return false;
    case TxBatch::Sent::failed:  // that peer's packets are lost; QUIC resends
      return true;
  }
  return true;
}

void QuicServerListener::wait_writable(ServerConnection& conn) {
  if (std::find(waiting_.begin(), waiting_.end(), &conn) == waiting_.end())
    waiting_.push_back(&conn);
}

void QuicServerListener::on_writable() {
  if (tx_.pending()) {
    Error err;
    if (tx_.flush(*sock_, &tx_to_, gso_, bytes_out_, &err) == TxBatch::Sent::blocked) return;
  }
  blocked_ = false;
  sock_->want_writable(false);
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (ServerConnection* c : waiting)
    if (conns_.contains(c)) c->schedule_write();
}

void QuicServerListener::send_datagram(std::span<const uint8_t> pkt, const SocketAddr& to) {
  if (!sock_ || !sock_->is_open()) return;
  (void)::sendto(sock_->fd(), pkt.data(), pkt.size(), MSG_DONTWAIT, to.sa(), to.len);
}

void QuicServerListener::remove(ServerConnection* c) {
  for (const std::string& key : c->cids_) {
    auto it = cids_.find(key);
    if (it != cids_.end() && it->second == c) cids_.erase(it);
  }
  c->cids_.clear();
  std::erase(waiting_, c);
  loop_.defer([this, c, alive = alive_] {
    if (!*alive) return;
    conns_.erase(c);
    finish_if_drained();
  });
}

void QuicServerListener::drain(std::function<void()> done) {
  draining_ = true;
  drained_ = std::move(done);
  std::vector<ServerConnection*> all;
  for (auto& [raw, c] : conns_) all.push_back(raw);
  for (ServerConnection* c : all) c->drain();
  loop_.defer([this, alive = alive_] {
    if (*alive) finish_if_drained();
  });
}

void QuicServerListener::trim_memory() {
  small_alloc::trim();
}

void QuicServerListener::close_now() {
  draining_ = true;
  std::vector<ServerConnection*> all;
  for (auto& [raw, c] : conns_) all.push_back(raw);
  for (ServerConnection* c : all) c->close();
}

void QuicServerListener::finish_if_drained() {
  if (!draining_ || !conns_.empty() || !drained_) return;
  auto done = std::move(drained_);
  drained_ = nullptr;
  done();
}

}  // namespace sluice::h3
