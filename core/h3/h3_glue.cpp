#include "core/h3/h3_glue.hpp"

#include <fmt/format.h>

#include <cstddef>

namespace sluice::h3 {

static_assert(sizeof(nghttp3_vec) == sizeof(ngtcp2_vec) &&
                  offsetof(nghttp3_vec, base) == offsetof(ngtcp2_vec, base) &&
                  offsetof(nghttp3_vec, len) == offsetof(ngtcp2_vec, len),
              "nghttp3 hands over the vectors ngtcp2 sends");

Error h3_error(std::string_view what, int rv) {
  return Error{Errc::http3, fmt::format("HTTP/3 {}: {}", what, nghttp3_strerror(rv))};
}

Result<void> check_h3(std::string_view what, int rv) {
  if (rv == 0) return {};
  return std::unexpected(h3_error(what, rv));
}

std::string_view rcbuf_view(nghttp3_rcbuf* b) {
  nghttp3_vec v = nghttp3_rcbuf_get_buf(b);
  return {reinterpret_cast<const char*>(v.base), v.len};
}

Result<std::size_t> Http3Glue::on_stream_data(int64_t id, std::span<const uint8_t> data, bool fin,
                                              void*) {
  if (!h3_) return fail(Errc::http3, "HTTP/3: stream data before the handshake was done");
  nghttp3_ssize n = nghttp3_conn_read_stream(h3_, id, data.data(), data.size(), fin ? 1 : 0);
  if (n < 0) return std::unexpected(h3_error("framing error", static_cast<int>(n)));
  return static_cast<std::size_t>(n);
}

Result<void> Http3Glue::on_stream_acked(int64_t id, uint64_t n, void*) {
  if (!h3_) return {};
  return check_h3("acknowledgement", nghttp3_conn_add_ack_offset(h3_, id, n));
}

Result<void> Http3Glue::on_stream_reset(int64_t id, uint64_t, void*) {
  if (!h3_) return {};
  return check_h3("stream reset", nghttp3_conn_shutdown_stream_read(h3_, id));
}

Result<void> Http3Glue::on_stream_stop_sending(int64_t id, uint64_t, void*) {
  if (!h3_) return {};
  return check_h3("stop sending", nghttp3_conn_shutdown_stream_read(h3_, id));
}

Result<void> Http3Glue::on_stream_window(int64_t id, void*) {
  if (!h3_) return {};
  return check_h3("unblock", nghttp3_conn_unblock_stream(h3_, id));
}

Result<void> Http3Glue::next_chunk(StreamChunk& chunk) {
  if (!h3_) return {};
  int fin = 0;
  nghttp3_ssize n =
      nghttp3_conn_writev_stream(h3_, &chunk.stream_id, &fin,
                                 reinterpret_cast<nghttp3_vec*>(chunk.vecs), StreamChunk::kMaxVecs);
  if (n < 0) return std::unexpected(h3_error("writing", static_cast<int>(n)));
  chunk.count = static_cast<std::size_t>(n);
  chunk.fin = fin != 0;
  return {};
}

Result<void> Http3Glue::chunk_written(int64_t id, std::size_t n) {
  if (!h3_ || id < 0) return {};
  return check_h3("write offset", nghttp3_conn_add_write_offset(h3_, id, n));
}

Result<void> Http3Glue::chunk_blocked(int64_t id) {
  if (h3_) nghttp3_conn_block_stream(h3_, id);
  return {};
}

Result<void> Http3Glue::chunk_shut(int64_t id) {
  if (h3_) nghttp3_conn_shutdown_stream_write(h3_, id);
  return {};
}

}  // namespace sluice::h3
