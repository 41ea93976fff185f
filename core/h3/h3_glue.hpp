// What the HTTP/3 client and server sessions share: the QuicApp calls that
// pass straight between ngtcp2 and nghttp3 (stream data in, acknowledgements,
// resets, unblocking, and the stream data nghttp3 wants sent), and small
// helpers for nghttp3's errors and buffers. Each session derives from
// Http3Glue and adds what differs (the handshake, stream close, streams).
#pragma once

#include <nghttp3/nghttp3.h>

#include <string_view>

#include "core/h3/quic_io.hpp"

namespace sluice::h3 {

// An nghttp3 error as Errc::http3: "HTTP/3 <what>: <nghttp3's text>".
Error h3_error(std::string_view what, int rv);
Result<void> check_h3(std::string_view what, int rv);
std::string_view rcbuf_view(nghttp3_rcbuf* b);

class Http3Glue : public QuicApp {
 protected:
  Result<std::size_t> on_stream_data(int64_t id, std::span<const uint8_t> data, bool fin,
                                     void* user) override;
  Result<void> on_stream_acked(int64_t id, uint64_t n, void* user) override;
  Result<void> on_stream_reset(int64_t id, uint64_t app_error, void* user) override;
  Result<void> on_stream_stop_sending(int64_t id, uint64_t app_error, void* user) override;
  Result<void> on_stream_window(int64_t id, void* user) override;
  Result<void> next_chunk(StreamChunk& chunk) override;
  Result<void> chunk_written(int64_t id, std::size_t n) override;
  Result<void> chunk_blocked(int64_t id) override;
  Result<void> chunk_shut(int64_t id) override;

  nghttp3_conn* h3_ = nullptr;  // set up by the session once the handshake is done
};

}  // namespace sluice::h3
