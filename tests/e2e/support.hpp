// Helpers for e2e tests: spawn the real binary (or a peer), find free loopback
// ports, run shell pipelines, and always clean up the processes we started.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace e2e {

inline const char* sluice_bin() {
  return SLUICE_BIN;
}

// tests/e2e/peers/serve_client.py: raw requests, the way no client library sends them.
inline const std::string kServeClient =
    SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/serve_client.py ";

struct RunResult {
  int exit_code = -1;  // 128+signal when killed
  std::string out, err;
};

// Whether text holds an ASan, LSan or UBSan report. sh() and Process fail
// the test when a child's stderr does (kSanitizerEnv in support.cpp gives
// the sanitizers exit codes sluice never uses: 86, 87, 88).
bool has_sanitizer_report(const std::string& text);

// Runs `bash -c cmd` with a hard timeout (seconds); captures stdout and stderr.
RunResult sh(const std::string& cmd, int timeout_s = 60);

// sha256 (64 hex digits) of what cmd writes on stdout; the command must succeed.
std::string sha_of(const std::string& cmd);

// The HTTP status of one curl request (its body dropped), e.g. "200".
std::string status_of(const std::string& curl_args);

// A whole file ("" when it cannot be read).
std::string slurp(const std::string& path);
void write_file(const std::string& path, const std::string& data);  // whole, binary

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int free_port();

// A background process (started with bash -c), killed by PID when destroyed.
class Process {
 public:
  explicit Process(const std::string& cmd);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int sig);
  int wait(int timeout_s = 30);  // exit code, 128+signal, or -1 on timeout
  bool running();                // not exited yet (reaps it, for wait(), once it has)
  const std::string& log_path() const { return log_; }
  std::string log() const;  // its stderr so far
  std::string out() const;  // its stdout so far
  // Waits until its stdout holds needle (a readiness line); false on timeout or exit.
  bool wait_out(const std::string& needle, int timeout_ms = 10000);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string log_;
};

// Waits until something accepts on 127.0.0.1:port (or [::1]:port).
bool wait_port(int port, int timeout_ms = 10000, bool v6 = false);

// Waits until a UDP socket is bound to 127.0.0.1:port (a QUIC server is
// listening): UDP has no accept to probe, so /proc/net/udp tells.
bool wait_udp_port(int port, int timeout_ms = 10000);

// Polls ready() every 20 ms until it holds: a readiness condition in place of
// a fixed sleep. False once timeout_ms has passed.
bool wait_until(const std::function<bool()>& ready, int timeout_ms = 10000);

// A free UDP port on 127.0.0.1 (bound and released).
int free_udp_port();

// `sluice serve` on 127.0.0.1:0, ready when constructed: the port is the one
// its "listening on" line names, so parallel tests never race for a port.
// A quiet server (-q) prints no such line: it gets a free port instead.
struct Server {
  explicit Server(const std::string& extra_args = "", bool tls = false);
  // A counter from its /stats ("requests", "connections", "open"), -1 when it
  // cannot be read. The /stats request counts itself: one more request, and
  // one more connection, open while it is answered.
  long stat(const std::string& name) const;
  // Waits until it has routed n requests besides the /stats requests this
  // call polls with (all since it started): load that has reached it.
  bool wait_requests(long n, int timeout_ms = 10000) const;
  Process proc;
  int port;
  std::string base;  // "http://127.0.0.1:PORT" or https

 private:
  Server(const std::string& extra_args, bool tls, int fixed_port);  // 0: let it bind one
};

std::string tmpdir();  // a fresh directory under /tmp, per test process
// A file of n random bytes in tmpdir(); returns its path.
std::string random_file(const std::string& name, long n);

}  // namespace e2e
