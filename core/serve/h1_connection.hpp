// One client connection: moves bytes between the transport and the h1
// session, runs one exchange (request -> endpoint -> response) at a time, and
// owns the connection's deadlines. Every connection starts here: one whose
// TLS handshake chose "h2", or whose first bytes are the h2 client preface
// (h2c by prior knowledge), is handed over to an H2Connection.
//
// Memory is bounded per connection: the socket is read only while the output
// queue is below kHighWater and unparsed pipelined input below kMaxPending;
// endpoints produce only while the output queue is below kHighWater.
//
// Deadlines are lazy: one loop timer per connection, re-armed only when the
// due time moves earlier; when it fires it recomputes the due time from the
// current state (cheap timestamps updated on every read and write) and either
// acts or re-arms. No timer churn per byte or per request.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/h1/server_session.hpp"
#include "core/net/transport.hpp"
#include "core/serve/conn_io.hpp"
#include "core/serve/exchange.hpp"
#include "core/serve/h2_connection.hpp"
#include "core/serve/served_connection.hpp"
#include "core/util/buffer.hpp"

namespace sluice::serve {

class Worker;

inline constexpr std::size_t kHighWater = 256 * 1024;
inline constexpr std::size_t kMaxPending = 64 * 1024;

class H1Connection final : public ServedConnection,
                           private IoHandler,
                           private RequestEvents,
                           private ResponseWriter {
 public:
  H1Connection(Worker& worker, std::unique_ptr<Transport> transport, std::string_view alt_svc = {});
  ~H1Connection() override;
  H1Connection(const H1Connection&) = delete;
  H1Connection& operator=(const H1Connection&) = delete;

  void start() override;
  void drain() override;      // graceful stop: finish the exchange in flight, then close
  void close_now() override;  // destruction is deferred to the end of the loop iteration

 private:
  enum class State {
    handshake,  // TLS handshake
    open,       // requests and responses
    closing,    // a last response is queued; close once it is out
    lingering,  // our side shut down; drain what the peer still sends, then close
    closed,
  };
  struct FileSegment {
    int fd = -1;
    uint64_t offset = 0, left = 0;
  };

  void on_io(uint32_t events) override;
  void continue_handshake();
  void drive();
  void schedule_drive();
  void read_input();
  void feed(std::string_view data);
  bool sniff(std::string_view& data);
  void hand_over_to_h2(std::string already_read, std::optional<H2cUpgrade> upgrade = std::nullopt);
  bool switch_if_upgraded();
  void parse_pending();
  void produce();
  bool flush();
  bool send_file();
  void cork(bool on);
  bool complete_exchange();
  void fail_request(int status);
  void begin_close();
  void start_lingering();
  void linger();
  void update_interest();
  bool reading_allowed() const;
  // Output bytes held: framed, and staged by the transport.
  std::size_t queued() const { return session_.out().size() + transport_->pending_bytes(); }
  bool output_empty() const {
    return session_.out().empty() && file_.left == 0 && !transport_->write_pending();
  }

  TimePoint deadline() const;
  void on_deadline();
  void expire();

  // RequestEvents (called from inside session_.feed)
  void on_request_head(const RequestHead& head) override;
  void on_request_body(std::string_view bytes) override;
  void on_request_end() override;

  // ResponseWriter (what the endpoint sees)
  const RequestHead& request() const override { return session_.request(); }
  void head(int status, const Headers& headers, std::optional<uint64_t> length) override;
  void write(std::string_view bytes) override;
  void end() override { session_.end_response(); }
  bool has_room() const override;
  bool can_sendfile() override;
  void sendfile(int fd, uint64_t offset, uint64_t length) override;
  int body_rooms(std::size_t max, std::span<char>* spans, int count) override;
  void commit_body(std::size_t n) override { session_.commit_body(n); }
  void wake() override;
  void abort() override { close_now(); }
  Loop& loop() override { return loop_; }

  Worker& worker_;
  std::string_view alt_svc_;  // the listener's, for h1 and an h2 hand-over
  Loop& loop_;
  std::unique_ptr<Transport> transport_;
  H1ServerSession session_;
  std::unique_ptr<Endpoint> endpoint_;
  Pull pull_state_ = Pull::done;
  bool request_done_ = false;          // the current request's body has been read
  std::optional<H2cUpgrade> upgrade_;  // the current request asked for h2c
  ChainBuffer in_;                     // read but not parsed: pipelined requests wait here
  FileSegment file_;
  bool sniffing_ = false;  // plain: the first bytes may still turn out to be h2
  std::string sniffed_;    // a partial preface so far

  State state_ = State::open;
  bool peer_eof_ = false;
  bool draining_ = false;
  uint64_t served_ = 0;  // requests on this connection (--keepalive-requests)
  bool idle_ = false;    // between requests, nothing received yet
  std::size_t lingered_ = 0;
  uint32_t read_wants_ = EPOLLIN;    // what the last would-block read waits for
  uint32_t write_wants_ = EPOLLOUT;  // what the last would-block write waits for

  TimePoint accepted_, head_started_, idle_since_, last_progress_, closing_since_, linger_until_;
  DeadlineTimer timer_;
  DeferredCall deferred_drive_;
};

}  // namespace sluice::serve
