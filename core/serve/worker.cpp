#include "core/serve/worker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/http/h3_module.hpp"
#include "core/net/tls.hpp"
#include "core/serve/h1_connection.hpp"
#include "core/serve/h2_connection.hpp"
#include "core/serve/listener.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice::serve {

namespace {
// glibc keeps what a burst of connections freed for reuse (5,000 idle
// connections that had closed left ~20 MB resident; 1,000 half-done TLS
// handshakes, ~60 MB). A worker that has held kTrimPeak connections is in a
// burst: each time its count falls to a quarter of the most it held since
// the last trim, malloc_trim(0) returns the free pages to the kernel, until
// a trim finds fewer than a quarter of kTrimPeak left. At most once per
// kTrimEvery, since it walks the heap.
constexpr std::size_t kTrimPeak = 256;
constexpr std::size_t kTrimFraction = 4;
constexpr Millis kTrimEvery{1000};
}  // namespace

Worker::Worker(int index, const ServeConfig& cfg, const Env& env, Stats& stats,
               std::shared_ptr<TlsContext> tls)
    : index_(index), cfg_(cfg), stats_(stats), tls_(std::move(tls)), router_(env, loop_) {}

Worker::~Worker() {
  if (trim_timer_) loop_.cancel(trim_timer_);
  // Connections first: they deregister from the loop and cancel their timers.
  connections_.clear();
  listeners_.clear();
  quic_listeners_.clear();
  if (wake_fd_) loop_.remove(wake_fd_.get());
}

Result<void> Worker::init() {
  wake_fd_ = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_)
    return fail(Errc::internal, fmt::format("eventfd: {}", std::strerror(errno)), errno);
  return loop_.add(wake_fd_.get(), EPOLLIN, this);
}

void Worker::add_listener(Fd fd, std::string alt_svc) {
  listeners_.push_back(std::make_unique<Listener>(*this, std::move(fd), std::move(alt_svc)));
}

void Worker::add_quic_listener(std::unique_ptr<h3::QuicListener> l) {
  quic_listeners_.push_back(std::move(l));
}

void Worker::run() {
  for (auto& l : listeners_) (void)l->start();
  loop_.run();
}

void Worker::request_stop(bool force) {
  int want = force ? 2 : 1;
  int cur = command_.load();
  while (cur < want && !command_.compare_exchange_weak(cur, want)) {
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_.get(), &one, sizeof one);
}

void Worker::on_io(uint32_t) {
  uint64_t n;
  (void)!::read(wake_fd_.get(), &n, sizeof n);
  if (command_.load() >= 2)
    force_close();
  else
    begin_drain();
}

void Worker::accept(Fd fd, std::string_view alt_svc) {
  if (draining_) return;  // closes fd
  // Per process: over the limit the socket is accepted and closed at once.
  int64_t open = stats_.open.fetch_add(1) + 1;
  if (cfg_.max_connections && open > static_cast<int64_t>(cfg_.max_connections)) {
    stats_.open.fetch_sub(1);
    return;
  }
  counters().connections.fetch_add(1, std::memory_order_relaxed);
  set_nodelay(fd.get());
  std::unique_ptr<Transport> t;
  if (tls_) {
    auto tt = tls_->accept(std::move(fd));
    if (!tt) {
      stats_.open.fetch_sub(1);
      return;
    }
    t = std::move(*tt);
  } else {
    t = std::make_unique<PlainTransport>(std::move(fd));
  }
  auto c = std::make_unique<H1Connection>(*this, std::move(t), alt_svc);
  H1Connection* raw = c.get();
  add_connection(std::move(c));
  raw->start();
}

void Worker::add_connection(std::unique_ptr<ServedConnection> c) {
  ServedConnection* raw = c.get();
  connections_.emplace(raw, std::move(c));
  peak_ = std::max(peak_, connections_.size());
  if (peak_ >= kTrimPeak) in_burst_ = true;
}

void Worker::hand_over_h2(ServedConnection* from, std::unique_ptr<Transport> t,
                          std::string already_read, std::optional<H2cUpgrade> upgrade,
                          std::string_view alt_svc) {
  stats_.open.fetch_add(1);  // release(from) takes one off: the count stays
  auto c = std::make_unique<H2Connection>(*this, std::move(t), std::move(already_read),
                                          std::move(upgrade), alt_svc);
  H2Connection* raw = c.get();
  add_connection(std::move(c));
  release(from);
  raw->start();
  if (draining_) raw->drain();
}

void Worker::release(ServedConnection* c) {
  // Deferred: c may be deep in its own call stack right now.
  loop_.defer([this, c] {
    if (connections_.erase(c)) stats_.open.fetch_sub(1);
    maybe_trim();
    finish_if_drained();
  });
}

// After a burst: see kTrimPeak. A trim due sooner than kTrimEvery after the
// last one waits for its turn, and then sees the count as it is by then.
void Worker::maybe_trim() {
  if (!in_burst_ || connections_.size() > peak_ / kTrimFraction || trim_timer_) return;
  auto due = std::max(loop_.now(), last_trim_ + kTrimEvery);
  trim_timer_ = loop_.timer(due, [this] {
    trim_timer_ = 0;
    trim();
  });
}

void Worker::trim() {
  last_trim_ = loop_.now();
  peak_ = connections_.size();
  if (peak_ < kTrimPeak / kTrimFraction) in_burst_ = false;
  small_alloc::trim();
  for (auto& l : quic_listeners_) l->trim_memory();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void Worker::begin_drain() {
  if (draining_) return;
  draining_ = true;
  for (auto& l : listeners_) l->close();
  for (auto& [raw, c] : connections_) c->drain();
  for (auto& q : quic_listeners_)
    q->drain([this] {
      ++quic_drained_;
      finish_if_drained();
    });
  grace_timer_ = loop_.after(cfg_.shutdown_timeout, [this] {
    grace_timer_ = 0;
    force_close();
  });
  loop_.defer([this] { finish_if_drained(); });
}

void Worker::force_close() {
  draining_ = true;
  for (auto& l : listeners_) l->close();
  for (auto& [raw, c] : connections_) c->close_now();
  for (auto& q : quic_listeners_) q->close_now();
  quic_drained_ = quic_listeners_.size();
  loop_.defer([this] { finish_if_drained(); });
}

void Worker::finish_if_drained() {
  if (!draining_ || !connections_.empty() || quic_drained_ < quic_listeners_.size()) return;
  if (grace_timer_) loop_.cancel(grace_timer_);
  grace_timer_ = 0;
  loop_.stop();
}

}  // namespace sluice::serve
