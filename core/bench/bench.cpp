#include "core/bench/bench.hpp"

#include <sys/resource.h>

#include <thread>

#include "core/bench/worker.hpp"
#include "core/fetch/request_builder.hpp"
#include "core/http/connector.hpp"

namespace sluice::bench {

namespace {

Result<void> validate(const Config& c) {
  if (c.urls.empty()) return fail(Errc::bad_argument, "no URL given");
  if (c.connections < 1) return fail(Errc::bad_argument, "-c/--connections must be at least 1");
  if (c.threads < 1) return fail(Errc::bad_argument, "-t/--threads must be at least 1");
  if (c.max_streams < 0)
    return fail(Errc::bad_argument, "-m/--max-concurrent-streams must be at least 1");
  if (c.rate < 0) return fail(Errc::bad_argument, "--rate must be positive");
  if (c.open_model() && c.duration.count() == 0 && !c.requests)
    return fail(Errc::bad_argument, "--rate needs -d/--duration or -n/--requests");
  if (c.requests && *c.requests == 0)
    return fail(Errc::bad_argument, "-n/--requests must be at least 1");
  if (c.shard_count < 1 || c.shard_index < 0 || c.shard_index >= c.shard_count)
    return fail(Errc::bad_argument, "--shard I/N needs 0 <= I < N");
  return {};
}

Result<std::vector<Request>> build_requests(const Config& c) {
  fetch::Config fc;
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
  }
  return out;
}

// One connection to the target before any load: a wrong port or certificate
// fails here, with its own exit code, instead of as a flood of errors.
Result<void> preflight(const Url& u, std::shared_ptr<TlsContext> tls) {
  Loop loop;
  std::optional<Error> err;
  Connector c(loop, ConnectSpec{u.host, u.port, u.tls(), Family::any, {}, tls},
              [&](Result<Connected> r) {
                if (!r) err = r.error();
                loop.stop();
              });
  auto timeout = loop.after(Millis(10000), [&] {
    err = Error{Errc::timeout, fmt::format("Connection to {} timed out", u.authority())};
    loop.stop();
  });
  c.start();
  loop.run();
  loop.cancel(timeout);
  if (err) return std::unexpected(*err);
  return {};
}

void wait_for_start(std::optional<int64_t> start_at_ms) {
  if (!start_at_ms) return;
  auto target = std::chrono::system_clock::time_point(Millis(*start_at_ms));
  std::this_thread::sleep_until(target);
}

double cpu_seconds(const timeval& tv) {
  return tv.tv_sec + tv.tv_usec / 1e6;
}

}  // namespace

uint64_t shard_part(uint64_t total, int index, int count) {
  uint64_t n = static_cast<uint64_t>(count), i = static_cast<uint64_t>(index);
  return total / n + (i < total % n ? 1 : 0);
}

Result<Results> run(const Config& cfg, const Callbacks& cb) {
  if (auto v = validate(cfg); !v) return std::unexpected(v.error());
  auto requests = build_requests(cfg);
  if (!requests) return std::unexpected(requests.error());
  std::shared_ptr<TlsContext> tls;
  if (requests->front().url.tls()) {
    TlsClientConfig tc = cfg.tls;
    tc.alpn = cfg.http_version == HttpVersion::http1_1 ? std::vector<std::string>{"http/1.1"}
                                                       : std::vector<std::string>{"h2", "http/1.1"};
    auto ctx = TlsContext::client(tc);
    if (!ctx) return std::unexpected(ctx.error());
    tls = *ctx;
  }
  if (auto p = preflight(requests->front().url, tls); !p) return std::unexpected(p.error());

  // This shard's share, then each thread's share of that.
  int conns = static_cast<int>(shard_part(cfg.connections, cfg.shard_index, cfg.shard_count));
  if (conns == 0)
    return fail(Errc::bad_argument, "this shard has no connection: use fewer shards or more -c");
  std::optional<uint64_t> reqs;
  if (cfg.requests) reqs = shard_part(*cfg.requests, cfg.shard_index, cfg.shard_count);
  double rate = cfg.rate / cfg.shard_count;
  int threads = std::min(cfg.threads, conns);

  wait_for_start(cfg.start_at_ms);
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  TimePoint start = Clock::now();
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    Share s;
    s.connections = static_cast<int>(shard_part(conns, t, threads));
    if (reqs) s.requests = shard_part(*reqs, t, threads);
    s.rate = rate * s.connections / conns;
    workers.push_back(std::make_unique<Worker>(cfg, s, *requests, tls, start));
  }
  std::vector<std::thread> pool;
  std::atomic<int> running{threads};
  for (auto& w : workers)
    pool.emplace_back([&w, &running] {
      w->run();
      running--;
    });

  uint64_t last_requests = 0;
  while (running > 0) {
    for (int i = 0; i < 20 && running > 0; ++i) std::this_thread::sleep_for(Millis(50));
    if (!cb.live || running == 0) continue;
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

  Results total;
  for (auto& w : workers)
    if (auto m = total.merge(w->results()); !m) return std::unexpected(m.error());
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  total.cpu_user_s = cpu_seconds(after.ru_utime) - cpu_seconds(before.ru_utime);
  total.cpu_sys_s = cpu_seconds(after.ru_stime) - cpu_seconds(before.ru_stime);
  return total;
}

}  // namespace sluice::bench
