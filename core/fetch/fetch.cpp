#include "core/fetch/fetch.hpp"

#include <signal.h>
#include <unistd.h>

#include "core/fetch/transfer.hpp"

namespace sluice::fetch {

namespace {

// Runs the targets one after another on one loop, sharing the pool and stdout.
class Engine {
 public:
  Engine(const Config& cfg, const Callbacks& cb) : cfg_(cfg), cb_(cb), pool_(loop_) {}

  std::vector<Report> run() {
    (void)loop_.watch_signals({SIGINT, SIGTERM}, [this](int sig) { on_signal(sig); });
    loop_.defer([this] { next(); });
    loop_.run();
    current_.reset();
    return std::move(reports_);
  }

 private:
  TransferEnv env() {
    return TransferEnv{loop_, pool_, cfg_, cb_, [this] { return tls_ctx(); },
                       [this]() -> OutputWriter& { return stdout_writer(); }};
  }

  Result<std::shared_ptr<TlsContext>> tls_ctx() {
    if (!tls_) {  // created on first https:// use only: plain http pays nothing for TLS
      auto c = TlsContext::client(cfg_.tls);
      if (!c) return std::unexpected(c.error());
      tls_ = *c;
    }
    return tls_;
  }

  OutputWriter& stdout_writer() {
    if (!stdout_)
      stdout_ = std::make_unique<OutputWriter>(loop_, STDOUT_FILENO, false, cfg_.max_buffer,
                                               cfg_.max_buffer / 4);
    return *stdout_;
  }

  void next() {
    if (index_ >= cfg_.targets.size() || stop_after_current_) return finish_all();
    current_ = std::make_unique<Transfer>(env(), cfg_.targets[index_++],
                                          [this](Report r) { on_done(std::move(r)); });
    current_->start();
  }

  void on_done(Report r) {
    bool stdout_failed = stdout_ && stdout_->error();
    if (cb_.write_out && !stdout_failed) {
      std::string text = cb_.write_out(r);
      if (!text.empty()) stdout_writer().write(text);
    }
    // A consumer that went away takes the remaining transfers with it.
    if (r.error && r.error->code == Errc::write_failed) stop_after_current_ = true;
    reports_.push_back(std::move(r));
    loop_.defer([this] {
      current_.reset();
      next();
    });
  }

  void finish_all() {
    if (stdout_ && !stdout_->idle() && !stdout_->error()) {
      stdout_->on_empty = [this] { loop_.stop(); };
      stdout_->on_failed = [this] { loop_.stop(); };
      return;
    }
    loop_.stop();
  }

  void on_signal(int sig) {
    stop_after_current_ = true;
    Error e{Errc::cancelled, fmt::format("Interrupted by signal {}", sig), sig};
    if (current_) {
      current_->interrupt(e);
    } else {
      loop_.stop();
    }
    if (stdout_) stdout_->on_empty = nullptr;
    loop_.defer([this] { loop_.stop(); });
  }

  Config cfg_;
  Callbacks cb_;
  Loop loop_;
  Pool pool_;
  std::shared_ptr<TlsContext> tls_;
  std::unique_ptr<OutputWriter> stdout_;
  std::unique_ptr<Transfer> current_;
  std::vector<Report> reports_;
  std::size_t index_ = 0;
  bool stop_after_current_ = false;
};

}  // namespace

std::vector<Report> run(const Config& cfg, const Callbacks& cb) {
  Engine engine(cfg, cb);
  return engine.run();
}

}  // namespace sluice::fetch
