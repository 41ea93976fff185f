#include "core/bench/generator.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "core/bench/hdr_codec.hpp"

namespace sluice::bench {

namespace {
constexpr Millis kSweep{50};            // timeouts and stop requests are checked this often
constexpr Millis kReconnectDelay{100};  // after a failed connect
// Open model: the longest the schedule waits for the connections' set-up.
constexpr Millis kSetupWait{2000};
constexpr Millis kPublish{1000};  // live histogram copy for the progress line
// A request refused unprocessed this often by connections that answered
// nothing has failed (a server that refuses everything must not loop us).
constexpr int kMaxAttempts = 3;

int64_t micros(Clock::duration d) {
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

// This thread's CPU time so far: user, system (seconds).
std::pair<double, double> thread_cpu() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return {s(ru.ru_utime), s(ru.ru_stime)};
}
}  // namespace

// One request in flight: the sink a session writes the response into.
struct Generator::Slot final : ResponseSink {
  Generator* w = nullptr;
  Conn* conn = nullptr;
  bool busy = false;
  bool measured = false;  // sent while measuring: its outcome is counted
  int attempt = 1;
  StreamId id = 0;
  TimePoint due, sent;
  int status = 0;
  uint64_t bytes = 0;

  void on_headers(const Response& r) override {
    status = r.status;
    bytes += r.header_bytes;
    w->first_response(*conn, measured);
  }
  Backpressure on_body(std::span<const char> b) override;
  bool wants_fields() const override { return false; }
  void on_end() override { w->completed(*this, nullptr); }
  void on_error(const Error& e) override { w->completed(*this, &e); }
};

struct Generator::Conn {
  std::unique_ptr<Dialer> dialer;
  std::unique_ptr<ClientSession> session;
  std::vector<Slot> slots;
  int inflight = 0;
  uint64_t issued = 0;    // requests sent on this connection
  uint64_t answered = 0;  // responses completed on it
  TimePoint connect_start;
  bool responded = false;  // its first response head came
  TimerId retry = 0;
};

DialOptions dial_options(const BenchConfig& cfg) {
  DialOptions opts;
  opts.version = cfg.http_version;
  opts.h1_max_pipeline = static_cast<std::size_t>(cfg.keepalive ? cfg.depth(false) : 1);
  opts.h2.max_concurrent_streams = static_cast<uint32_t>(cfg.keepalive ? cfg.depth(true) : 1);
  opts.tls = cfg.tls;  // QUIC's TLS (GnuTLS): -k and --cacert
  return opts;
}

Backpressure Generator::Slot::on_body(std::span<const char> b) {
  bytes += b.size();
  conn->session->consumed(id, b.size());  // discarded at once: give the window back
  return Backpressure::ok;
}

Generator::Generator(const BenchConfig& cfg, Share share, std::vector<Request> requests,
                     std::shared_ptr<TlsContext> tls, TimePoint start)
    : cfg_(cfg),
      share_(share),
      requests_(std::move(requests)),
      tls_(std::move(tls)),
      start_(start),
      pace_(loop_, [this] { tick(); }),
      phase_timer_(loop_, [this] { on_phase_timer(); }),
      setup_wait_(loop_, [this] { begin_schedule(); }),
      second_hist_(*Histogram::make(second_histogram_settings())) {
  measure_start_ = start_ + cfg_.warmup;
  measure_end_ = cfg_.duration.count() > 0 ? measure_start_ + cfg_.duration : TimePoint::max();
  for (int i = 0; i < share_.connections; ++i) conns_.push_back(std::make_unique<Conn>());
  if (cfg_.open_model() && share_.rate > 0)
    interval_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / share_.rate));
}

Generator::~Generator() = default;

Histogram Generator::snapshot() {
  std::lock_guard lock(snapshot_mutex_);
  return published_;
}

void Generator::run() {
  // The schedule's timers fire within the timer slack: make it 1 ns, not 50 us.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (cfg_.warmup.count() == 0) start_measuring();
  // The first phase change; the open model's window waits for begin_schedule.
  if (!cfg_.open_model()) on_phase_timer();
  for (auto& c : conns_) open(*c);
  loop_.after(kSweep, [this] { sweep(); });
  if (cfg_.open_model()) {
    setup_wait_.arm(Clock::now() + kSetupWait);
    if (connecting_ == 0) begin_schedule();
  }
  loop_.run();
  conns_.clear();
}

// Open model: the schedule, and the measured window with it, starts once
// every connection is set up or has failed (wrk2 starts each connection's
// clock once it is connected). Started at once, its first due requests waited
// for handshakes and were reported as the target's lag. After kSetupWait it
// starts anyway: a target that is slow to accept connections shows as lag.
// Each worker shifts by its own wait; the offsets between workers' due times
// (share_.phase) and the window's length stay as they were.
void Generator::begin_schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  setup_wait_.cancel();
  TimePoint now = Clock::now();
  auto waited = now - start_;
  measure_start_ += waited;
  if (measure_end_ != TimePoint::max()) measure_end_ += waited;
  next_due_ = now + share_.phase;
  on_phase_timer();  // arms the shifted window's phase changes
  if (may_send() && next_due_ < measure_end_) pace_.arm(next_due_);
}

void Generator::start_measuring() {
  phase_ = Phase::measuring;
  measured_ = true;
  std::tie(cpu_at_start_user_, cpu_at_start_sys_) = thread_cpu();
}

void Generator::on_phase_timer() {
  TimePoint now = Clock::now();
  if (phase_ == Phase::warmup && now >= measure_start_) start_measuring();
  if (phase_ == Phase::measuring && now >= measure_end_) begin_stop(now);
  if (phase_ == Phase::draining && now >= grace_end_) return finish();
  if (phase_ == Phase::warmup) phase_timer_.arm(measure_start_);
  if (phase_ == Phase::measuring) phase_timer_.arm(measure_end_);  // max(): none
  if (phase_ == Phase::draining) phase_timer_.arm(grace_end_);
}

bool Generator::budget_left() const {
  return !share_.requests || budget_used_ < *share_.requests;
}

bool Generator::may_send() const {
  if (phase_ == Phase::warmup) return true;
  return phase_ == Phase::measuring && budget_left();
}

bool Generator::has_room(const Conn& c) const {
  return c.session && c.session->can_submit() && c.inflight < static_cast<int>(c.slots.size()) &&
         (cfg_.keepalive || c.issued == 0);
}

// A connection with nothing in flight that will take no more requests.
bool Generator::spent(const Conn& c) const {
  if (!c.session || c.inflight > 0) return false;
  if (!cfg_.keepalive && c.issued > 0) return true;  // one request per connection
  return !c.session->can_submit() && !c.session->reusable();
}

void Generator::open(Conn& c) {
  if (!may_send()) return maybe_finish();
  // With -n, a connection that could get no request is not opened (exact
  // connection counts with --no-keepalive).
  if (phase_ == Phase::measuring && share_.requests && retries_.empty() &&
      budget_used_ + connecting_ >= *share_.requests)
    return;
  connecting_++;
  c.connect_start = Clock::now();
  c.responded = false;
  const Url& u = requests_.front().url;
  ConnectSpec spec{u.host, u.port, u.tls(), Family::any, {}, tls_};
  c.dialer =
      std::make_unique<Dialer>(loop_, std::move(spec), dial_options(cfg_),
                               [this, &c](Result<Dialed> r) { on_connected(c, std::move(r)); });
  c.dialer->start();
}

void Generator::on_connected(Conn& c, Result<Dialed> r) {
  c.dialer.reset();
  connecting_--;
  if (cfg_.open_model() && connecting_ == 0) begin_schedule();
  if (!r) return connect_failed(c, r.error());
  if (phase_ == Phase::measuring) record_connection(c, *r);
  bool multiplexed = r->h2 || r->h3;  // requests are streams
  int depth = cfg_.keepalive ? cfg_.depth(multiplexed) : 1;
  c.session = std::move(r->session);
  // Without this, a connection the server closed while idle (its keep-alive
  // timeout, a GOAWAY between requests) would sit unused, and the open model
  // would report the requests it could not send as the target's lag.
  c.session->on_idle_close = [this, &c, s = c.session.get()] {
    if (c.session.get() == s) idle_closed(c);
  };
  c.slots.assign(static_cast<std::size_t>(depth), Slot{});
  for (auto& s : c.slots) {
    s.w = this;
    s.conn = &c;
  }
  c.inflight = 0;
  c.issued = c.answered = 0;
  if (cfg_.open_model())
    dispatch(c);
  else
    fill(c);
  maybe_finish();
}

void Generator::record_connection(const Conn& c, const Dialed& d) {
  results_.counters.connections++;
  // Set-up: connect start to a connection ready for requests (name lookup,
  // TCP and TLS; or the QUIC handshake, which has no separate TCP phase).
  results_.setup_time.record(micros(d.tls_done - c.connect_start));
  if (!d.h3) {
    results_.connect_time.record(micros(d.tcp_done - c.connect_start));
    if (d.tls) results_.tls_time.record(micros(d.tls_done - d.tcp_done));
  }
  note_negotiated(results_.protocol, d.h3 ? "h3" : d.h2 ? (d.tls ? "h2" : "h2c") : "http/1.1");
  note_negotiated(results_.tls_version, d.tls_version);
  note_negotiated(results_.cipher, d.tls_cipher);
}

void Generator::first_response(Conn& c, bool measured) {
  if (c.responded) return;
  c.responded = true;
  if (measured) results_.first_response_time.record(micros(Clock::now() - c.connect_start));
}

void Generator::connect_failed(Conn& c, const Error& e) {
  live_.errors.fetch_add(1, std::memory_order_relaxed);
  if (phase_ == Phase::measuring) {
    results_.counters.errors[static_cast<size_t>(classify(e.code))]++;
    count_second(Clock::now(), 0, true);
    // With -n a dead target must not stall the run: the attempt uses up a request.
    if (share_.requests) {
      budget_used_++;
      results_.counters.sent++;
    }
  }
  maybe_finish();
  reopen_later(c);
}

void Generator::reopen_later(Conn& c) {
  if (phase_ == Phase::draining || phase_ == Phase::done) return;
  c.retry = loop_.after(kReconnectDelay, [this, &c] {
    c.retry = 0;
    open(c);
  });
}

Generator::Slot* Generator::free_slot(Conn& c) {
  auto it = std::find_if(c.slots.begin(), c.slots.end(), [](const Slot& s) { return !s.busy; });
  return it == c.slots.end() ? nullptr : &*it;
}

// Closed model: keep the connection's slots busy, retries first.
void Generator::fill(Conn& c) {
  while (has_room(c) && may_send()) {
    Slot* s = free_slot(c);
    if (!s) break;
    Pending p{Clock::now(), 1};
    if (!retries_.empty()) {
      p.attempt = retries_.front().attempt;
      retries_.pop_front();
    }
    if (!issue(c, *s, p)) break;
  }
}

bool Generator::issue(Conn& c, Slot& s, Pending p) {
  const Request& req = requests_[next_request_++ % requests_.size()];
  s.busy = true;
  s.status = 0;
  s.bytes = 0;
  s.due = p.due;
  s.attempt = p.attempt;
  // Closed model: due when the slot came free, which fill() has just read.
  s.sent = cfg_.open_model() ? Clock::now() : p.due;
  s.measured = phase_ == Phase::measuring;
  c.inflight++;
  c.issued++;
  if (s.measured) {
    budget_used_++;
    results_.counters.sent++;
    first_send_ = std::min(first_send_, s.sent);
    if (cfg_.open_model()) {
      if (p.due <= no_room_until_) results_.counters.waited++;
      results_.send_lag.record(
          std::chrono::duration_cast<std::chrono::microseconds>(s.sent - s.due).count());
    }
  }
  auto id = c.session->submit(req, s);
  if (!id) {
    completed(s, &id.error());
    return false;
  }
  s.id = *id;
  return true;
}

void Generator::count_second(TimePoint now, int64_t latency_us, bool error) {
  auto since = now < measure_start_ ? Clock::duration::zero() : now - measure_start_;
  auto sec =
      static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(since).count());
  if (sec != second_) {
    close_second();
    second_ = sec;
  }
  if (results_.timeline.size() <= sec) results_.timeline.resize(sec + 1);
  Second& p = results_.timeline[sec];
  if (latency_us > 0) {
    p.requests++;
    second_hist_.record(latency_us);
  }
  if (error) p.errors++;
}

void Generator::close_second() {
  if (second_hist_.total_count() == 0) return;
  results_.timeline[second_].histogram = encode_base64(second_hist_).value_or("");
  second_hist_.reset();
}

void Generator::record_success(Slot& s, TimePoint now) {
  Counters& k = results_.counters;
  k.requests++;
  k.bytes += s.bytes;
  k.status[s.status]++;
  if (s.status >= 400) k.errors[static_cast<size_t>(ErrorKind::status)]++;
  int64_t from_send = micros(now - s.sent), shown = from_send;
  results_.latency.record(from_send);
  if (cfg_.open_model()) {
    shown = micros(now - s.due);
    results_.latency_corrected.record(shown);
  }
  last_done_ = now;
  count_second(now, shown, s.status >= 400);
}

void Generator::completed(Slot& s, const Error* e) {
  if (!s.busy) return;
  s.busy = false;
  Conn& c = *s.conn;
  c.inflight--;
  TimePoint now = Clock::now();
  if (e && retry(s, *e)) return after_completion(c);
  if (e) {
    if (s.measured && e->code != Errc::cancelled) {
      results_.counters.errors[static_cast<size_t>(classify(e->code))]++;
      last_done_ = now;
      count_second(now, 0, true);
    }
    live_.errors.fetch_add(1, std::memory_order_relaxed);
  } else {
    c.answered++;
    if (s.measured) record_success(s, now);
    live_.requests.fetch_add(1, std::memory_order_relaxed);
  }
  after_completion(c);
}

// A request the server never processed (pipelined past its "Connection:
// close", above its GOAWAY's last stream, or refused) goes out again, keeping
// its due time: a server that closes gracefully is not failing requests.
bool Generator::retry(Slot& s, const Error& e) {
  if (e.code != Errc::empty_reply || s.bytes > 0) return false;
  // Unbounded while the connection made progress (nginx's keepalive_requests
  // can refuse the same request on connection after connection).
  if (s.conn->answered == 0 && s.attempt >= kMaxAttempts) return false;
  if (s.measured) {
    results_.counters.retried++;
    budget_used_--;
  }
  if (phase_ != Phase::warmup && phase_ != Phase::measuring) {
    if (s.measured) results_.counters.unsent++;  // the stop came first
  } else {
    retries_.push_back({s.due, s.attempt + 1});
  }
  return true;
}

void Generator::after_completion(Conn& c) {
  if (!spent(c)) {
    // Sessions accept a new request from inside their callbacks (h1 after the
    // response is done, nghttp2 from on_stream_close): no deferral per request.
    if (cfg_.open_model())
      dispatch(c);
    else
      fill(c);
    return maybe_finish();
  }
  // Replacing the connection destroys the session: do it from the loop.
  loop_.defer([this, &c] {
    if (spent(c)) conn_lost(c);
    maybe_finish();
  });
}

void Generator::conn_lost(Conn& c) {
  drop_session(c);
  open(c);
}

void Generator::drop_session(Conn& c) {
  // Destroyed after this iteration: it may still be on the call stack.
  loop_.defer([s = std::shared_ptr<ClientSession>(std::move(c.session))] {});
  c.inflight = 0;
  for (auto& s : c.slots) s.busy = false;
}

// The server closed a connection with nothing in flight: a new one replaces
// it, as wrk and h2load reconnect, and that is no error. One closed within
// kReconnectDelay before it took a request is dialed again only after that
// delay, so a server that closes every connection at once is not dialed in a
// loop. (An h2 server's idle timeout closes unused connections too: each
// comes back at once, ready for the next request due.)
void Generator::idle_closed(Conn& c) {
  if (!spent(c)) return;
  if (c.issued > 0 || Clock::now() - c.connect_start >= kReconnectDelay) return conn_lost(c);
  drop_session(c);
  maybe_finish();
  reopen_later(c);
}

// Open model: requests fall due at fixed intervals whatever the server does;
// a due request waits for a free slot, and its latency counts from when it was
// due (coordinated omission corrected, as wrk2 does).
void Generator::tick() {
  // Start at a different connection each time, so the first ones do not take
  // every request.
  std::size_t n = conns_.size();
  for (std::size_t i = 0; i < n && due_now(Clock::now()); ++i)
    dispatch(*conns_[(next_conn_ + i) % n]);
  next_conn_ = (next_conn_ + 1) % std::max<std::size_t>(n, 1);
  TimePoint now = Clock::now();
  if (due_now(now)) {
    // No connection has room: the requests due so far wait for completions,
    // which send them; look again in a millisecond, not at every due time.
    no_room_until_ = now;
    pace_.arm(now + Millis(1));
  } else if (may_send() && next_due_ < measure_end_) {
    pace_.arm(next_due_);
  }
  maybe_finish();
}

bool Generator::due_now(TimePoint now) const {
  return cfg_.open_model() && next_due_ <= now && next_due_ < measure_end_ && may_send();
}

// Open model: retries first, then the schedule's due requests, while this
// connection has room.
void Generator::dispatch(Conn& c) {
  TimePoint now = Clock::now();
  while (has_room(c) && may_send()) {
    Slot* s = free_slot(c);
    if (!s) break;
    Pending p;
    if (!retries_.empty()) {
      p = retries_.front();
      retries_.pop_front();
    } else if (due_now(now)) {
      p = {next_due_, 1};
      next_due_ += interval_;
    } else {
      break;
    }
    if (!issue(c, *s, p)) break;
  }
}

// Connections left without a session (closed while nothing was queued for
// them) come back when there is something to send again.
void Generator::reopen_idle() {
  bool work = cfg_.open_model() ? !retries_.empty() || due_now(Clock::now()) : may_send();
  if (!work || !may_send()) return;
  for (auto& c : conns_)
    if (!c->session && !c->dialer && !c->retry) open(*c);
}

void Generator::sweep() {
  TimePoint now = Clock::now();
  if (stop_requested_.load(std::memory_order_relaxed) &&
      (phase_ == Phase::warmup || phase_ == Phase::measuring))
    begin_stop(now);
  for (auto& c : conns_) {
    for (auto& s : c->slots)
      if (s.busy && now - s.sent > cfg_.timeout && c->session) {
        Error e{Errc::timeout, "request timed out"};
        c->session->cancel(s.id);
        completed(s, &e);
      }
  }
  reopen_idle();
  if (now - last_publish_ >= kPublish) {
    std::lock_guard lock(snapshot_mutex_);
    published_ = results_.latency;
    last_publish_ = now;
  }
  maybe_finish();
  if (phase_ != Phase::done) loop_.after(kSweep, [this] { sweep(); });
}

// Nothing more is sent; what is in flight gets the grace period.
void Generator::begin_stop(TimePoint now) {
  bool measured = phase_ == Phase::measuring;
  phase_ = Phase::draining;
  pace_.cancel();
  if (measured) {
    stop_at_ = now;
    // Open model: requests that fell due before the stop but never went out.
    uint64_t unsent = 0;
    if (cfg_.open_model() && next_due_ <= now && interval_.count() > 0) {
      TimePoint last = std::min(now, measure_end_ - Clock::duration(1));
      if (next_due_ <= last) unsent = static_cast<uint64_t>((last - next_due_) / interval_) + 1;
      if (share_.requests) unsent = std::min(unsent, *share_.requests - budget_used_);
    }
    results_.counters.unsent += unsent + retries_.size();
  }
  retries_.clear();
  grace_end_ = now + cfg_.grace;
  phase_timer_.arm(grace_end_);
  maybe_finish();
}

void Generator::maybe_finish() {
  if (phase_ == Phase::done) return;
  bool idle = std::all_of(conns_.begin(), conns_.end(), [](auto& c) { return c->inflight == 0; });
  if (phase_ == Phase::draining && idle) return finish();
  if (phase_ == Phase::measuring && !budget_left() && idle && retries_.empty()) finish();
}

void Generator::finish() {
  phase_ = Phase::done;
  if (measured_) {
    auto [user, sys] = thread_cpu();
    results_.cpu_user_s = user - cpu_at_start_user_;
    results_.cpu_sys_s = sys - cpu_at_start_sys_;
  }
  close_second();
  pace_.cancel();
  phase_timer_.cancel();
  setup_wait_.cancel();
  for (auto& c : conns_) {
    for (auto& s : c->slots)
      if (s.busy) {
        if (s.measured) results_.counters.in_flight_at_stop++;
        s.busy = false;  // its session is destroyed with the worker: no callback comes
      }
    if (c->retry) loop_.cancel(c->retry);
    c->dialer.reset();
  }
  {
    std::lock_guard lock(snapshot_mutex_);
    published_ = results_.latency;
  }
  loop_.stop();
}

}  // namespace sluice::bench
