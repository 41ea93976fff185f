// One HTTP/2 client connection (TLS with ALPN "h2", h2c by prior knowledge,
// or h2c by HTTP/1.1 Upgrade): moves bytes between the transport and the h2 session, runs one
// H2Stream per request through the same router and endpoints as h1, and owns
// the connection's deadlines.
//
// Memory is bounded per connection: the socket is read only while the output
// queue is under kHighWater (so a peer that never reads stops being read, and
// is closed after --keepalive-timeout without progress); frames are produced
// only up to that mark; endpoints write only while the output queue and all
// the streams' queues together are under it, and each stream queues at most
// about one frame.
//
// Graceful stop: a GOAWAY shutdown notice at once, the final GOAWAY (naming
// the last stream we answer) once the streams are done or after kGoawayGrace,
// then close when nghttp2 has nothing more to say.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/h2/server_session.hpp"
#include "core/net/transport.hpp"
#include "core/serve/conn_io.hpp"
#include "core/serve/h2_stream.hpp"
#include "core/serve/served_connection.hpp"

namespace sluice::serve {

class Worker;

// An HTTP/1.1 request that asked "Upgrade: h2c" and is answered over h2 as
// stream 1 (RFC 7540 3.2).
struct H2cUpgrade {
  std::string settings;  // the HTTP2-Settings payload, decoded
  RequestHead request;
};

class H2Connection final : public ServedConnection, private IoHandler, private H2ServerEvents {
 public:
  H2Connection(Worker& worker, std::unique_ptr<Transport> transport, std::string already_read,
               std::optional<H2cUpgrade> upgrade = std::nullopt, std::string_view alt_svc = {});
  ~H2Connection() override;
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  void start() override;
  void drain() override;
  void close_now() override;

  // For the streams.
  H2ServerSession& session() { return session_; }
  const H2ServerSession& session() const { return session_; }
  Loop& loop() { return loop_; }
  bool has_room() const;
  void schedule_drive();

 private:
  enum class State { open, lingering, closed };

  void on_io(uint32_t events) override;
  bool start_upgraded();
  void drive();
  void read_input();
  void feed(std::string_view data);
  void begin_closing();
  bool pull_streams();
  bool more_to_pull() const;
  bool fill();  // a batch of frames into the output queue; false on a fatal session error
  void release_filling();
  // Frames into the output queue, and out to the socket; false when closed.
  // *sent: some bytes left.
  bool pump(bool* sent = nullptr);
  void send_final_goaway();
  void start_lingering();
  void update_interest();
  bool reading_allowed() const;
  // Output bytes held: framed, and staged by the transport.
  std::size_t queued() const { return session_.out().size() + transport_->pending_bytes(); }
  // Nothing framed and nothing staged in the transport.
  bool output_empty() const { return session_.out().empty() && !transport_->write_pending(); }
  bool waiting_on_peer() const;
  bool stalled_output() const;

  TimePoint deadline() const;
  void on_deadline();
  bool give_up_stalled();

  // H2ServerEvents (called from inside session_.feed / produce)
  void on_request_head(int32_t id, const RequestHead& head, int reject) override;
  void on_request_body(int32_t id, std::string_view bytes) override;
  void on_request_end(int32_t id) override;
  void on_stream_close(int32_t id) override;
  H2Stream* find_stream(int32_t id) const;
  std::unique_ptr<H2Stream> open_stream(int32_t id, const RequestHead& head);
  void recycle_closed();

  Worker& worker_;
  Loop& loop_;
  std::unique_ptr<Transport> transport_;
  std::string already_read_;
  std::optional<H2cUpgrade> upgrade_;
  bool awaiting_preface_ = false;  // upgraded: hold stream 1 until the client speaks h2
  H2ServerSession session_;
  // Open streams, unordered: at most SETTINGS_MAX_CONCURRENT_STREAMS, so a
  // scan finds one as fast as a hash would, without a node per request.
  std::vector<std::unique_ptr<H2Stream>> streams_;
  std::vector<std::unique_ptr<H2Stream>> closed_;  // recycled after the current drive
  std::vector<std::unique_ptr<H2Stream>> spare_;   // closed, for the next requests

  State state_ = State::open;
  bool input_done_ = false;  // the session will take no more input (error, GOAWAY, EOF)
  bool draining_ = false;
  uint64_t served_ = 0;  // requests on this connection (--keepalive-requests)
  bool final_goaway_sent_ = false;
  std::size_t lingered_ = 0;
  uint32_t read_wants_ = EPOLLIN;
  uint32_t write_wants_ = EPOLLOUT;

  TimePoint idle_since_, last_read_, last_write_, closing_since_, linger_until_;
  bool closing_ = false;  // the session is ending: what is queued gets request_timeout to leave
  DeadlineTimer timer_;
  DeferredCall deferred_drive_;
  TimerId goaway_timer_ = 0;
};

}  // namespace sluice::serve
