// HTTP/3 server session (nghttp3) over one QUIC server connection: each
// request stream gets the host's endpoint (serve::RequestRouter) and is its
// serve::ResponseWriter.
//
// Bodies are produced on demand: nghttp3's data reader hands out what the
// endpoint has queued and returns NGHTTP3_ERR_WOULDBLOCK when nothing is;
// the stream resumes (nghttp3_conn_resume_stream) on the endpoint's next
// write. Sent bytes stay queued until the peer acknowledges them, and an
// endpoint writes only while its stream holds under kStreamBudget, so a
// stream costs at most that much however large the body and however slow the
// peer; a body's first KiB is held inline, so a small response allocates no
// buffer block. Request body bytes are credited to the peer's stream window only
// while the response queue has room (/echo cannot outrun its reader).
#pragma once

#include <nghttp3/nghttp3.h>

#include <memory>
#include <vector>

#include "core/h3/h3_glue.hpp"
#include "core/serve/exchange.hpp"
#include "core/util/buffer.hpp"

namespace sluice::h3 {

class ServerConnection;

class H3ServerSession final : public Http3Glue {
 public:
  static constexpr std::size_t kStreamBudget = 256 * 1024;

  H3ServerSession(ServerConnection& conn, serve::RequestRouter& router, uint32_t max_streams);
  ~H3ServerSession() override;
  H3ServerSession(const H3ServerSession&) = delete;
  H3ServerSession& operator=(const H3ServerSession&) = delete;

  // Graceful stop: GOAWAY; the connection closes once open streams are done.
  void shutdown();
  bool idle() const { return streams_.empty(); }
  bool shutting_down() const { return shutdown_; }

 private:
  class Stream;
  friend class Stream;
  friend struct H3ServerCallbacks;

  static const nghttp3_callbacks& callbacks();
  static nghttp3_ssize read_data(nghttp3_conn*, int64_t, nghttp3_vec* vec, size_t veccnt,
                                 uint32_t* flags, void* user, void*);
  Result<void> setup();
  void open_stream(int64_t id);
  void recycle_closed();
  void drive();  // pull the endpoints that have room, then write
  void schedule_drive();
  void stream_closed(int64_t id);
  void maybe_finish();

  // QuicApp
  Result<void> on_handshake_done() override;
  Result<void> on_stream_closed(int64_t id, std::optional<uint64_t> app_error) override;
  void on_remote_streams(uint64_t max_streams) override;
  void on_read_done() override { drive(); }
  void on_closed(const Error&) override {}

  ServerConnection& conn_;
  serve::RequestRouter& router_;
  uint32_t max_streams_;
  std::vector<std::unique_ptr<Stream>> streams_;  // open request streams (few: a scan)
  std::vector<std::unique_ptr<Stream>> closed_;   // recycled after the current drive
  std::vector<std::unique_ptr<Stream>> free_;     // closed, kept for the next requests
  static constexpr std::size_t kFreeStreams = 32;
  bool shutdown_ = false, drive_scheduled_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::h3
