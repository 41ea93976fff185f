// What the QUIC client (quic_client.*) and the QUIC server (quic_server.*)
// share: the QuicApp seam to the HTTP/3 layer, ngtcp2's callbacks that
// forward to it, the packet writer that packs ngtcp2 packets into GSO
// batches, and time and address conversions.
#pragma once

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/net/address.hpp"
#include "core/net/udp.hpp"
#include "core/net/udp_batch.hpp"
#include "core/util/error.hpp"

namespace sluice::h3 {

// The largest datagram we accept (our max_udp_payload_size transport
// parameter), so a receive slot always holds a whole one, and the largest we
// write.
inline constexpr std::size_t kRxSlotSize = 2048;
inline constexpr std::size_t kRxSlots = 64;
// With UDP GRO a slot takes a whole coalesced run (a peer's GSO send): fewer,
// larger slots, about as many packets per system call as kRxSlots.
inline constexpr std::size_t kGroSlots = 4;
inline constexpr std::size_t kTxPacketMax = 2048;
// Receive batches one readiness event reads before the loop's other work.
inline constexpr int kReadRounds = 16;

ngtcp2_tstamp to_tstamp(TimePoint t);
TimePoint from_tstamp(ngtcp2_tstamp t);
ngtcp2_tstamp quic_now();
void random_bytes(uint8_t* dest, std::size_t n);
ngtcp2_path path_of(const SocketAddr& local, const SocketAddr& remote);
std::string reason_of(const ngtcp2_ccerr& e);  // " (reason)" or ""

// Stream data the application wants sent: up to kMaxVecs pieces of one stream.
struct StreamChunk {
  static constexpr std::size_t kMaxVecs = 16;
  int64_t stream_id = -1;  // -1: nothing to send
  bool fin = false;
  ngtcp2_vec vecs[kMaxVecs]{};
  std::size_t count = 0;
};

// What a QUIC connection asks of the protocol on top of it. Every call comes
// from inside the connection's read or write path; an error return closes the
// connection with that error.
class QuicApp {
 public:
  virtual ~QuicApp() = default;
  virtual Result<void> on_handshake_done() = 0;
  // In-order stream bytes; returns how many are consumed at once (framing):
  // the rest is given back later (extend_max_stream_offset).
  // `user` in the stream calls is the stream's ngtcp2 user data
  // (ngtcp2_conn_set_stream_user_data), nullptr until the app sets one.
  virtual Result<std::size_t> on_stream_data(int64_t id, std::span<const uint8_t> data, bool fin,
                                             void* user) = 0;
  virtual Result<void> on_stream_acked(int64_t id, uint64_t n, void* user) = 0;
  virtual Result<void> on_stream_closed(int64_t id, std::optional<uint64_t> app_error,
                                        void* user) = 0;
  // The peer reset the stream (RESET_STREAM).
  virtual Result<void> on_stream_reset(int64_t id, uint64_t app_error, void* user) = 0;
  // We no longer read the stream (ngtcp2_conn_shutdown_stream_read or
  // _stream). The peer's STOP_SENDING has no call: ngtcp2 resets the stream
  // itself, and the next write finds it shut (chunk_shut).
  virtual Result<void> on_stream_stop_sending(int64_t id, uint64_t app_error, void* user) = 0;
  virtual Result<void> on_stream_window(int64_t id, void* user) = 0;  // the peer gave window back
  virtual void on_streams_available() {}       // client: more bidi streams may open
  virtual void on_remote_streams(uint64_t) {}  // server: the peer may open this many bidi streams
  // A batch of packets has been read (outside ngtcp2's callbacks).
  virtual void on_read_done() = 0;
  // Sending: the next chunk (chunk.stream_id stays -1 when there is nothing).
  virtual Result<void> next_chunk(StreamChunk& chunk) = 0;
  virtual Result<void> chunk_written(int64_t id, std::size_t n) = 0;
  virtual Result<void> chunk_blocked(int64_t id) = 0;  // stream flow control
  virtual Result<void> chunk_shut(int64_t id) = 0;     // stream closed for writing
  // After a call failed: the H3 error code to close the connection with
  // (0: a transport INTERNAL_ERROR).
  virtual uint64_t close_code() const { return 0; }
  // The connection is over (closed by the peer, by an error or by the idle
  // timer). Called once; the connection may be destroyed inside it.
  virtual void on_closed(const Error& e) = 0;
};

// What ngtcp2's callbacks reach through their user_data: the app, why an app
// call failed (kept, and NGTCP2_ERR_CALLBACK_FAILURE returned to ngtcp2), and
// the connection-ID bookkeeping a server needs.
struct AppLink {
  QuicApp* app = nullptr;
  std::optional<Error> app_error;
  bool handshake_done = false;
  std::function<void(const ngtcp2_cid&)> cid_added, cid_retired;  // server: route these
  // Server: a new ID (of the length asked) that routes to this worker, and its
  // stateless reset token from the server's secret. Unset: both random (client).
  std::function<void(ngtcp2_cid& cid, uint8_t* token)> issue_cid;
  std::function<void(std::string_view)> trace;  // client, -v: connection events
};

// The callbacks both sides share (stream data, acks, closes, crypto, rand,
// new connection IDs); user_data must be an AppLink*. Each side adds its
// Initial and Retry handlers.
ngtcp2_callbacks shared_callbacks();

// Packets waiting for the socket: equal-sized segments for one GSO send (the
// last may be shorter), or after them one larger packet (a path MTU probe)
// that goes out alone. Holds at most kGsoMaxSegments packets.
class TxBatch {
 public:
  TxBatch() : buf_(kGsoMaxSegments * kTxPacketMax) {}
  uint8_t* tail() { return reinterpret_cast<uint8_t*>(buf_.data()) + len_; }
  std::size_t room() const { return buf_.size() - len_; }
  // n bytes were written at tail(); segment: the run's packet size.
  void add(std::size_t n, std::size_t segment) {
    if (n > segment) alone_ = n;
    len_ += n;
    segment_ = segment;
  }
  void clear() { len_ = sent_ = alone_ = 0; }
  bool pending() const { return sent_ < len_; }
  std::size_t pending_bytes() const { return len_ - sent_; }

  enum class Sent { all, blocked, failed };
  // Sends what is held to `to` (nullptr: the connected peer); on blocked the
  // rest is kept for the next call. failed: *err says why (an ICMP error
  // was absorbed by the socket, which reported it, when that is possible).
  Sent flush(UdpSocket& sock, const SocketAddr* to, bool& gso, uint64_t& bytes_out, Error* err);

 private:
  std::vector<std::byte> buf_;
  std::size_t len_ = 0, segment_ = 0, sent_ = 0;
  std::size_t alone_ = 0;  // the last packet's size if it goes out alone, else 0
};

// Where a packet goes that ngtcp2 wrote for a path other than its current
// one: a path validation probe of another address, or a PATH_RESPONSE on the
// path its PATH_CHALLENGE came by.
using SendElsewhere = std::function<void(std::span<const uint8_t> pkt, const ngtcp2_addr& to)>;

// Packs packets from conn and app into tx until ngtcp2 has nothing more, the
// congestion controller or pacer says stop, or a send quantum is done; a
// shorter packet ends a GSO run, and flush() is called to send each run
// (false: the socket is full, stop). tx holds packets for ngtcp2's current
// path only: one written for another path goes to elsewhere() at once
// (unset, as for a client that never migrates: into tx like the rest).
// last_error takes the CONNECTION_CLOSE a failure calls for.
Result<void> write_packets(ngtcp2_conn* conn, QuicApp& app, TxBatch& tx,
                           const std::function<bool()>& flush, ngtcp2_ccerr& last_error,
                           const SendElsewhere& elsewhere = {});

}  // namespace sluice::h3
