#include "core/bench/worker.hpp"

#include <deque>

#include "core/h1/client_session.hpp"
#include "core/h2/client_session.hpp"

namespace sluice::bench {

namespace {
constexpr Millis kSweep{50};            // timeouts and phase changes are checked this often
constexpr Millis kReconnectDelay{100};  // after a failed connect
constexpr Millis kPublish{1000};        // live histogram copy for the progress line

int64_t micros(Clock::duration d) {
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}
}  // namespace

// One request in flight: the sink a session writes the response into.
struct Worker::Slot final : ResponseSink {
  Worker* w = nullptr;
  Conn* conn = nullptr;
  bool busy = false;
  StreamId id = 0;
  TimePoint due, sent;
  int status = 0;
  uint64_t bytes = 0;

  void on_headers(const Response& r) override {
    status = r.status;
    bytes += r.header_bytes;
  }
  Backpressure on_body(std::span<const char> b) override;
  void on_end() override { w->completed(*this, nullptr); }
  void on_error(const Error& e) override { w->completed(*this, &e); }
};

struct Worker::Conn {
  std::unique_ptr<Connector> connector;
  std::unique_ptr<Session> session;
  std::vector<Slot> slots;
  int inflight = 0;
  bool h2 = false;
  TimerId retry = 0;
};

Backpressure Worker::Slot::on_body(std::span<const char> b) {
  bytes += b.size();
  conn->session->consumed(id, b.size());  // discarded at once: give the window back
  return Backpressure::ok;
}

Worker::Worker(const Config& cfg, Share share, std::vector<Request> requests,
               std::shared_ptr<TlsContext> tls, TimePoint start)
    : cfg_(cfg),
      share_(share),
      requests_(std::move(requests)),
      tls_(std::move(tls)),
      start_(start) {
  measure_start_ = start_ + cfg_.warmup;
  measure_end_ = cfg_.duration.count() > 0 ? measure_start_ + cfg_.duration : TimePoint::max();
  for (int i = 0; i < share_.connections; ++i) conns_.push_back(std::make_unique<Conn>());
  if (cfg_.open_model() && share_.rate > 0)
    interval_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / share_.rate));
}

Worker::~Worker() = default;

Histogram Worker::snapshot() {
  std::lock_guard lock(snapshot_mutex_);
  return published_;
}

void Worker::run() {
  measuring_ = cfg_.warmup.count() == 0;
  next_due_ = start_;
  for (auto& c : conns_) open(*c);
  loop_.after(kSweep, [this] { sweep(); });
  if (cfg_.open_model()) tick_timer_ = loop_.timer(start_, [this] { tick(); });
  loop_.run();
  conns_.clear();
  results_.wall_s =
      std::chrono::duration<double>(std::min(Clock::now(), measure_end_) - measure_start_).count();
}

bool Worker::may_send() const {
  if (stopping_) return false;
  if (share_.requests && sent_ >= *share_.requests) return false;
  return Clock::now() < measure_end_;
}

void Worker::open(Conn& c) {
  if (!may_send()) return maybe_finish();
  // With -n, a connection that could get no request is not opened (exact
  // connection counts with --no-keepalive).
  if (share_.requests && sent_ + connecting_ >= *share_.requests) return;
  connecting_++;
  const Url& u = requests_.front().url;
  ConnectSpec spec{u.host, u.port, u.tls(), Family::any, {}, tls_};
  c.connector = std::make_unique<Connector>(
      loop_, std::move(spec), [this, &c](Result<Connected> r) { on_connected(c, std::move(r)); });
  c.connector->start();
}

void Worker::on_connected(Conn& c, Result<Connected> r) {
  c.connector.reset();
  connecting_--;
  if (!r) {
    if (measuring_) results_.counters.errors[static_cast<size_t>(classify(r.error().code))]++;
    live_.errors.fetch_add(1, std::memory_order_relaxed);
    // With -n a dead target must not stall the run: the attempt uses up a request.
    if (share_.requests) {
      sent_++;
      if (measuring_) results_.counters.sent++;
      maybe_finish();
      if (finished_) return;
    }
    c.retry = loop_.after(kReconnectDelay, [this, &c] { open(c); });
    return;
  }
  if (measuring_) results_.counters.connections++;
  c.h2 = fetch::speaks_h2(cfg_.http_version, *r->transport);
  int depth = cfg_.depth(c.h2);
  if (c.h2) {
    H2ClientConfig h2cfg;
    h2cfg.max_concurrent_streams = static_cast<uint32_t>(depth);
    c.session = std::make_unique<H2ClientSession>(loop_, std::move(r->transport), h2cfg);
  } else {
    c.session = std::make_unique<H1ClientSession>(loop_, std::move(r->transport), 64 * 1024,
                                                  static_cast<std::size_t>(depth));
  }
  c.slots.assign(static_cast<std::size_t>(depth), Slot{});
  for (auto& s : c.slots) {
    s.w = this;
    s.conn = &c;
  }
  c.inflight = 0;
  if (cfg_.open_model()) {
    dispatch(c);
  } else {
    fill(c);
  }
}

void Worker::fill(Conn& c) {
  while (c.session && c.session->can_submit() && may_send() &&
         c.inflight < static_cast<int>(c.slots.size()))
    if (!issue(c, Clock::now())) break;
}

bool Worker::issue(Conn& c, TimePoint due) {
  auto free = std::find_if(c.slots.begin(), c.slots.end(), [](const Slot& s) { return !s.busy; });
  if (free == c.slots.end()) return false;
  Slot& s = *free;
  const Request& req = requests_[next_request_++ % requests_.size()];
  s.busy = true;
  s.status = 0;
  s.bytes = 0;
  s.due = due;
  s.sent = Clock::now();
  c.inflight++;
  sent_++;
  if (measuring_) results_.counters.sent++;
  auto id = c.session->submit(req, s);
  if (!id) {
    completed(s, &id.error());
    return false;
  }
  s.id = *id;
  return true;
}

void Worker::record_success(Slot& s, TimePoint now) {
  Counters& k = results_.counters;
  k.requests++;
  k.bytes += s.bytes;
  k.status[s.status]++;
  if (s.status >= 400) k.errors[static_cast<size_t>(ErrorKind::status)]++;
  results_.latency.record(micros(now - s.sent));
  if (cfg_.open_model()) results_.latency_corrected.record(micros(now - s.due));
}

void Worker::completed(Slot& s, const Error* e) {
  if (!s.busy) return;
  s.busy = false;
  Conn& c = *s.conn;
  c.inflight--;
  TimePoint now = Clock::now();
  if (e) {
    if (measuring_ && e->code != Errc::cancelled)
      results_.counters.errors[static_cast<size_t>(classify(e->code))]++;
    live_.errors.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (measuring_) record_success(s, now);
    live_.requests.fetch_add(1, std::memory_order_relaxed);
  }
  bool dead = !c.session || (!c.session->can_submit() && c.inflight == 0 && !c.session->reusable());
  if (!dead) {
    // Sessions accept a new request from inside their callbacks (h1 after the
    // response is done, nghttp2 from on_stream_close): no deferral per request.
    if (cfg_.open_model())
      dispatch(c);
    else
      fill(c);
    maybe_finish();
    return;
  }
  // Replacing the connection destroys the session: do it from the loop.
  loop_.defer([this, &c] {
    if (c.session && !c.session->can_submit() && c.inflight == 0 && !c.session->reusable())
      conn_lost(c);
    maybe_finish();
  });
}

void Worker::conn_lost(Conn& c) {
  // Destroyed after this iteration: it may still be on the call stack.
  loop_.defer([s = std::shared_ptr<Session>(std::move(c.session))] {});
  c.inflight = 0;
  for (auto& s : c.slots) s.busy = false;
  open(c);
}

// Open model: requests fall due at fixed intervals whatever the server does;
// a due request waits for a free slot, and its latency counts from when it was
// due (coordinated omission corrected, as wrk2 does).
void Worker::tick() {
  tick_timer_ = 0;
  TimePoint now = Clock::now();
  while (next_due_ <= now && !stopping_ && next_due_ < measure_end_ &&
         (!share_.requests || sent_ + backlog_.size() < *share_.requests)) {
    backlog_.push_back(next_due_);
    next_due_ += interval_;
  }
  // Start at a different connection each time, so the first ones do not take
  // every request.
  std::size_t n = conns_.size();
  for (std::size_t i = 0; i < n && !backlog_.empty(); ++i) dispatch(*conns_[(next_conn_ + i) % n]);
  next_conn_ = (next_conn_ + 1) % std::max<std::size_t>(n, 1);
  // One timer at a time, for the next due request.
  if (!stopping_ && !finished_ && next_due_ < measure_end_)
    tick_timer_ = loop_.timer(next_due_, [this] { tick(); });
  maybe_finish();
}

// Open model: due requests waiting for a slot go out on this connection.
void Worker::dispatch(Conn& c) {
  while (!backlog_.empty() && c.session && c.session->can_submit() &&
         c.inflight < static_cast<int>(c.slots.size())) {
    TimePoint due = backlog_.front();
    backlog_.pop_front();
    if (!issue(c, due)) break;
  }
}

void Worker::sweep() {
  TimePoint now = Clock::now();
  if (!measuring_ && now >= measure_start_) {  // warm-up over: start counting from zero
    measuring_ = true;
    results_.counters = Counters{};
    results_.latency.reset();
    results_.latency_corrected.reset();
  }
  if (now >= measure_end_) stopping_ = true;
  for (auto& c : conns_) {
    for (auto& s : c->slots)
      if (s.busy && cfg_.timeout.count() > 0 && now - s.sent > cfg_.timeout && c->session) {
        Error e{Errc::timeout, "request timed out"};
        c->session->cancel(s.id);
        completed(s, &e);
      }
  }
  if (now - last_publish_ >= kPublish) {
    std::lock_guard lock(snapshot_mutex_);
    published_ = results_.latency;
    last_publish_ = now;
  }
  maybe_finish();
  if (!finished_) loop_.after(kSweep, [this] { sweep(); });
}

void Worker::maybe_finish() {
  if (finished_) return;
  TimePoint now = Clock::now();
  bool done_sending =
      stopping_ || now >= measure_end_ || (share_.requests && sent_ >= *share_.requests);
  if (!done_sending) return;
  // Requests still in flight get up to their timeout to finish.
  bool idle = std::all_of(conns_.begin(), conns_.end(), [](auto& c) { return c->inflight == 0; });
  bool grace_over = measure_end_ != TimePoint::max() && now >= measure_end_ + cfg_.timeout;
  if (!idle && !grace_over) return;
  finished_ = true;
  if (tick_timer_) loop_.cancel(tick_timer_);
  for (auto& c : conns_) {
    if (c->retry) loop_.cancel(c->retry);
    c->connector.reset();
  }
  {
    std::lock_guard lock(snapshot_mutex_);
    published_ = results_.latency;
  }
  loop_.stop();
}

}  // namespace sluice::bench
