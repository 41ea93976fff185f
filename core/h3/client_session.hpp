// HTTP/3 client session over a QuicClient: many request streams on one QUIC
// connection, behind the same ClientSession interface as h1 and h2. The
// HTTP/3 layer is our own, as the server's (server_session.hpp): RFC 9114's
// frames, QPACK on the static table only (our SETTINGS allow no dynamic
// table, so no response can block and no QPACK stream is needed), and the
// server's control and QPACK streams checked by PeerStreams. Flow control
// follows the consumer as in h2: a stream's window is given back only for
// body bytes its consumer has taken, framing bytes at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/h3/peer_streams.hpp"
#include "core/h3/qpack.hpp"
#include "core/h3/quic_client.hpp"
#include "core/h3/response_reader.hpp"
#include "core/h3/send_turns.hpp"
#include "core/http/body_source.hpp"
#include "core/http/client_session.hpp"
#include "core/http/stream_fields.hpp"
#include "core/util/buffer.hpp"

namespace sluice::h3 {

// Appends a request's field section (QPACK: static references and literals)
// as a HEADERS frame's payload.
void encode_request_fields(const RequestFields& fields, std::string& out);

struct H3ClientConfig {
  uint32_t max_concurrent_streams = 100;  // we never open more, whatever the peer allows
  std::function<void(char, std::string_view)> trace;  // -v: '>' request heads, '*' events
};

class H3ClientSession final : public ClientSession, private QuicApp {
 public:
  // Called once, from the loop: the handshake is done and HTTP/3 is set up,
  // or the connection failed. The session may be destroyed inside it.
  using Ready = std::function<void(Result<void>)>;

  static Result<std::unique_ptr<H3ClientSession>> connect(Loop& loop, QuicClientConfig quic,
                                                          H3ClientConfig cfg, Ready ready);
  ~H3ClientSession() override;

  Result<StreamId> submit(const Request& req, ResponseSink& sink) override;
  void consumed(StreamId id, std::size_t n) override;
  void resume(StreamId) override {}  // the window does the pausing
  void cancel(StreamId id) override;
  bool can_submit() const override;
  bool reusable() const override { return !closed_ && !goaway_; }
  std::string protocol() const override { return "3"; }
  const ClientSessionStats& stats() const override;

  const QuicClient& quic() const { return *quic_; }

 private:
  struct Stream;

  H3ClientSession(Loop& loop, H3ClientConfig cfg, uint64_t stream_window, Ready ready);
  Stream* stream(int64_t id);
  Stream& open_stream(int64_t id);
  std::unique_ptr<Stream> take_stream(int64_t id);  // out of open_
  void keep_spare(std::unique_ptr<Stream> s);
  void want_send(Stream& s);
  void pull_upload(Stream& s);
  void wait_for_upload(Stream& s);
  void section_done(Stream& s, int status);
  void take_body(Stream& s, std::span<const uint8_t> bytes);
  void deliver(int64_t id, Stream& s);
  void stream_fault(Stream& s);
  void reset_stream(int64_t id, uint64_t code);
  void drop_send_side(Stream& s);
  void goaway_received(uint64_t first_refused);
  void stream_closed(int64_t id, uint64_t app_error);
  void fail_all(const Error& e);
  std::unexpected<Error> connection_error(uint64_t code, std::string_view what);

  // QuicApp
  Result<void> on_handshake_done() override;
  Result<std::size_t> on_stream_data(int64_t id, std::span<const uint8_t> data, bool fin,
                                     void* user) override;
  Result<void> on_stream_acked(int64_t id, uint64_t n, void* user) override;
  Result<void> on_stream_closed(int64_t id, std::optional<uint64_t> app_error, void* user) override;
  Result<void> on_stream_reset(int64_t id, uint64_t app_error, void* user) override;
  Result<void> on_stream_stop_sending(int64_t, uint64_t, void*) override { return {}; }
  Result<void> on_stream_window(int64_t id, void* user) override;
  void on_streams_available() override {}
  void on_read_done() override;
  Result<void> next_chunk(StreamChunk& chunk) override;
  Result<void> chunk_written(int64_t id, std::size_t n) override;
  Result<void> chunk_blocked(int64_t id) override;
  Result<void> chunk_shut(int64_t id) override;
  uint64_t close_code() const override { return close_code_; }
  void on_closed(const Error& e) override;

  Loop& loop_;
  H3ClientConfig cfg_;
  uint64_t stream_window_;
  Ready ready_;
  std::unique_ptr<QuicClient> quic_;

  ControlStream control_;
  PeerStreams peer_{true};
  qpack::Decoder decoder_;      // shared by the streams: one section at a time
  ResponseMemo last_response_;  // the last clean response head and what it decoded to

  // The open streams: a handful per connection, found by a scan or through
  // ngtcp2's stream user data. Closed ones are kept for the next requests.
  std::vector<std::unique_ptr<Stream>> open_;
  std::vector<std::unique_ptr<Stream>> spare_;
  SendTurns<Stream> turns_;            // streams with bytes to send
  Stream* filling_ = nullptr;          // the stream of the last chunk handed out
  std::vector<int64_t> with_pending_;  // streams whose pending body awaits on_read_done
  std::string scratch_;                // a request's field section, encoded
  std::vector<char> upload_buf_;       // one read of -T's source
  mutable ClientSessionStats stats_;
  uint64_t close_code_ = 0;  // an H3 error code to close with; 0: a transport error
  bool closed_ = false, goaway_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::h3
