// HTTP/1.1 client session: requests over a Transport, optionally pipelined
// (responses come back in order), responses parsed by ResponseParser, bodies handed to
// a ResponseSink with backpressure (the socket is not read while the sink is
// above its high-water mark).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "core/h1/response_parser.hpp"
#include "core/http/client_session.hpp"
#include "core/loop/loop.hpp"
#include "core/net/wakeup_mark.hpp"
#include "core/util/buffer.hpp"

namespace sluice {

class H1ClientSession final : public ClientSession, private IoHandler {
 public:
  // max_pipeline: requests that may be outstanding at once (1: no pipelining).
  H1ClientSession(Loop& loop, std::unique_ptr<Transport> transport, std::size_t read_size,
                  std::size_t max_pipeline = 1);
  ~H1ClientSession() override;

  Result<StreamId> submit(const Request& req, ResponseSink& sink) override;
  void consumed(StreamId, std::size_t) override {}  // TCP's window is the socket buffer
  void resume(StreamId) override;
  void cancel(StreamId) override;
  bool can_submit() const override {
    return !closed_ && keep_alive_ && !paused_ && !sending_ && queue_.size() < max_pipeline_;
  }
  bool reusable() const override { return queue_.empty() && !closed_ && keep_alive_ && !paused_; }
  std::string protocol() const override { return "1.1"; }
  const ClientSessionStats& stats() const override { return stats_; }

  // Receives the request head as sent, for -v.
  std::function<void(std::string_view)> trace_request;
  // Responses carry their heads as received (Response::raw_head).
  void keep_raw_heads() { parser_.keep_raw_heads(); }

  // The server accepted "Upgrade: h2c" (101): this session is over and hands
  // on the transport, the bytes read past the 101 head, and the response's
  // sink. Without a handler, or for a request that did not ask, a 101 is an error.
  using SwitchHandler = std::function<void(std::unique_ptr<Transport>, std::string received,
                                           ResponseSink* sink, bool head)>;
  SwitchHandler on_switch;

  // Requests go to a forward proxy (an http:// target, no tunnel): the
  // request-target is the absolute URL, and the proxy's credentials go along.
  struct ProxyForm {
    std::string authorization;  // Proxy-Authorization's value, "" for none
    std::string headers;        // --proxy-header lines, "Name: value\r\n" each
  };
  std::optional<ProxyForm> via_proxy;

  static std::string serialize_head(const Request& req, const ProxyForm* proxy = nullptr);

 private:
  static constexpr std::size_t kMaxSplice = 1 << 20;  // per call, like one big read
  // The request body is read a piece at a time, only while the write queue
  // is below the mark: a slow peer keeps at most the mark plus a piece here.
  static constexpr std::size_t kSendPiece = 64 * 1024;
  static constexpr std::size_t kSendHighWater = 256 * 1024;

  struct Exchange {
    StreamId id;
    ResponseSink* sink;
    bool head;     // a HEAD request: the response has no body
    bool upgrade;  // the request asked to switch to h2c
  };

  void on_io(uint32_t events) override;
  void do_read();
  bool splice_ready();
  void tune_wakeups();
  bool splice_body();
  bool feed(std::span<const char> data);  // false when the session is done reading
  void do_write();
  void pump_body();
  void wait_for_body();
  void wait_for_continue(Millis wait);
  void end_continue_wait(bool send_body);
  void body_read_all();
  void send_failed(const Error& e);
  void on_eof();
  void update_interest();
  void finish_response();
  void switch_protocols(std::span<const char> rest);
  void fail_response(const Error& e);
  void close();
  void resume_reading();
  ResponseSink* sink() const { return queue_.empty() ? nullptr : queue_.front().sink; }

  Loop& loop_;
  std::unique_ptr<Transport> transport_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ResponseParser parser_;
  std::deque<Exchange> queue_;  // front: the response being parsed
  std::size_t max_pipeline_;
  StreamId next_id_ = 1;
  ChainBuffer out_;
  BodyHold sending_;            // the request body still being read into out_
  TimerId continue_timer_ = 0;  // armed while the body waits for a 100 Continue
  bool chunked_ = false;        // sent with chunked framing (length unknown)
  std::size_t read_size_;       // per read, into the thread's ReadScratch
  ClientSessionStats stats_;
  bool paused_ = false;
  bool aborted_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  WakeupMark wakeup_;  // SO_RCVLOWAT during long bodies; after transport_ and stats_
};

}  // namespace sluice
