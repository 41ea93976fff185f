// The QUIC side of `serve --http3`: one UDP socket per worker (bound to the
// TLS listener's port), a table from connection ID to connection, and per
// connection an ngtcp2 server connection with its GnuTLS session, its
// expiry Deadline and its HTTP/3 session.
//
// Datagrams are read in batches (recv_batch); each goes to the connection
// its Destination Connection ID names, or, when it names none and is an
// acceptable Initial (ngtcp2_accept), starts a new connection. Packets go out
// through one TxBatch per listener (GSO to one peer at a time): a connection
// packs its packets into it and sends them; when the socket is full the rest
// waits there, and the connections that wanted to write are called again on
// EPOLLOUT.
#pragma once

#include <gnutls/gnutls.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/h3/h3_frame.hpp"
#include "core/h3/quic_io.hpp"
#include "core/h3/quic_tls.hpp"
#include "core/h3/server_ids.hpp"
#include "core/h3/server_session.hpp"
#include "core/http/h3_module.hpp"

namespace sluice::h3 {

class QuicServerListener;

class ServerConnection {
 public:
  ServerConnection(QuicServerListener& listener, const SocketAddr& remote);
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  // Creates the ngtcp2 connection for the client's first Initial; odcid:
  // the client came back after our Retry, and this was its first DCID.
  Result<void> accept(const ngtcp2_pkt_hd& hd, const std::optional<ngtcp2_cid>& odcid);
  void feed(std::span<const std::byte> pkt, const SocketAddr& from);
  void after_read();  // the batch is read: the app runs, then packets go out
  void write();
  void schedule_write();
  void drain();  // GOAWAY, then close when the streams are done
  // Sends CONNECTION_CLOSE (unless the peer closed or went idle) and leaves
  // the listener.
  void close(uint64_t app_error = h3err::kNoError);

  ngtcp2_conn* conn() const { return conn_; }
  Loop& loop();
  bool closed() const { return closed_; }
  bool touched = false;  // in the listener's list of connections read this batch

 private:
  void on_expiry();
  void arm_expiry();
  void follow_path();    // remote_ becomes ngtcp2's current path's peer
  void drop();           // leave the listener without a word
  void end_handshake();  // no longer counted as a handshake in progress

  QuicServerListener& listener_;
  SocketAddr remote_;
  ngtcp2_crypto_conn_ref conn_ref_{};
  gnutls_session_t tls_ = nullptr;
  ngtcp2_conn* conn_ = nullptr;
  AppLink link_;
  std::unique_ptr<H3ServerSession> app_;
  ngtcp2_ccerr last_error_{};
  Deadline expiry_;
  bool closed_ = false, write_scheduled_ = false;
  bool handshaking_ = false;       // counted in the listener's handshakes in progress
  std::vector<std::string> cids_;  // every ID the table routes to us
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  friend class QuicServerListener;
};

class QuicServerListener final : public QuicListener {
 public:
  static Result<std::unique_ptr<QuicServerListener>> open(Loop& loop, const QuicListenSpec& spec,
                                                          serve::RequestRouter& router);
  ~QuicServerListener() override;

  SocketAddr local() const override { return local_; }
  std::size_t connections() const override { return conns_.size(); }
  void drain(std::function<void()> done) override;
  void close_now() override;
  void trim_memory() override;

  // For the connections.
  Loop& loop() { return loop_; }
  const QuicListenSpec& spec() const { return spec_; }
  serve::RequestRouter& router() { return router_; }
  const QuicTlsServer& tls() const { return *tls_; }
  const ServerIds& ids() const { return ids_; }
  void handshake_started() { ++handshakes_; }
  void handshake_ended() { --handshakes_; }
  void route_cid(const ngtcp2_cid& cid, ServerConnection* c);
  void unroute_cid(const ngtcp2_cid& cid);
  // Sends what conn packed into tx(); false when the socket is full (conn
  // is called again once it drains).
  TxBatch& tx() { return tx_; }
  bool flush(ServerConnection& conn, const SocketAddr& to);
  bool blocked() const { return blocked_; }
  void wait_writable(ServerConnection& conn);
  void send_datagram(std::span<const uint8_t> pkt, const SocketAddr& to);
  void remove(ServerConnection* c);  // destroyed after this loop iteration

 private:
  QuicServerListener(Loop& loop, const QuicListenSpec& spec, serve::RequestRouter& router);
  void on_readable();
  void on_writable();
  void dispatch(std::span<const std::byte> pkt, const SocketAddr& from);
  ServerConnection* accept(std::span<const std::byte> pkt, const SocketAddr& from);
  bool must_validate() const;
  void send_retry(const ngtcp2_pkt_hd& hd, const SocketAddr& from);
  void refuse(const ngtcp2_pkt_hd& hd, const SocketAddr& from, uint64_t error);
  void stateless_reset(std::span<const std::byte> pkt, const ngtcp2_version_cid& vc,
                       const SocketAddr& from);
  void finish_if_drained();

  Loop& loop_;
  QuicListenSpec spec_;
  serve::RequestRouter& router_;
  std::unique_ptr<QuicTlsServer> tls_;
  ServerIds ids_;
  uint32_t handshakes_ = 0;  // connections accepted whose handshake is not done
  // Stateless resets sent in the current second (at most kResetsPerSecond:
  // they answer unauthenticated packets, so they must not amplify a flood).
  uint64_t reset_second_ = 0;
  uint32_t resets_ = 0;
  std::unique_ptr<UdpSocket> sock_;
  SocketAddr local_;
  DatagramBatch rx_;
  TxBatch tx_;
  SocketAddr tx_to_;  // whose packets tx_ holds
  bool gso_ = false, blocked_ = false;
  uint64_t bytes_out_ = 0;
  std::unordered_map<std::string, ServerConnection*> cids_;
  std::unordered_map<ServerConnection*, std::unique_ptr<ServerConnection>> conns_;
  std::vector<ServerConnection*> touched_, waiting_;
  bool draining_ = false;
  std::function<void()> drained_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::h3
