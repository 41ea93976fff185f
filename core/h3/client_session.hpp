// HTTP/3 client session (nghttp3) over a QuicClient: many request streams on
// one QUIC connection, behind the same ClientSession interface as h1 and h2. Flow
// control follows the consumer as in h2: a stream's window is given back
// only for body bytes its consumer has taken, the connection's on receipt.
#pragma once

#include <nghttp3/nghttp3.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/h3/h3_glue.hpp"
#include "core/h3/quic_client.hpp"
#include "core/http/body_source.hpp"
#include "core/http/client_session.hpp"
#include "core/util/buffer.hpp"

namespace sluice::h3 {

struct H3ClientConfig {
  uint32_t max_concurrent_streams = 100;  // we never open more, whatever the peer allows
  std::function<void(char, std::string_view)> trace;  // -v: '>' request heads, '*' events
};

class H3ClientSession final : public ClientSession, private Http3Glue {
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
  struct Stream {
    void reuse();  // as new for another request, its buffers keeping their capacity
    int64_t id = -1;
    ResponseSink* sink = nullptr;  // nullptr once cancelled
    Response resp{.status = 0, .version_major = 3, .version_minor = 0};
    std::string body;  // request body; nghttp3 sends from it until the stream closes
    bool body_given = false;
    // -T: the source is read as nghttp3 asks for bytes, and what it was given
    // stays in upload_out until the server acknowledges it (nghttp3 sends
    // from those bytes, not from a copy): at most kUploadInFlight at a time.
    BodyHold upload;
    ChainBuffer upload_out;
    std::optional<Error> upload_error;  // the source failed: the stream is reset
    bool upload_full = false;           // waits for acknowledgements
    // Body bytes of this read batch, handed to the sink in one piece: QUIC
    // delivers a packet's worth (~1.2 KB) per call, too little per write(2).
    std::string pending;
    std::size_t unconsumed = 0;  // received, not yet taken by the consumer
    std::size_t uncredited = 0;  // taken by the consumer, window not yet returned
    bool head_done = false, end_seen = false, aborted = false;
    // The sink reads more than the status and sizes (bench's does not).
    bool keep_fields = true;
  };

  H3ClientSession(Loop& loop, H3ClientConfig cfg, uint64_t stream_window, Ready ready);
  static const nghttp3_callbacks& callbacks();
  Result<void> setup_http3();
  Stream* stream(int64_t id);
  Stream& open_stream(int64_t id);
  std::unique_ptr<Stream> take_stream(int64_t id);  // out of open_
  void keep_spare(std::unique_ptr<Stream> s);
  void headers_complete(int64_t id, Stream& s);
  void take_body(int64_t id, Stream& s, std::span<const char> bytes);
  nghttp3_ssize read_upload(int64_t id, Stream& s, nghttp3_vec* vec, uint32_t* flags);
  void wait_for_upload(int64_t id, Stream& s);
  void upload_acked(int64_t id, Stream& s, uint64_t n);
  void deliver(int64_t id, Stream& s);
  void stream_closed(int64_t id, uint64_t app_error);
  void fail_all(const Error& e);

  // QuicApp
  Result<void> on_handshake_done() override;
  Result<void> on_stream_closed(int64_t id, std::optional<uint64_t> app_error, void* user) override;
  void on_streams_available() override {}
  void on_read_done() override;
  void on_closed(const Error& e) override;

  friend struct H3Callbacks;
  Loop& loop_;
  H3ClientConfig cfg_;
  uint64_t stream_window_;
  Ready ready_;
  std::unique_ptr<QuicClient> quic_;
  // The open streams: a handful per connection, found by a scan (nghttp3's
  // callbacks carry the Stream itself). Closed ones are kept for the next
  // requests: a request allocated a map node, a Stream and its buffers.
  std::vector<std::unique_ptr<Stream>> open_;
  std::vector<std::unique_ptr<Stream>> spare_;
  std::vector<int64_t> with_pending_;  // streams whose pending body awaits on_read_done
  mutable ClientSessionStats stats_;
  bool closed_ = false, goaway_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::h3
