// A QUIC client connection (ngtcp2) on the project's UDP layer: one connected
// UDP socket, the TLS handshake through GnuTLS, packets read in batches and
// written in GSO batches, and one re-armable Deadline that follows
// ngtcp2_conn_get_expiry (loss recovery, pacing, idle timeout). The protocol
// above it (HTTP/3) plugs in as a QuicApp: it is told of stream data and
// hands over the stream data to send.
#pragma once

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/h3/quic_io.hpp"
#include "core/h3/quic_tls.hpp"
#include "core/loop/loop.hpp"
#include "core/net/udp.hpp"
#include "core/net/udp_batch.hpp"

namespace sluice::h3 {

struct QuicClientConfig {
  SocketAddr remote;
  QuicTlsConfig tls;
  uint64_t stream_window = 1 << 20;       // per stream; never grown by ngtcp2
  uint64_t connection_window = 64 << 20;  // credited on receipt (see on_stream_data)
  Millis handshake_timeout{10000};
  Millis idle_timeout{30000};
  // Zero: every wake-up reads. Else a wake-up that read a bulk transfer's
  // bursts and drained the socket stops listening this long.
  std::chrono::microseconds read_coalesce{0};
  std::function<void(std::string_view)> trace;  // -v connection events
};

class QuicClient final {
 public:
  // Opens the socket and sends the first Initial packet; handshake_done or
  // on_closed reports the outcome.
  static Result<std::unique_ptr<QuicClient>> connect(Loop& loop, QuicClientConfig cfg,
                                                     QuicApp& app);
  ~QuicClient();
  QuicClient(const QuicClient&) = delete;
  QuicClient& operator=(const QuicClient&) = delete;

  ngtcp2_conn* conn() const { return conn_; }
  const QuicTlsClient& tls() const { return *tls_; }
  SocketAddr local() const { return local_; }
  bool handshake_done() const { return link_.handshake_done; }
  bool closed() const { return closed_; }
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }

  // The application changed what it has to send: write at the end of this
  // loop iteration (calls coalesce).
  void schedule_write();
  // The consumer took n body bytes of stream id: open its window by as much.
  void extend_stream(int64_t id, uint64_t n);
  // Ends the connection with CONNECTION_CLOSE carrying an HTTP/3 error code.
  void close(uint64_t app_error, std::string_view reason);

 private:
  QuicClient(Loop& loop, QuicClientConfig cfg, QuicApp& app);
  Result<void> open_socket();
  Result<void> create_conn();
  void on_readable();
  void coalesce_reads();  // a bulk transfer: read again shortly, not per burst
  void on_reread();
  void on_writable();
  void on_icmp(const IcmpError& e);
  void on_expiry();
  Result<std::size_t> read_batch();  // datagrams read
  Result<void> feed(std::span<const std::byte> pkt, ngtcp2_tstamp now);
  void write();
  bool flush_tx();  // false: the socket is full, wait for writable
  void arm_expiry();
  // Ends the connection (with a CONNECTION_CLOSE carrying last_error_ when
  // send_close_frame) and tells the app from the loop.
  void fail(const Error& e, bool send_close_frame);
  void send_close(const ngtcp2_ccerr& ccerr);
  Error error_from_read(int rv);
  Error closed_by_peer() const;

  Loop& loop_;
  QuicClientConfig cfg_;
  QuicApp& app_;
  AppLink link_;  // ngtcp2's user_data
  ngtcp2_crypto_conn_ref conn_ref_{};
  std::unique_ptr<QuicTlsClient> tls_;
  std::unique_ptr<UdpSocket> sock_;
  SocketAddr local_;
  ngtcp2_conn* conn_ = nullptr;
  ngtcp2_ccerr last_error_{};
  Deadline expiry_;
  Deadline reread_;                    // armed while coalescing reads
  std::unique_ptr<DatagramBatch> rx_;  // GRO slots where the kernel has UDP_GRO
  TxBatch tx_;
  bool gso_ = false;
  // Read coalescing asked for, and the receive buffer can absorb it.
  bool coalesce_ = false;
  bool write_scheduled_ = false, closed_ = false;
  std::optional<Error> icmp_error_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::h3
