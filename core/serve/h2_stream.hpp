// One h2 request/response exchange: the ResponseWriter an endpoint sees on
// an HTTP/2 connection. The endpoints are the very ones h1 runs; only the
// writer underneath differs (frames per stream instead of one byte stream).
//
// Backpressure: has_room() is true while this stream's own queue is under
// one frame's worth and the connection's output plus every stream's queue is
// under its mark (H2Connection::has_room), so a stream whose flow-control
// window is stalled holds at most ~32 KiB, and a connection about the mark
// plus one write however many streams stall.
#pragma once

#include <cstdint>
#include <memory>

#include "core/serve/exchange.hpp"

namespace sluice::serve {

class H2Connection;

class H2Stream final : public ResponseWriter {
 public:
  // head: the session's, valid until the stream closes (closed() is called
  // then, and the endpoint that reads it is gone).
  H2Stream(H2Connection& conn, int32_t id, const RequestHead& head);
  // A closed stream becomes the exchange of a new request: the connection
  // reuses them, so a request allocates no H2Stream.
  void reopen(int32_t id, const RequestHead& head);
  ~H2Stream() override;
  H2Stream(const H2Stream&) = delete;
  H2Stream& operator=(const H2Stream&) = delete;

  void start(std::unique_ptr<Endpoint> endpoint);  // the first pull
  void pull();  // when wants_pull(): until the endpoint waits or the queues fill
  void on_body(std::string_view bytes);
  void on_body_end();
  void closed();  // the stream is gone: never call the endpoint again

  int32_t id() const { return id_; }
  bool wants_pull() const;
  bool waiting_on_peer() const { return endpoint_ && !request_done_; }

  // ResponseWriter
  const RequestHead& request() const override { return *head_; }
  void head(int status, const Headers& headers, std::optional<uint64_t> length) override;
  void write(std::string_view bytes) override;
  int body_rooms(std::size_t max, std::span<char>* spans, int count) override;
  void commit_body(std::size_t n) override;
  void end() override;
  bool has_room() const override;
  bool can_sendfile() override { return false; }  // bytes go through DATA frames
  void sendfile(int, uint64_t, uint64_t) override {}
  void wake() override;
  void abort() override;
  Loop& loop() override;

 private:
  void mark_filling();
  H2Connection& conn_;
  int32_t id_ = 0;
  const RequestHead* head_ = nullptr;
  std::unique_ptr<Endpoint> endpoint_;
  Pull pull_state_ = Pull::done;
  bool request_done_ = false;
};

}  // namespace sluice::serve
