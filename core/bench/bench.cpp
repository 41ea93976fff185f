#include "core/bench/bench.hpp"

#include <signal.h>

#include <thread>

#include "core/bench/generator.hpp"
#include "core/fetch/request_builder.hpp"
#include "core/h1/client_session.hpp"
#include "core/http/dialer.hpp"
#include "core/http/h3_module.hpp"

namespace sluice::bench {

namespace {

Result<void> validate(const BenchConfig& c) {
  if (c.urls.empty()) return fail(Errc::bad_argument, "no URL given");
  if (c.connections < 1) return fail(Errc::bad_argument, "-c/--connections must be at least 1");
  if (c.threads < 1) return fail(Errc::bad_argument, "-t/--threads must be at least 1");
  if (c.max_streams < 0)
    return fail(Errc::bad_argument, "-m/--max-concurrent-streams must be at least 1");
  if (c.rate < 0) return fail(Errc::bad_argument, "--rate must be positive");
  if (c.timeout.count() <= 0) return fail(Errc::bad_argument, "--timeout must be positive");
  if (c.grace.count() < 0) return fail(Errc::bad_argument, "--grace must not be negative");
  if (c.open_model() && c.duration.count() == 0 && !c.requests)
    return fail(Errc::bad_argument, "--rate needs -d/--duration or -n/--requests");
  if (c.requests && *c.requests == 0)
    return fail(Errc::bad_argument, "-n/--requests must be at least 1");
  if (c.shard_count < 1 || c.shard_index < 0 || c.shard_index >= c.shard_count)
    return fail(Errc::bad_argument, "--shard I/N needs 0 <= I < N");
  return {};
}

Result<std::vector<Request>> build_requests(const BenchConfig& c) {
  fetch::FetchConfig fc;
  fc.method = c.method;
  fc.headers = c.headers;
  fc.data = c.data;
  if (!c.keepalive) fc.headers.push_back("Connection: close");
  std::vector<Request> out;
  for (const auto& s : c.urls) {
    auto u = parse_url(s);
    if (!u) return std::unexpected(u.error());
    if (!out.empty() && u->origin() != out.front().url.origin())
      return fail(Errc::bad_argument, "all URLs must share one origin (scheme://host:port)");
    out.push_back(fetch::build_request(fc, *u));
    out.back().expect_continue = false;  // a load generator sends its body at once, as wrk does
    // Sent unchanged on every h1 connection: format the head once, not per request.
    out.back().h1_head = H1ClientSession::serialize_head(out.back());
  }
  return out;
}

// One connection to the target before any load, dialled as the workers dial
// theirs: a wrong port or certificate, or a server without HTTP/3, fails
// here with its own exit code instead of as a flood of errors.
Result<void> preflight(const BenchConfig& cfg, const Url& u, std::shared_ptr<TlsContext> tls) {
  Loop loop;
  std::optional<Error> err;
  std::unique_ptr<ClientSession> session;  // closed before the loop goes
  auto done = [&](Result<Dialed> r) {
    if (r)
      session = std::move(r->session);
    else
      err = r.error();
    loop.stop();
  };
  ConnectSpec spec{u.host, u.port, u.tls(), Family::any, {}, std::move(tls)};
  auto dialer = std::make_unique<Dialer>(loop, std::move(spec), dial_options(cfg), done);
  auto timeout = loop.after(Millis(10000), [&] {
    err = Error{Errc::timeout, fmt::format("Connection to {} timed out", u.authority())};
    loop.stop();
  });
  dialer->start();
  loop.run();
  loop.cancel(timeout);
  session.reset();
  dialer.reset();
  if (err) return std::unexpected(*err);
  return {};
}

// SIGINT and SIGTERM stop the run instead of the process: blocked here (the
// workers inherit the mask) and taken by wait_signal() on this thread.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits up to `d` for SIGINT/SIGTERM; returns the signal, or 0.
int wait_signal(const sigset_t& set, Clock::duration d) {
  timespec ts = to_timespec(d);
  int sig = ::sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// --start-at: waits for the agreed moment; a signal meanwhile ends the run.
int wait_for_start(std::optional<int64_t> start_at_ms, const sigset_t& set) {
  if (!start_at_ms) return 0;
  auto target = std::chrono::system_clock::time_point(Millis(*start_at_ms));
  while (std::chrono::system_clock::now() < target) {
    auto left = std::min<std::chrono::system_clock::duration>(
        target - std::chrono::system_clock::now(), Millis(100));
    if (int sig = wait_signal(set, std::chrono::duration_cast<Clock::duration>(left))) return sig;
  }
  return 0;
}

// The open model's schedule is one sequence of due times, k / rate, dealt out
// to every worker of every shard in turn: worker g of P starts g / rate after
// the start and steps P / rate. So --rate 1 -d 1s sends one request, not one
// per thread.
Clock::duration schedule_phase(const BenchConfig& cfg, int thread) {
  if (!cfg.open_model()) return {};
  double g = cfg.shard_index + static_cast<double>(cfg.shard_count) * thread;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g / cfg.rate));
}

}  // namespace

uint64_t shard_part(uint64_t total, int index, int count) {
  uint64_t n = static_cast<uint64_t>(count), i = static_cast<uint64_t>(index);
  return total / n + (i < total % n ? 1 : 0);
}

Result<Results> run(const BenchConfig& cfg, const Callbacks& cb) {
  if (auto v = validate(cfg); !v) return std::unexpected(v.error());
  auto requests = build_requests(cfg);
  if (!requests) return std::unexpected(requests.error());
  std::shared_ptr<TlsContext> tls;  // TCP's (OpenSSL); --http3-only never uses TCP
  if (requests->front().url.tls() && cfg.http_version != HttpVersion::http3_only) {
    TlsClientConfig tc = cfg.tls;
    tc.alpn = alpn_for(cfg.http_version);
    auto ctx = TlsContext::client(tc);
    if (!ctx) return std::unexpected(ctx.error());
    tls = *ctx;
  }
  if (auto p = preflight(cfg, requests->front().url, tls); !p) return std::unexpected(p.error());
  // Over HTTP/3 too, each request's head is encoded once (the preflight
  // loaded the module where QUIC is in play).
  if (cfg.http_version == HttpVersion::http3 || cfg.http_version == HttpVersion::http3_only)
    if (auto m = h3::load_module())
      for (auto& r : *requests) r.h3_fields = (*m)->request_fields(r);

  // This shard's share, then each thread's share of that.
  int conns = static_cast<int>(shard_part(cfg.connections, cfg.shard_index, cfg.shard_count));
  if (conns == 0)
    return fail(Errc::bad_argument, "this shard has no connection: use fewer shards or more -c");
  std::optional<uint64_t> reqs;
  if (cfg.requests) reqs = shard_part(*cfg.requests, cfg.shard_index, cfg.shard_count);
  double rate = cfg.rate / cfg.shard_count;
  int threads = std::min(cfg.threads, conns);

  sigset_t signals = stop_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Results total;
  if (int sig = wait_for_start(cfg.start_at_ms, signals)) {
    total.stopped_by = sig;
    return total;
  }
  TimePoint start = Clock::now();
  std::vector<std::unique_ptr<Generator>> workers;
  for (int t = 0; t < threads; ++t) {
    Share s;
    s.connections = static_cast<int>(shard_part(conns, t, threads));
    if (reqs) s.requests = shard_part(*reqs, t, threads);
    s.rate = rate * s.connections / conns;
    s.phase = schedule_phase(cfg, t);
    workers.push_back(std::make_unique<Generator>(cfg, s, *requests, tls, start));
  }
  std::vector<std::thread> pool;
  std::atomic<int> running{threads};
  for (auto& w : workers)
    pool.emplace_back([&w, &running] {
      w->run();
      running--;
    });

  uint64_t last_requests = 0;
  TimePoint next_live = start + Millis(1000);
  while (running > 0) {
    auto wait = std::clamp<Clock::duration>(next_live - Clock::now(), {}, Millis(50));
    if (int sig = wait_signal(signals, cb.live ? wait : Millis(50))) {
      if (!total.stopped_by) total.stopped_by = sig;
      for (auto& w : workers) w->request_stop();
    }
    if (!cb.live || running == 0 || Clock::now() < next_live) continue;
    while (next_live <= Clock::now()) next_live += Millis(1000);
    LiveReport lr;
    lr.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    lr.warming_up = Clock::now() < start + cfg.warmup;
    Histogram h = Histogram::make_default();
    for (auto& w : workers) {
      lr.requests += w->live().requests.load(std::memory_order_relaxed);
      lr.errors += w->live().errors.load(std::memory_order_relaxed);
      (void)h.merge(w->snapshot());
    }
    lr.rate = static_cast<double>(lr.requests - last_requests);
    last_requests = lr.requests;
    lr.p50_us = h.value_at_percentile(50);
    lr.p99_us = h.value_at_percentile(99);
    cb.live(lr);
  }
  for (auto& t : pool) t.join();
  // A signal after the workers ended still asks for exit 130/143.
  if (int sig = wait_signal(signals, {}); sig && !total.stopped_by) total.stopped_by = sig;

  TimePoint first = TimePoint::max(), last = TimePoint::min();
  std::optional<Clock::duration> stop;  // after the measured start, as the timeline counts
  for (auto& w : workers) {
    if (w->stop_at() != TimePoint::min())
      stop = std::max(stop.value_or(Clock::duration::min()), w->stop_at() - w->measure_start());
    if (auto m = total.merge(w->results()); !m) return std::unexpected(m.error());
    first = std::min(first, w->first_send());
    last = std::max(last, w->window_end());
  }
  total.window_s = first < last ? std::chrono::duration<double>(last - first).count() : 0;
  total.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (stop) total.stop_s = std::chrono::duration<double>(*stop).count();
  total.threads = threads;
  total.connections = conns;
  return total;
}

}  // namespace sluice::bench
