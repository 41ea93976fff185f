#include "core/probe/probe.hpp"

#include <signal.h>
#include <sys/resource.h>

#include <optional>

#include "core/loop/loop.hpp"
#include "core/probe/receiver.hpp"
#include "core/probe/sender.hpp"

namespace sluice::probe {

namespace {

// The largest UDP payload: 65535 minus the IPv4 and UDP headers.
constexpr std::size_t kMaxPayload = 65507;
constexpr unsigned kMaxBatch = 1024;  // UIO_MAXIOV

Result<void> validate(const ProbeConfig& c) {
  if (c.batch < 1 || c.batch > kMaxBatch)
    return fail(Errc::bad_argument, fmt::format("--batch: 1..{}", kMaxBatch));
  if (c.size > kMaxPayload)
    return fail(Errc::bad_argument, fmt::format("--size: 0..{}", kMaxPayload));
  if (!(c.rate >= 0) || !(c.duration_s >= 0) || !(c.linger_s >= 0))
    return fail(Errc::bad_argument, "--rate, --duration and --linger must not be negative");
  return {};
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
}

// CPU, wall time and wake-ups since the start, into the report.
struct Meter {
  rusage start_usage{};
  TimePoint start = Clock::now();
  Meter() { ::getrusage(RUSAGE_SELF, &start_usage); }
  void fill(Report& r, const Loop& loop) const {
    rusage now{};
    ::getrusage(RUSAGE_SELF, &now);
    r.cpu_user_s = seconds(now.ru_utime) - seconds(start_usage.ru_utime);
    r.cpu_sys_s = seconds(now.ru_stime) - seconds(start_usage.ru_stime);
    r.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    r.wakeups = loop.wakeups();
  }
};

void schedule_progress(Loop& loop, Report& r, const Meter& m, const Callbacks& cb, int n) {
  loop.timer(m.start + std::chrono::seconds(n), [&loop, &r, &m, &cb, n] {
    m.fill(r, loop);
    cb.progress(r);
    schedule_progress(loop, r, m, cb, n + 1);
  });
}

}  // namespace

Result<Report> run(const ProbeConfig& cfg, const Callbacks& cb) {
  if (auto v = validate(cfg); !v) return std::unexpected(v.error());
  std::optional<SocketAddr> target;
  if (!cfg.listen) {
    auto addrs = resolve(cfg.host, cfg.port, cfg.family);
    if (!addrs) return std::unexpected(addrs.error());
    target = addrs->front();
  }

  Loop loop;
  Report report;
  if (auto s = loop.watch_signals({SIGINT, SIGTERM},
                                  [&](int) {
                                    report.interrupted = true;
                                    loop.stop();
                                  });
      !s)
    return std::unexpected(s.error());

  Meter meter;
  std::optional<Sender> sender;
  std::optional<Receiver> receiver;
  if (cfg.listen) {
    receiver.emplace(loop, cfg, report);
    if (auto s = receiver->start(); !s) return std::unexpected(s.error());
    if (cb.listening) cb.listening(report.local);
  } else {
    sender.emplace(loop, cfg, *target, report);
    if (auto s = sender->start(); !s) return std::unexpected(s.error());
  }
  if (cb.progress) schedule_progress(loop, report, meter, cb, 1);
  loop.run();
  if (sender) sender->finish();
  meter.fill(report, loop);
  return report;
}

}  // namespace sluice::probe
