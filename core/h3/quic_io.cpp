#include "core/h3/quic_io.hpp"

#include <fmt/format.h>
#include <gnutls/crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sluice::h3 {

ngtcp2_tstamp to_tstamp(TimePoint t) {
  return static_cast<ngtcp2_tstamp>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

TimePoint from_tstamp(ngtcp2_tstamp t) {
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(t)));
}

ngtcp2_tstamp quic_now() {
  return to_tstamp(Clock::now());
}

void random_bytes(uint8_t* dest, std::size_t n) {
  gnutls_rnd(GNUTLS_RND_RANDOM, dest, n);
}

ngtcp2_path path_of(const SocketAddr& local, const SocketAddr& remote) {
  return ngtcp2_path{
      {const_cast<sockaddr*>(local.sa()), local.len},
      {const_cast<sockaddr*>(remote.sa()), remote.len},
      nullptr,
  };
}

std::string reason_of(const ngtcp2_ccerr& e) {
  if (!e.reason || !e.reasonlen) return "";
  return fmt::format(" ({})",
                     std::string_view(reinterpret_cast<const char*>(e.reason), e.reasonlen));
}

namespace {

// ngtcp2's C callbacks, forwarding to the AppLink's QuicApp. A failing app
// call is kept in app_error and turned into NGTCP2_ERR_CALLBACK_FAILURE,
// which ngtcp2 returns from the read or write.
struct Callbacks {
  static AppLink& link(void* user_data) { return *static_cast<AppLink*>(user_data); }

  static int check(AppLink& l, Result<void> r) {
    if (r) return 0;
    if (!l.app_error) l.app_error = r.error();
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }

  static int handshake_completed(ngtcp2_conn*, void* user_data) {
    AppLink& l = link(user_data);
    l.handshake_done = true;
    return check(l, l.app->on_handshake_done());
  }

  static int recv_stream_data(ngtcp2_conn* conn, uint32_t flags, int64_t id, uint64_t,
                              const uint8_t* data, size_t len, void* user_data, void* sud) {
    AppLink& l = link(user_data);
    bool fin = flags & NGTCP2_STREAM_DATA_FLAG_FIN;
    auto consumed = l.app->on_stream_data(id, {data, len}, fin, sud);
    if (!consumed) return check(l, std::unexpected(consumed.error()));
    // Framing is credited now; body bytes when their consumer takes them.
    // The connection window is credited on receipt, so one stalled stream
    // never starves the others: what is buffered is bounded by the streams'
    // windows.
    ngtcp2_conn_extend_max_stream_offset(conn, id, *consumed);
    ngtcp2_conn_extend_max_offset(conn, len);
    return 0;
  }

  static int acked(ngtcp2_conn*, int64_t id, uint64_t, uint64_t len, void* user_data, void* sud) {
    AppLink& l = link(user_data);
    return check(l, l.app->on_stream_acked(id, len, sud));
  }

  static int stream_close(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t code, void* user_data,
                          void* sud) {
    AppLink& l = link(user_data);
    std::optional<uint64_t> app_error;
    if (flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) app_error = code;
    return check(l, l.app->on_stream_closed(id, app_error, sud));
  }

  static int stream_reset(ngtcp2_conn*, int64_t id, uint64_t, uint64_t code, void* user_data,
                          void* sud) {
    AppLink& l = link(user_data);
    return check(l, l.app->on_stream_reset(id, code, sud));
  }

  static int stop_sending(ngtcp2_conn*, int64_t id, uint64_t code, void* user_data, void* sud) {
    AppLink& l = link(user_data);
    return check(l, l.app->on_stream_stop_sending(id, code, sud));
  }

  static int extend_stream_data(ngtcp2_conn*, int64_t id, uint64_t, void* user_data, void* sud) {
    AppLink& l = link(user_data);
    return check(l, l.app->on_stream_window(id, sud));
  }

  static int extend_streams_bidi(ngtcp2_conn*, uint64_t, void* user_data) {
    link(user_data).app->on_streams_available();
    return 0;
  }

  static int extend_remote_streams_bidi(ngtcp2_conn*, uint64_t max_streams, void* user_data) {
    link(user_data).app->on_remote_streams(max_streams);
    return 0;
  }

  static void rand(uint8_t* dest, size_t len, const ngtcp2_rand_ctx*) { random_bytes(dest, len); }

  static int new_connection_id(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t len,
                               void* user_data) {
    AppLink& l = link(user_data);
    if (l.issue_cid) {
      l.issue_cid(*cid, token);
    } else {
      random_bytes(cid->data, len);
      cid->datalen = len;
      random_bytes(token, NGTCP2_STATELESS_RESET_TOKENLEN);
    }
    if (l.cid_added) l.cid_added(*cid);
    return 0;
  }

  static int remove_connection_id(ngtcp2_conn*, const ngtcp2_cid* cid, void* user_data) {
    if (AppLink& l = link(user_data); l.cid_retired) l.cid_retired(*cid);
    return 0;
  }
};

}  // namespace

ngtcp2_callbacks shared_callbacks() {
  ngtcp2_callbacks cb{};
  cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.update_key = ngtcp2_crypto_update_key_cb;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb.rand = Callbacks::rand;
  cb.get_new_connection_id = Callbacks::new_connection_id;
  cb.remove_connection_id = Callbacks::remove_connection_id;
  cb.handshake_completed = Callbacks::handshake_completed;
  cb.recv_stream_data = Callbacks::recv_stream_data;
  cb.acked_stream_data_offset = Callbacks::acked;
  cb.stream_close = Callbacks::stream_close;
  cb.stream_reset = Callbacks::stream_reset;
  cb.stream_stop_sending = Callbacks::stop_sending;
  cb.extend_max_stream_data = Callbacks::extend_stream_data;
  cb.extend_max_local_streams_bidi = Callbacks::extend_streams_bidi;
  cb.extend_max_remote_streams_bidi = Callbacks::extend_remote_streams_bidi;
  return cb;
}

TxBatch::Sent TxBatch::flush(UdpSocket& sock, const SocketAddr* to, bool& gso, uint64_t& bytes_out,
                             Error* err) {
  while (sent_ < len_) {
    // The GSO run, then (once it is sent) the packet that goes alone.
    std::size_t run_end = len_ - alone_;
    bool single = sent_ >= run_end;
    std::size_t segment = single ? alone_ : segment_;
    std::span<const std::byte> rest(buf_.data() + sent_, (single ? len_ : run_end) - sent_);
    Result<std::size_t> n = 0;
    if (gso && rest.size() > segment) {
      n = send_gso(sock.fd(), rest, static_cast<uint16_t>(segment), to);
      if (!n && n.error().sys == EIO) {  // no GSO on this route after all
        gso = false;
        continue;
      }
    } else {
      std::size_t len = std::min(rest.size(), segment);
      ssize_t s = to ? ::sendto(sock.fd(), rest.data(), len, MSG_DONTWAIT, to->sa(), to->len)
                     : ::send(sock.fd(), rest.data(), len, MSG_DONTWAIT);
      if (s >= 0) {
        n = static_cast<std::size_t>(s);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        n = 0;
      } else {
        n = sluice::fail(Errc::send_failed, fmt::format("QUIC: send: {}", std::strerror(errno)),
                         errno);
      }
    }
    if (!n) {
      if (sock.absorb_error(n.error().sys)) continue;  // its icmp_error event reported it
      if (err) *err = n.error();
      clear();
      return Sent::failed;
    }
    if (*n == 0) return Sent::blocked;
    sent_ += *n;
    bytes_out += *n;
  }
  clear();
  return Sent::all;
}

namespace {

// One GSO send carries at most this much: a UDP datagram's 64 KiB less
// the IPv6 and UDP headers, rounded down.
constexpr std::size_t kGsoMaxBytes = 65000;

Result<ssize_t> write_one(ngtcp2_conn* conn, QuicApp& app, uint8_t* dest, std::size_t max,
                          ngtcp2_path_storage& ps, ngtcp2_tstamp ts, ngtcp2_ccerr& last_error) {
  StreamChunk chunk;
  if (auto r = app.next_chunk(chunk); !r) return std::unexpected(r.error());
  for (;;) {
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE | (chunk.fin ? NGTCP2_WRITE_STREAM_FLAG_FIN : 0);
    ngtcp2_ssize ndatalen = -1;
    ngtcp2_pkt_info pi{};
    ngtcp2_ssize n = ngtcp2_conn_writev_stream(conn, &ps.path, &pi, dest, max, &ndatalen, flags,
                                               chunk.stream_id, chunk.vecs, chunk.count, ts);
    Result<void> told{};
    if (n >= 0) {
      if (ndatalen >= 0)
        told = app.chunk_written(chunk.stream_id, static_cast<std::size_t>(ndatalen));
      if (!told) return std::unexpected(told.error());
      return n;
    }
    if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
      told = app.chunk_blocked(chunk.stream_id);
    } else if (n == NGTCP2_ERR_STREAM_SHUT_WR) {
      told = app.chunk_shut(chunk.stream_id);
    } else if (n == NGTCP2_ERR_WRITE_MORE) {
      told = app.chunk_written(chunk.stream_id, static_cast<std::size_t>(ndatalen));
    } else {
      ngtcp2_ccerr_set_liberr(&last_error, static_cast<int>(n), nullptr, 0);
      return sluice::fail(Errc::send_failed, fmt::format("QUIC: writing a packet: {}",
                                                         ngtcp2_strerror(static_cast<int>(n))));
    }
    if (!told) return std::unexpected(told.error());
    chunk = StreamChunk{};
    if (auto r = app.next_chunk(chunk); !r) return std::unexpected(r.error());
  }
}

}  // namespace

// Equal-sized packets go out in one GSO send, a shorter one ends the batch
// (as ngtcp2's examples do).
Result<void> write_packets(ngtcp2_conn* conn, QuicApp& app, TxBatch& tx,
                           const std::function<bool()>& flush, ngtcp2_ccerr& last_error,
                           const SendElsewhere& elsewhere) {
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  // ngtcp2 may write up to the endpoint's maximum (a path MTU probe is that
  // big), but a full packet of the path is path_max: a packet of any other
  // size ends the GSO run. Comparing with the maximum made every full packet
  // look short (one sendto each); writing only path_max left no room for the
  // probes (packets stayed at 1200 bytes).
  std::size_t max = std::min(ngtcp2_conn_get_max_tx_udp_payload_size(conn), kTxPacketMax);
  std::size_t path_max = std::min(ngtcp2_conn_get_path_max_tx_udp_payload_size(conn), max);
  std::size_t quantum = ngtcp2_conn_get_send_quantum(conn);
  std::size_t max_pkts =
      std::clamp<std::size_t>(std::min(quantum, kGsoMaxBytes) / path_max, 1, kGsoMaxSegments);
  ngtcp2_tstamp ts = quic_now();
  bool blocked = false;
  for (std::size_t pkts = 0; pkts < max_pkts && tx.room() >= max; ++pkts) {
    auto n = write_one(conn, app, tx.tail(), max, ps, ts, last_error);
    if (!n) {
      tx.clear();  // half a batch of a failed connection must not go to the next one's peer
      return std::unexpected(n.error());
    }
    if (*n == 0) break;
    if (elsewhere && !ngtcp2_path_eq(&ps.path, ngtcp2_conn_get_path(conn))) {
      // Not for the peer the batch goes to: sent alone, and left out of tx
      // (the next packet is written over it).
      elsewhere({tx.tail(), static_cast<std::size_t>(*n)}, ps.path.remote);
      continue;
    }
    tx.add(static_cast<std::size_t>(*n), path_max);
    if (static_cast<std::size_t>(*n) != path_max && !flush()) {
      blocked = true;
      break;
    }
  }
  if (!blocked && tx.pending()) flush();
  ngtcp2_conn_update_pkt_tx_time(conn, ts);
  return {};
}

}  // namespace sluice::h3
