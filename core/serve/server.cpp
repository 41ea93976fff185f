#include "core/serve/server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/http/h3_module.hpp"
#include "core/net/tcp.hpp"
#include "core/net/tls.hpp"
#include "core/serve/worker.hpp"

namespace sluice::serve {

namespace {

// Many connections need many descriptors: take the hard limit.
void raise_fd_limit() {
  rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

Result<std::string> canonical_root(const std::string& root) {
  if (root.empty()) return std::string();
  char buf[PATH_MAX];
  if (!::realpath(root.c_str(), buf))
    return fail(Errc::bad_argument, fmt::format("--root {}: {}", root, std::strerror(errno)),
                errno);
  struct stat st;
  if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(Errc::bad_argument, fmt::format("--root {}: not a directory", root));
  return std::string(buf);
}

std::string url_for(const SocketAddr& a, bool tls) {
  return fmt::format("{}://{}", tls ? "https" : "http", a.to_string());
}

// With --http3, each worker also gets a QUIC listener on the UDP port of the
// same number (quic: the module and the spec, local address aside).
struct QuicPlan {
  h3::Module* module = nullptr;
  h3::QuicListenSpec spec;
};

// One address's sockets for every worker, not yet handed to them.
struct Bound {
  SocketAddr addr;
  std::vector<Fd> tcp;
  std::vector<std::unique_ptr<h3::QuicListener>> quic;
};

Result<Bound> bind_address(SocketAddr addr, const std::vector<std::unique_ptr<Worker>>& workers,
                           const ListenOptions& opt, const QuicPlan& quic) {
  Bound b;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    auto fd = tcp_listen(addr, opt);
    if (!fd) return std::unexpected(fd.error());
    addr = local_address(fd->get());  // port 0: the others bind the port the first got
    b.tcp.push_back(std::move(*fd));
  }
  b.addr = addr;
  if (!quic.module) return b;
  h3::QuicListenSpec spec = quic.spec;
  spec.local = addr;
  spec.reuse_port = workers.size() > 1;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    spec.worker = static_cast<unsigned>(i);  // bound in this order
    auto l = quic.module->listen(workers[i]->loop(), spec, *workers[i]);
    if (!l) return std::unexpected(l.error());
    b.quic.push_back(std::move(*l));
  }
  return b;
}

// Every worker gets its own socket per address (SO_REUSEPORT spreads the
// connections); all are bound here, before any thread starts, so that a
// failure is reported once and nothing half-starts. With --http3 an address
// of port 0 takes a port free for TCP and UDP alike: the kernel picks TCP's,
// and that number may be taken on UDP (a QUIC client's source port), so a
// clash is tried again with another port rather than failing at random.
Result<void> bind_listeners(const ServeConfig& cfg, std::vector<std::unique_ptr<Worker>>& workers,
                            const ServeEvents& events, const QuicPlan& quic) {
  constexpr int kPortTries = 32;
  ListenOptions opt;
  // Only with several threads: otherwise a second server on the same port
  // would silently share it instead of failing.
  opt.reuse_port = workers.size() > 1;
  opt.defer_accept_s = cfg.defer_accept ? 1 : 0;
  for (const SocketAddr& want : cfg.listen) {
    auto b = bind_address(want, workers, opt, quic);
    for (int tries = 1; !b && want.port() == 0 && b.error().sys == EADDRINUSE && tries < kPortTries;
         ++tries)
      b = bind_address(want, workers, opt, quic);
    if (!b) return std::unexpected(b.error());
    // h1/h2 over TLS point clients at the QUIC listener of the same port.
    std::string alt_svc = quic.module ? fmt::format("h3=\":{}\"", b->addr.port()) : "";
    for (std::size_t i = 0; i < workers.size(); ++i) {
      workers[i]->add_listener(std::move(b->tcp[i]), alt_svc);
      if (quic.module) workers[i]->add_quic_listener(std::move(b->quic[i]));
    }
    if (events.listening) events.listening(url_for(b->addr, cfg.tls));
    if (quic.module && events.quic_listening) events.quic_listening(b->addr.to_string());
  }
  return {};
}

// The first SIGINT/SIGTERM drains every worker, a second one closes everything.
Result<void> watch_stop_signals(Worker& main, std::vector<std::unique_ptr<Worker>>& workers,
                                const ServeEvents& events) {
  auto on_signal = [&workers, &events, count = 0](int sig) mutable {
    bool force = ++count > 1;
    if (!force && events.stopping) events.stopping(sig);
    for (auto& w : workers) w->request_stop(force);
  };
  return main.loop().watch_signals({SIGINT, SIGTERM}, on_signal);
}

}  // namespace

Result<ServeReport> run(const ServeConfig& cfg, const ServeEvents& events) {
  if (cfg.listen.empty()) return fail(Errc::bad_argument, "nothing to listen on");
  if (cfg.threads < 1) return fail(Errc::bad_argument, "--threads must be at least 1");
  ::signal(SIGPIPE, SIG_IGN);  // sendfile and OpenSSL's socket writes raise it on a closed peer
  raise_fd_limit();

  Env env;
  auto root = canonical_root(cfg.root);
  if (!root) return std::unexpected(root.error());
  env.root = *root;
  Fd root_fd;
  if (!env.root.empty()) {
    root_fd = Fd(::open(env.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd)
      return fail(Errc::bad_argument, fmt::format("--root {}: {}", env.root, std::strerror(errno)),
                  errno);
    env.root_fd = root_fd.get();
  }

  if (cfg.http3 && !cfg.tls) return fail(Errc::bad_argument, "--http3 needs --tls");
  std::shared_ptr<TlsContext> tls;
  if (cfg.tls) {
    auto ctx = TlsContext::server({cfg.cert_file, cfg.key_file, {"h2", "http/1.1"}});
    if (!ctx) return std::unexpected(ctx.error());
    tls = *ctx;
    if (events.certificate) events.certificate(tls->fingerprint());
  }
  QuicPlan quic;
  if (cfg.http3) {
    auto module = h3::load_module();
    if (!module) return std::unexpected(module.error());
    auto pem = tls->server_pem();
    if (!pem) return std::unexpected(pem.error());
    quic.module = *module;
    quic.spec.cert_pem = std::move(pem->first);
    quic.spec.key_pem = std::move(pem->second);
    quic.spec.max_streams = cfg.h2.max_concurrent_streams;
    quic.spec.idle_timeout = cfg.keepalive_timeout;
    quic.spec.handshake_timeout = cfg.request_timeout;
    quic.spec.retry = cfg.quic_retry;
    quic.spec.max_handshakes = cfg.quic_max_handshakes;
    quic.spec.workers = static_cast<unsigned>(cfg.threads);
    if (::getrandom(quic.spec.secret.data(), quic.spec.secret.size(), 0) !=
        static_cast<ssize_t>(quic.spec.secret.size()))
      return fail(Errc::internal, "getrandom failed: no secret for QUIC tokens");
  }

  Stats stats(cfg.threads);
  env.stats = &stats;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < cfg.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(i, cfg, env, stats, tls));
    if (auto r = workers.back()->init(); !r) return std::unexpected(r.error());
  }
  if (auto r = bind_listeners(cfg, workers, events, quic); !r) return std::unexpected(r.error());
  // Before the threads start: they inherit the blocked signal mask, so the
  // signals reach only the signalfd of worker 0.
  if (auto r = watch_stop_signals(*workers[0], workers, events); !r)
    return std::unexpected(r.error());

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers.size(); ++i)
    threads.emplace_back([w = workers[i].get()] { w->run(); });
  workers[0]->run();
  for (auto& t : threads) t.join();
  return ServeReport{stats.requests(), stats.connections()};
}

}  // namespace sluice::serve
