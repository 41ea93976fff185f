// The server's HTTP/3 layer over one QUIC server connection, our own (no
// nghttp3): RFC 9114's streams and frames, with QPACK on its static table
// only (qpack.hpp). Each request stream (server_stream.hpp) gets the host's
// endpoint (serve::RequestRouter) and is its serve::ResponseWriter.
//
// Streams: our control stream carries SETTINGS and, on a graceful stop,
// GOAWAY; the client's control and QPACK streams are checked by PeerStreams;
// we open no QPACK streams (RFC 9204 4.2 lets a table of capacity 0 go
// without). Request streams with bytes to send take turns, a chunk each, so
// many small responses share a packet and a large one never starves the rest.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/h2/request_fields.hpp"
#include "core/h3/peer_streams.hpp"
#include "core/h3/qpack.hpp"
#include "core/h3/quic_io.hpp"
#include "core/h3/send_turns.hpp"
#include "core/h3/server_stream.hpp"
#include "core/http/request_head.hpp"
#include "core/http/section_memo.hpp"
#include "core/serve/exchange.hpp"

namespace sluice::h3 {

class ServerConnection;

class H3ServerSession final : public QuicApp {
 public:
  H3ServerSession(ServerConnection& conn, serve::RequestRouter& router);
  ~H3ServerSession() override;
  H3ServerSession(const H3ServerSession&) = delete;
  H3ServerSession& operator=(const H3ServerSession&) = delete;

  // Graceful stop: GOAWAY; the connection closes once open streams are done.
  void shutdown();
  bool idle() const { return streams_.empty(); }
  bool shutting_down() const { return shutdown_; }
  // The H3 error code to close the connection with after an app error.
  uint64_t close_code() const override { return close_code_; }

 private:
  friend class RequestStream;

  ngtcp2_conn* conn() const;
  Loop& loop() const;
  void schedule_write();
  void schedule_drive();
  void want_send(RequestStream& s);
  void retire(std::unique_ptr<serve::Endpoint> e);  // destroyed after the current drive
  std::unexpected<Error> connection_error(uint64_t code, std::string_view what);

  RequestStream* open_stream(int64_t id);
  void drive();  // pull the endpoints that have room, then write
  void recycle_closed();
  void stream_closed(RequestStream& s);

  // QuicApp
  Result<void> on_handshake_done() override;
  Result<std::size_t> on_stream_data(int64_t id, std::span<const uint8_t> data, bool fin,
                                     void* user) override;
  Result<void> on_stream_acked(int64_t id, uint64_t n, void* user) override;
  Result<void> on_stream_closed(int64_t id, std::optional<uint64_t> app_error, void* user) override;
  Result<void> on_stream_reset(int64_t id, uint64_t app_error, void* user) override;
  Result<void> on_stream_stop_sending(int64_t id, uint64_t app_error, void* user) override;
  Result<void> on_stream_window(int64_t id, void* user) override;
  void on_read_done() override { drive(); }
  Result<void> next_chunk(StreamChunk& chunk) override;
  Result<void> chunk_written(int64_t id, std::size_t n) override;
  Result<void> chunk_blocked(int64_t id) override;
  Result<void> chunk_shut(int64_t id) override;
  void on_closed(const Error&) override {}

  ServerConnection& conn_;
  serve::RequestRouter& router_;

  ControlStream control_;  // SETTINGS, and GOAWAY on a graceful stop

  PeerStreams peer_;
  std::vector<std::unique_ptr<RequestStream>> streams_;  // open request streams
  std::vector<std::unique_ptr<RequestStream>> closed_;   // recycled after the current drive
  std::vector<std::unique_ptr<RequestStream>> free_;     // closed, kept for the next requests
  static constexpr std::size_t kFreeStreams = 32;
  std::vector<std::unique_ptr<serve::Endpoint>> retired_;  // reset streams' endpoints
  SendTurns<RequestStream> turns_;                         // streams with bytes to send
  RequestStream* filling_ = nullptr;  // the stream of the last chunk handed out

  // Shared by the streams: decoding and encoding are never interleaved.
  qpack::Decoder decoder_;
  h2::RequestFieldCheck check_;
  std::string scratch_;
  qpack::ResponseFieldCache response_fields_;
  SectionMemo<RequestHead> last_request_;  // the last clean request section and its head

  int64_t next_bidi_ = 0;  // the lowest client request stream ID not yet seen
  int64_t goaway_id_ = INT64_MAX;
  uint64_t close_code_ = h3err::kInternal;
  bool shutdown_ = false, drive_scheduled_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::h3
