#include "core/fetch/fetch.hpp"

#include <signal.h>

#include <list>

#include "core/fetch/ordered_stdout.hpp"
#include "core/fetch/transfer.hpp"

namespace sluice::fetch {

namespace {

// Runs the targets on one loop: in order, or with -Z up to parallel_max at a
// time; they share the connection pool and an ordered stdout.
class Engine {
 public:
  Engine(const FetchConfig& cfg, const Callbacks& cb)
      : cfg_(cfg), cb_(cb), pool_(loop_), stdout_(loop_, cfg.max_buffer) {
    reports_.resize(cfg_.targets.size());
    done_.resize(cfg_.targets.size());
  }

  std::vector<Report> run() {
    (void)loop_.watch_signals({SIGINT, SIGTERM}, [this](int sig) { on_signal(sig); });
    loop_.defer([this] { start_more(); });
    loop_.run();
    for (auto& a : active_)  // a loop that ran dry with work left is our bug: say so
      if (!done_[a.index])
        reports_[a.index].error = Error{Errc::internal, "transfer stopped without a result"};
    active_.clear();
    reports_.resize(started_);  // targets never started (after a fatal error) have no report
    return std::move(reports_);
  }

 private:
  struct Active {
    std::size_t index;
    std::unique_ptr<Transfer> transfer;
    // A transfer writing to a file still has a place in stdout's order: its
    // -w text goes there, in URL order like every body on stdout.
    std::unique_ptr<OrderedStdout::Lane> write_out_lane;
  };

  Result<std::shared_ptr<TlsContext>> tls_ctx() {
    if (!tls_) {  // created on first https:// use only: plain http pays nothing for TLS
      TlsClientConfig tc = cfg_.tls;
      tc.alpn = alpn_for(cfg_.http_version);
      auto c = TlsContext::client(tc);
      if (!c) return std::unexpected(c.error());
      tls_ = *c;
    }
    return tls_;
  }

  std::size_t limit() const {
    return cfg_.parallel ? static_cast<std::size_t>(std::max(1, cfg_.parallel_max)) : 1;
  }

  // --rate: transfers one after another start no closer than this together.
  bool wait_for_rate() {
    if (cfg_.parallel || cfg_.rate_interval.count() == 0 || started_ == 0) return false;
    if (rate_timer_) return true;
    TimePoint due = last_start_ + cfg_.rate_interval;
    if (Clock::now() >= due) return false;
    rate_timer_ = loop_.timer(due, [this] {
      rate_timer_ = 0;
      start_more();
    });
    return true;
  }

  void start_more() {
    while (!stopping_ && started_ < cfg_.targets.size() && active_.size() < limit()) {
      if (wait_for_rate()) return;
      last_start_ = Clock::now();
      std::size_t index = started_++;
      TransferEnv env{loop_, pool_, cfg_, cb_, [this] { return tls_ctx(); }};
      const Target& t = cfg_.targets[index];
      auto lane = stdout_.open();
      std::unique_ptr<OrderedStdout::Lane> write_out_lane;
      if (!t.output_path.empty()) write_out_lane = std::move(lane);
      auto transfer = std::make_unique<Transfer>(
          env, t, std::move(lane), [this, index](Report r) { on_done(index, std::move(r)); });
      Transfer* raw = transfer.get();
      raw->set_stdout_side(write_out_lane.get());
      active_.push_back({index, std::move(transfer), std::move(write_out_lane)});
      raw->start();
    }
    if (active_.empty() && (stopping_ || started_ == cfg_.targets.size()))
      stdout_.finish_when_idle([this] { loop_.stop(); });
  }

  void on_done(std::size_t index, Report r) {
    r.url_num = cfg_.targets[index].url_num;
    r.xfer_id = static_cast<long>(index);
    auto it =
        std::find_if(active_.begin(), active_.end(), [index](auto& a) { return a.index == index; });
    if (it == active_.end()) return;
    Transfer* t = it->transfer.get();
    // -w goes to stdout after this transfer's body, in URL order.
    if (cb_.write_out && !stdout_.error()) {
      std::string text = cb_.write_out(r);
      if (!text.empty()) {
        if (target_uses_stdout(index))
          t->output().write(text);
        else
          it->write_out_lane->write(text);
      }
    }
    // A consumer that went away takes the remaining transfers with it.
    if (r.error && r.error->code == Errc::write_failed && target_uses_stdout(index))
      stop_all(*r.error);
    if (r.error && cfg_.fail_early && !stopping_)
      stop_all({Errc::aborted, "Transfer aborted: another transfer failed (--fail-early)"});
    reports_[index] = std::move(r);
    done_[index] = true;
    // Destroyed from the loop: the transfer is on the call stack here.
    auto doomed = std::make_shared<Active>(std::move(*it));
    active_.erase(it);
    loop_.defer([this, doomed] {
      doomed->transfer.reset();  // closes its lane: the next one reaches stdout
      start_more();
    });
  }

  bool target_uses_stdout(std::size_t index) const {
    return cfg_.targets[index].output_path.empty();
  }

  void stop_all(const Error& e) {
    stopping_ = true;
    for (auto& a : active_) a.transfer->interrupt(e);
  }

  void on_signal(int sig) {
    if (stopping_) return loop_.stop();  // a second signal: out at once
    stop_all({Errc::cancelled, fmt::format("Interrupted by signal {}", sig), sig});
    loop_.defer([this] { loop_.stop(); });
  }

  FetchConfig cfg_;
  Callbacks cb_;
  Loop loop_;
  Pool pool_;
  OrderedStdout stdout_;
  std::shared_ptr<TlsContext> tls_;
  std::list<Active> active_;
  std::vector<Report> reports_;
  std::vector<bool> done_;
  std::size_t started_ = 0;
  bool stopping_ = false;
  TimePoint last_start_;
  TimerId rate_timer_ = 0;
};

}  // namespace

std::vector<Report> run(const FetchConfig& cfg, const Callbacks& cb) {
  Engine engine(cfg, cb);
  return engine.run();
}

}  // namespace sluice::fetch
