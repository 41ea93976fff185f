#include "core/h3/quic_client.hpp"

#include <fmt/format.h>
#include <gnutls/crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/h3/h3_frame.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice::h3 {

namespace {

constexpr int kReceiveBuffer = 4 << 20;
// A PING after this long without a packet from the server (at most half the
// idle timeout). Why: when our address changes under us (NAT rebinding) and
// the first datagram from the new one carries only probing frames (say the
// second of two PATH_RESPONSEs, the first having taken the pending ACK), the
// server rightly stays on the old address (RFC 9000 9.3) and everything it
// sends is lost; having acknowledged all it got, we would wait in silence
// for the idle timeout. The PING is a non-probing packet from the new
// address: the server moves there and the transfer resumes.
constexpr Millis kKeepAlive{1000};
// A wake-up that read this much is taken for a bulk transfer (see
// QuicClient::on_readable).
constexpr uint64_t kBulkBytes = 32 * 1024;
// Coalescing stops reading (and acknowledging) for a moment while the server
// keeps sending: only with a receive buffer that holds that (the kernel
// reports twice what it grants; 2 MiB here is 1 MiB granted).
constexpr int kCoalesceMinBuffer = 2 << 20;

}  // namespace

QuicClient::QuicClient(Loop& loop, QuicClientConfig cfg, QuicApp& app)
    : loop_(loop),
      cfg_(std::move(cfg)),
      app_(app),
      expiry_(loop, [this] { on_expiry(); }),
      reread_(loop, [this] { on_reread(); }) {
  link_.app = &app;
  conn_ref_.user_data = this;
  conn_ref_.get_conn = [](ngtcp2_crypto_conn_ref* ref) {
    return static_cast<QuicClient*>(ref->user_data)->conn_;
  };
  ngtcp2_ccerr_default(&last_error_);
}

Result<std::unique_ptr<QuicClient>> QuicClient::connect(Loop& loop, QuicClientConfig cfg,
                                                        QuicApp& app) {
  std::unique_ptr<QuicClient> c(new QuicClient(loop, std::move(cfg), app));
  auto tls = QuicTlsClient::create(c->cfg_.tls, &c->conn_ref_);
  if (!tls) return std::unexpected(tls.error());
  c->tls_ = std::move(*tls);
  if (auto r = c->open_socket(); !r) return std::unexpected(r.error());
  if (auto r = c->create_conn(); !r) return std::unexpected(r.error());
  if (c->cfg_.trace)
    c->cfg_.trace(fmt::format("Trying {} with QUIC...", c->cfg_.remote.to_string()));
  c->write();
  return c;
}

QuicClient::~QuicClient() {
  *alive_ = false;
  if (conn_ && !closed_) close(h3err::kNoError, "");
  if (conn_) ngtcp2_conn_del(conn_);
}

Result<void> QuicClient::open_socket() {
  UdpSocket::Events ev;
  ev.readable = [this] { on_readable(); };
  ev.writable = [this] { on_writable(); };
  ev.icmp_error = [this](const IcmpError& e) { on_icmp(e); };
  ev.closed = [this](const Error& e) { fail(e, false); };
  auto s = UdpSocket::open(loop_, cfg_.remote.family(), std::move(ev));
  if (!s) return std::unexpected(s.error());
  sock_ = std::move(*s);
  if (auto r = sock_->connect(cfg_.remote); !r) return std::unexpected(r.error());
  local_.len = sizeof local_.ss;
  if (::getsockname(sock_->fd(), reinterpret_cast<sockaddr*>(&local_.ss), &local_.len) != 0)
    return sluice::fail(Errc::connect_failed, fmt::format("getsockname: {}", std::strerror(errno)));
  // A server's GSO burst is 40-odd datagrams of ~2.3 KiB of socket memory
  // each: the default 208 KiB receive buffer overflows within two bursts
  // while we answer the previous batch, and every drop is a retransmission
  // (measured: 180-840 drops per 100 MB, ~30 % slower). Up to rmem_max.
  // SO_RCVBUF is capped at net.core.rmem_max (208 KiB by default);
  // SO_RCVBUFFORCE passes the cap where we may (CAP_NET_ADMIN).
  int rcvbuf = kReceiveBuffer;
  if (::setsockopt(sock_->fd(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
    (void)::setsockopt(sock_->fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int got = 0;
  socklen_t got_len = sizeof got;
  if (::getsockopt(sock_->fd(), SOL_SOCKET, SO_RCVBUF, &got, &got_len) == 0)
    coalesce_ = cfg_.read_coalesce.count() > 0 && got >= kCoalesceMinBuffer;
  gso_ = udp_gso_supported(sock_->fd());
  // A server's GSO burst then arrives (over loopback, or through a NIC's
  // GRO) as one buffer: one socket buffer and one copy instead of 40-odd,
  // and no segmenting on the sender's side of loopback.
  if (udp_gro_enable(sock_->fd()))
    rx_ = std::make_unique<DatagramBatch>(kGroSlots, kGroMaxBytes, true);
  else
    rx_ = std::make_unique<DatagramBatch>(kRxSlots, kRxSlotSize);
  sock_->want_readable(true);
  return {};
}

Result<void> QuicClient::create_conn() {
  ngtcp2_cid dcid, scid;
  dcid.datalen = NGTCP2_MIN_INITIAL_DCIDLEN + 10;
  random_bytes(dcid.data, dcid.datalen);
  scid.datalen = 17;
  random_bytes(scid.data, scid.datalen);

  ngtcp2_settings s;
  ngtcp2_settings_default(&s);
  s.initial_ts = quic_now();
  s.handshake_timeout =
      static_cast<ngtcp2_duration>(cfg_.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  // The windows stay where we set them: ngtcp2 would otherwise grow them
  // and let a slow consumer's stream buffer more than the high-water mark.
  s.max_stream_window = cfg_.stream_window;
  s.max_window = cfg_.connection_window;

  ngtcp2_transport_params p;
  ngtcp2_transport_params_default(&p);
  p.initial_max_stream_data_bidi_local = cfg_.stream_window;
  p.initial_max_stream_data_uni = 64 * 1024;  // the server's control and QPACK streams
  p.initial_max_data = cfg_.connection_window;
  p.initial_max_streams_bidi = 0;  // a server opens none
  p.initial_max_streams_uni = 8;   // control, QPACK encoder and decoder, and some slack
  p.max_idle_timeout =
      static_cast<ngtcp2_duration>(cfg_.idle_timeout.count()) * NGTCP2_MILLISECONDS;
  p.max_udp_payload_size = kRxSlotSize;

  ngtcp2_path path = path_of(local_, cfg_.remote);
  ngtcp2_callbacks cb = shared_callbacks();
  cb.client_initial = ngtcp2_crypto_client_initial_cb;
  cb.recv_retry = [](ngtcp2_conn* conn, const ngtcp2_pkt_hd* hd, void* user) {
    if (auto& l = *static_cast<AppLink*>(user); l.trace)
      l.trace("QUIC: the server asked for a Retry (address validation): Initial sent again");
    return ngtcp2_crypto_recv_retry_cb(conn, hd, user);
  };
  link_.trace = cfg_.trace;
  int rv = ngtcp2_conn_client_new(&conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &s, &p,
                                  small_alloc::table<ngtcp2_mem>(), &link_);
  if (rv != 0)
    return sluice::fail(Errc::quic_connect,
                        fmt::format("QUIC: ngtcp2_conn_client_new: {}", ngtcp2_strerror(rv)));
  ngtcp2_conn_set_tls_native_handle(conn_, tls_->session());
  Millis keep_alive = std::min(kKeepAlive, cfg_.idle_timeout / 2);
  if (keep_alive.count() > 0)
    ngtcp2_conn_set_keep_alive_timeout(
        conn_, static_cast<ngtcp2_duration>(keep_alive.count()) * NGTCP2_MILLISECONDS);
  return {};
}

void QuicClient::schedule_write() {
  if (write_scheduled_ || closed_) return;
  write_scheduled_ = true;
  loop_.defer([this, alive = alive_] {
    if (!*alive) return;
    write_scheduled_ = false;
    write();
  });
}

void QuicClient::extend_stream(int64_t id, uint64_t n) {
  if (closed_ || n == 0) return;
  ngtcp2_conn_extend_max_stream_offset(conn_, id, n);
  schedule_write();
}

// --- receiving ---

// One batch at a time, each answered (ACKs, window updates) before the next
// is read: a sender kept waiting for our ACKs while we drain a deep socket
// buffer slows down. At most kReadRounds batches, then the loop's other work.
//
// Read coalescing (cfg_.read_coalesce). A server sends in bursts of a few GSO
// buffers; waking for each costs a context switch and a small batch: 9-15k
// wake-ups per GiB over loopback, 1.3-2k with coalescing, and a quarter less
// client CPU. So when a wake-up read at least kBulkBytes and drained the
// socket, more is on its way: stop listening for a moment, then read what
// arrived meanwhile in one go. The 4 MiB receive buffer holds far more than
// a sender puts out in that time, and the delay is small against the ACK
// delay ngtcp2 allows (25 ms). Not done when the kernel granted a small
// buffer (drops would cost more than the wake-ups) or when the loop's timers
// are only millisecond-precise (kernels before epoll_pwait2).
void QuicClient::on_readable() {
  auto alive = alive_;
  uint64_t before = bytes_in_;
  for (int round = 0; round < kReadRounds && !closed_; ++round) {
    auto n = read_batch();
    if (!n) return fail(n.error(), !ngtcp2_conn_in_draining_period(conn_));
    app_.on_read_done();
    if (!*alive) return;
    write();
    if (*n < rx_->capacity()) {
      if (coalesce_ && loop_.precise_timers() && bytes_in_ - before >= kBulkBytes && !closed_)
        coalesce_reads();
      return;
    }
  }
}

void QuicClient::coalesce_reads() {
  sock_->want_readable(false);
  reread_.arm(Clock::now() + cfg_.read_coalesce);
}

void QuicClient::on_reread() {
  if (closed_) return;
  sock_->want_readable(true);
  on_readable();
}

Result<std::size_t> QuicClient::read_batch() {
  for (;;) {
    auto n = recv_batch(sock_->fd(), rx_->for_recv());
    if (!n) {
      if (sock_->absorb_error(n.error().sys)) {
        if (icmp_error_) return std::unexpected(*icmp_error_);
        continue;
      }
      return std::unexpected(n.error());
    }
    ngtcp2_tstamp now = quic_now();  // one clock read per batch, not per packet
    for (std::size_t i = 0; i < *n; ++i) {
      bytes_in_ += rx_->data(i).size();
      Result<void> fed{};
      rx_->each_datagram(i, [&](std::span<const std::byte> pkt) {
        fed = feed(pkt, now);
        return fed && !closed_;
      });
      if (!fed) return std::unexpected(fed.error());
      if (closed_) return 0;
    }
    return *n;
  }
}

Result<void> QuicClient::feed(std::span<const std::byte> pkt, ngtcp2_tstamp now) {
  ngtcp2_path path = path_of(local_, cfg_.remote);
  ngtcp2_pkt_info pi{};
  int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, reinterpret_cast<const uint8_t*>(pkt.data()),
                                pkt.size(), now);
  if (rv == 0) return {};
  return std::unexpected(error_from_read(rv));
}

// What a failed ngtcp2_conn_read_pkt means for the user, and the
// CONNECTION_CLOSE it calls for (kept in last_error_).
Error QuicClient::error_from_read(int rv) {
  if (rv == NGTCP2_ERR_DRAINING) return closed_by_peer();
  if (rv == NGTCP2_ERR_CALLBACK_FAILURE && link_.app_error) {
    if (uint64_t code = app_.close_code())
      ngtcp2_ccerr_set_application_error(&last_error_, code, nullptr, 0);
    else
      ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
    return *link_.app_error;
  }
  if (rv == NGTCP2_ERR_CRYPTO) {
    uint8_t alert = ngtcp2_conn_get_tls_alert(conn_);
    ngtcp2_ccerr_set_tls_alert(&last_error_, alert, nullptr, 0);
    return tls_->handshake_error(alert);
  }
  ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
  return Error{Errc::quic_connect,
               fmt::format("QUIC connection to {} failed: {}", cfg_.tls.host, ngtcp2_strerror(rv))};
}

// The peer closed the connection: with an HTTP/3 error (curl's 95), a
// transport error (96), or cleanly (H3_NO_ERROR), which cuts only the
// streams still open (recv_failed: the session makes that 52 or 18).
Error QuicClient::closed_by_peer() const {
  const ngtcp2_ccerr* e = ngtcp2_conn_get_ccerr(conn_);
  if (e->type == NGTCP2_CCERR_TYPE_APPLICATION && e->error_code == h3err::kNoError)
    return Error{Errc::recv_failed, "QUIC connection closed by the server"};
  if (e->type == NGTCP2_CCERR_TYPE_APPLICATION)
    return Error{Errc::http3,
                 fmt::format("QUIC connection closed by the server with HTTP/3 error 0x{:x}{}",
                             e->error_code, reason_of(*e))};
  return Error{Errc::quic_connect,
               fmt::format("QUIC connection closed by the server with transport error 0x{:x}{}",
                           e->error_code, reason_of(*e))};
}

void QuicClient::on_icmp(const IcmpError& e) {
  if (icmp_error_) return;
  std::string what = std::strerror(e.err);
  if (std::string icmp = icmp_description(e); !icmp.empty()) what += " (ICMP " + icmp + ")";
  // Before the handshake this is curl's "Couldn't connect" (exit 7), not a
  // wait for the handshake timeout; later, the server is gone (96).
  Errc code = link_.handshake_done ? Errc::quic_connect : Errc::connect_failed;
  icmp_error_ = Error{code,
                      fmt::format("Failed to connect to {} port {} over QUIC: {}", cfg_.tls.host,
                                  cfg_.remote.port(), what),
                      e.err};
  fail(*icmp_error_, false);
}

// --- sending ---

void QuicClient::on_writable() {
  sock_->want_writable(false);
  write();
}

void QuicClient::write() {
  if (closed_) return;
  if (tx_.pending() && !flush_tx()) return;
  if (auto r = write_packets(
          conn_, app_, tx_, [this] { return flush_tx(); }, last_error_);
      !r)
    return fail(r.error(), true);
  arm_expiry();
}

// Sends what tx_ holds; false when the socket is full (we wait for
// writable and keep the rest) or the connection failed.
bool QuicClient::flush_tx() {
  if (closed_) return false;
  Error err;
  switch (tx_.flush(*sock_, nullptr, gso_, bytes_out_, &err)) {
    case TxBatch::Sent::all:
      return !closed_;  // an absorbed ICMP error may have failed us
    case TxBatch::Sent::blocked:
      sock_->want_writable(true);
      return false;
    case TxBatch::Sent::failed:
      fail(err, false);
      return false;
  }
  return false;
}

void QuicClient::arm_expiry() {
  if (closed_) return expiry_.cancel();
  ngtcp2_tstamp t = ngtcp2_conn_get_expiry(conn_);
  if (t == UINT64_MAX) return expiry_.cancel();
  expiry_.arm(from_tstamp(t));
}

void QuicClient::on_expiry() {
  if (closed_) return;
  int rv = ngtcp2_conn_handle_expiry(conn_, quic_now());
  // Idle during the handshake is a connect timeout (28); later the
  // connection died under the transfer (96).
  if (rv == NGTCP2_ERR_IDLE_CLOSE)
    return fail({link_.handshake_done ? Errc::quic_connect : Errc::timeout,
                 fmt::format("QUIC connection to {} timed out (idle)", cfg_.tls.host)},
                false);
  if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT)
    return fail({Errc::timeout, fmt::format("QUIC handshake with {} port {} timed out",
                                            cfg_.tls.host, cfg_.remote.port())},
                false);
  if (rv != 0) {
    ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
    return fail({Errc::quic_connect, fmt::format("QUIC: {}", ngtcp2_strerror(rv))}, true);
  }
  write();
}

// --- closing ---

void QuicClient::close(uint64_t app_error, std::string_view reason) {
  if (closed_) return;
  ngtcp2_ccerr e;
  ngtcp2_ccerr_set_application_error(&e, app_error, reinterpret_cast<const uint8_t*>(reason.data()),
                                     reason.size());
  send_close(e);
  closed_ = true;
  expiry_.cancel();
  reread_.cancel();
}

void QuicClient::send_close(const ngtcp2_ccerr& ccerr) {
  if (!conn_ || !sock_ || !sock_->is_open()) return;
  if (ngtcp2_conn_in_closing_period(conn_) || ngtcp2_conn_in_draining_period(conn_)) return;
  uint8_t buf[kTxPacketMax];
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  ngtcp2_ssize n =
      ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, buf, sizeof buf, &ccerr, quic_now());
  if (n > 0) (void)::send(sock_->fd(), buf, static_cast<std::size_t>(n), MSG_DONTWAIT);
}

void QuicClient::fail(const Error& e, bool send_close_frame) {
  if (closed_) return;
  if (send_close_frame) send_close(last_error_);
  closed_ = true;
  expiry_.cancel();
  reread_.cancel();
  // Reported from the loop, never under a caller's feet: the app may destroy us.
  loop_.defer([this, alive = alive_, e] {
    if (*alive) app_.on_closed(e);
  });
}

}  // namespace sluice::h3
