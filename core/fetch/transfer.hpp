// One URL of `sluice get`: lease or open a connection, send, follow redirects,
// retry, write the body with backpressure, and produce the Report.
#pragma once

#include <memory>

#include "core/fetch/body_decoder.hpp"
#include "core/fetch/fetch.hpp"
#include "core/fetch/speed_check.hpp"
#include "core/http/client_session.hpp"
#include "core/http/dialer.hpp"
#include "core/http/file_output.hpp"
#include "core/http/output.hpp"
#include "core/http/pool.hpp"

namespace sluice::fetch {

// What a transfer needs from the engine that runs it.
struct TransferEnv {
  Loop& loop;
  Pool& pool;
  const FetchConfig& cfg;
  const Callbacks& cb;
  std::function<Result<std::shared_ptr<TlsContext>>()> tls_ctx;
};

class Transfer final : public ResponseSink {
 public:
  // stdout_lane is used when the target has no output file.
  Transfer(TransferEnv env, Target target, std::unique_ptr<Output> stdout_lane,
           std::function<void(Report)> done);
  ~Transfer() override;
  void start();
  void interrupt(const Error& e);  // SIGINT/SIGTERM or stdout gone: stop now
  Output& output() { return *out_; }
  // Where stdout's share of a transfer that writes its body to a file goes
  // (-D -): its place in stdout's URL order. Unset: the body's output.
  void set_stdout_side(Output* lane) { stdout_side_ = lane; }

  // ResponseSink
  void on_informational(const Response& r) override;
  void on_headers(const Response& r) override;
  Backpressure on_body(std::span<const char> bytes) override;
  bool can_splice_body() override;
  Result<ssize_t> splice_body(int fd, std::size_t max, Backpressure& bp) override;
  void on_trailers(const Headers& t) override;
  void on_end() override;
  void on_error(const Error& e) override;

 private:
  enum class Mode { write, drain, discard };

  Result<void> open_output();
  void attempt(bool allow_reuse);
  std::string route_key();  // the pool key, and proxy_ for this hop
  void connect();
  void on_connected(Result<Dialed> r);
  DialOptions dial_options() const;
  void submit();
  void after_response();
  void handle_error(const Error& e);
  bool retry_later(const Error& e);
  bool fails(int status) const;  // -f / --fail-with-body turn it into exit 22
  bool retry_status(int status) const;
  bool retry_error(const Error& e) const;
  Millis next_retry_delay() const;
  bool retry_allowed() const;
  void release_session(bool cancel);
  void stop_connecting();
  void finish(std::optional<Error> err);
  void complete();
  const Request& cookied();
  void take_cookies(const Response& r);
  void trace_head(const Response& r);
  Backpressure write_body(std::span<const char> bytes);
  Backpressure write_plain(std::span<const char> bytes);
  std::optional<Error> take_encodings(const Response& r);
  bool meets_time_condition(const Response& r) const;
  std::optional<std::string> answer_challenge(const Response& r);
  void netrc_for_hop();
  void take_resume_status(const Response& r);
  void take_file_name(const Response& r);
  Backpressure pump_decoder();
  void on_output_low();
  void body_written(std::size_t n);
  std::size_t head_size(const Request& r) const;
  void pace_body();   // --limit-rate on the request body
  void trace_body();  // --trace: the request body shown as it is read
  std::shared_ptr<BodySource> body_source();
  void credit(uint64_t n);
  void flush_credit();
  bool rate_throttles(std::size_t n);
  TimePoint rate_due() const;
  void arm_rate_timer();
  void resume_reading();
  void cancel_timers();
  void arm_progress();
  void arm_speed_check();
  void stop_speed_check();
  uint64_t moved() const;  // body bytes received and sent so far (--speed-limit)
  uint64_t uploaded() const;
  uint64_t upload_total() const;
  double since_start(TimePoint t) const;

  TransferEnv env_;
  Target target_;
  std::function<void(Report)> done_;
  Report rep_;
  Request req_;
  Request with_cookies_;  // req_ plus the jar's Cookie header: what was submitted
  std::string pool_key_;
  const Proxy* proxy_ = nullptr;  // the proxy this hop goes through, if any
  std::unique_ptr<Output> out_;
  Output* stdout_side_ = nullptr;
  FileOutput* file_ = nullptr;        // out_, when the body goes to -o/-O's file
  ClientSession* session_ = nullptr;  // leased from the pool
  StreamId stream_ = 0;
  std::unique_ptr<Dialer> dialer_;
  bool connecting_ = false;  // counted in the pool's connect bookkeeping
  TimePoint t0_;
  TimerId max_timer_ = 0, connect_timer_ = 0, progress_timer_ = 0, speed_timer_ = 0;
  std::optional<SpeedCheck> speed_check_;  // --speed-limit
  // --limit-rate: bytes received since rate_start_ (the body's first byte),
  // window credit given and still owed, and the timer that ends a pause.
  TimerId rate_timer_ = 0;
  TimePoint rate_start_;
  uint64_t rate_bytes_ = 0, credited_ = 0, credit_owed_ = 0;
  Mode mode_ = Mode::write;
  std::optional<Url> redirect_to_;
  std::optional<Error> pending_error_;  // decided at the headers, reported at the end
  std::optional<uint64_t> content_length_;
  bool retry_status_ = false;
  bool resend_without_expect_ = false;  // a 417 to Expect: 100-continue: once more without it
  bool reused_ = false, stale_retried_ = false, finished_ = false, got_first_byte_ = false;
  bool got_response_ = false;  // a response head arrived for the current attempt
  bool not_modified_ = false;  // -z's condition unmet: a 304 made of a 2xx
  // --digest/--anyauth: the answer to a 401's challenge, sent on the next
  // attempt; whether this hop has answered one (a second 401 is the answer).
  std::optional<std::string> auth_answer_;
  bool auth_answered_ = false;
  std::string first_origin_;
  std::optional<std::size_t> memory_body_size_;  // -d's body, made a source (pacing, --trace)
  int retries_left_ = 0, retry_count_ = 0;
  uint64_t drained_ = 0, body_written_ = 0;
  uint64_t body_queued_ = 0;              // body bytes handed to the output, not yet written out
  std::unique_ptr<BodyDecoder> decoder_;  // --compressed met a Content-Encoding
  bool end_waits_ = false;     // the response ended while coded bytes waited for the output
  bool check_binary_ = false;  // the body goes to a terminal unasked (see write_plain)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::fetch
