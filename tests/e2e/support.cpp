#include "support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace e2e {

namespace {
int reap(pid_t pid, int timeout_ms, int* status) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return 0;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

pid_t spawn_bash(const std::string& cmd, const std::string& out, const std::string& err) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // own process group, so a kill reaches the whole pipeline
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execl("/bin/bash", "bash", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  return pid;
}
}  // namespace

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

namespace {
std::string g_tmpdir;

// Each test is its own process with its own directory; some hold 100 MB
// bodies, so a run of ~470 tests must not leave them behind (CI's disk
// filled up once). SLUICE_E2E_KEEP=1 keeps them for a post-mortem.
void remove_tmpdir() {
  const char* keep = std::getenv("SLUICE_E2E_KEEP");
  if (!g_tmpdir.empty() && !(keep && *keep == '1')) {
    std::error_code ec;
    std::filesystem::remove_all(g_tmpdir, ec);
  }
}
}  // namespace

std::string tmpdir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/sluice-e2e-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      std::perror("e2e: mkdtemp /tmp/sluice-e2e-XXXXXX");
      std::exit(2);
    }
    g_tmpdir = tmpl;
    std::atexit(remove_tmpdir);
    return g_tmpdir;
  }();
  return dir;
}

std::string random_file(const std::string& name, long n) {
  std::string path = tmpdir() + "/" + name;
  REQUIRE(sh("head -c " + std::to_string(n) + " /dev/urandom > " + path).exit_code == 0);
  return path;
}

namespace {

// A sanitizer report must never pass for an exit code sluice uses itself
// (ASan's default 1 is "unsupported protocol", LSan's 23 "write error"):
// distinct codes, stop at the first report, no abort. Set before any child
// starts; settings the user exported win. intercept_tls_get_addr=0: GCC 12's
// LeakSanitizer misreads the dynamic TLS of dlopen'ed libraries on glibc
// 2.36 (OpenSSL's, in the TLS module) and, for some binary layouts, crashes
// at exit ("Tracer caught signal 11", exit 88) after a clean run; without the
// interception that TLS is scanned as the heap and static TLS it lives in.
const bool kSanitizerEnv = [] {
  ::setenv("ASAN_OPTIONS", "exitcode=86:halt_on_error=1:abort_on_error=0:intercept_tls_get_addr=0",
           0);
  ::setenv("UBSAN_OPTIONS", "exitcode=87:halt_on_error=1:abort_on_error=0:print_stacktrace=1", 0);
  ::setenv("LSAN_OPTIONS", "exitcode=88", 0);
  return true;
}();

// A user's proxy settings must not send the tests' loopback traffic (sluice's
// or curl's) elsewhere: the proxy tests set what they need per command.
const bool kNoProxyEnv = [] {
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY"})
    ::unsetenv(name);
  return true;
}();

}  // namespace

bool has_sanitizer_report(const std::string& text) {
  return text.find("ERROR: AddressSanitizer") != std::string::npos ||
         text.find("ERROR: LeakSanitizer") != std::string::npos ||
         text.find(": runtime error: ") != std::string::npos;
}

RunResult sh(const std::string& cmd, int timeout_s) {
  static int counter = 0;
  std::string base =
      tmpdir() + "/sh" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pid_t pid = spawn_bash(cmd, base + ".out", base + ".err");
  int status = 0;
  RunResult r;
  if (reap(pid, timeout_s * 1000, &status) != 0) {
    ::kill(-pid, SIGKILL);
    reap(pid, 5000, &status);
    r.exit_code = -1;
  } else {
    r.exit_code = decode(status);
  }
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  {
    INFO(cmd << "\n" << r.err);
    CHECK_FALSE(has_sanitizer_report(r.err));
  }
  ::unlink((base + ".out").c_str());
  ::unlink((base + ".err").c_str());
  return r;
}

std::string sha_of(const std::string& cmd) {
  auto r = sh("set -o pipefail; " + cmd + " | sha256sum | cut -c1-64");
  INFO(cmd << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 64);
}

std::string status_of(const std::string& curl_args) {
  return sh("curl -s -o /dev/null -w '%{http_code}' " + curl_args).out;
}

namespace {

int free_port_of(int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

int free_port() {
  return free_port_of(SOCK_STREAM);
}

bool wait_port(int port, int timeout_ms, bool v6) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    int rc;
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_loopback;
      a.sin6_port = htons(static_cast<uint16_t>(port));
      rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(port));
      rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    ::close(fd);
    if (rc == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool wait_until(const std::function<bool()>& ready, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool wait_udp_port(int port, int timeout_ms) {
  // Lines read "  sl  local_address rem_address ...", the local one "0100007F:1F90".
  std::string needle = fmt::format("0100007F:{:04X} ", port);
  return wait_until([&] { return slurp("/proc/net/udp").find(needle) != std::string::npos; },
                    timeout_ms);
}

int free_udp_port() {
  return free_port_of(SOCK_DGRAM);
}

Process::Process(const std::string& cmd) {
  static int counter = 0;
  log_ = tmpdir() + "/proc" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".log";
  pid_ = spawn_bash("exec " + cmd, log_ + ".out", log_);
}

Process::~Process() {
  if (!reaped_) {
    ::kill(-pid_, SIGKILL);
    int status;
    reap(pid_, 5000, &status);
  }
  std::string err = log();
  INFO(err);
  CHECK_FALSE(has_sanitizer_report(err));
}

void Process::signal(int sig) {
  ::kill(pid_, sig);
}

int Process::wait(int timeout_s) {
  if (reaped_) return decode(status_);
  if (reap(pid_, timeout_s * 1000, &status_) != 0) return -1;
  reaped_ = true;
  return decode(status_);
}

bool Process::running() {
  if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::string Process::log() const {
  return slurp(log_);
}

std::string Process::out() const {
  return slurp(log_ + ".out");
}

bool Process::wait_out(const std::string& needle, int timeout_ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out().find(needle) == std::string::npos) {
    if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    if (reaped_) return out().find(needle) != std::string::npos;  // it exited
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

namespace {

// The port of serve's "sluice serve: listening on SCHEME://127.0.0.1:PORT"
// line on its stderr, once it is there; 0 if it exits or 10 s pass first.
int bound_port(Process& proc) {
  const std::string key = "listening on ", host = "127.0.0.1:";
  int port = 0;
  wait_until([&] {
    auto log = proc.log();
    auto at = log.find(key);
    auto host_at = at == std::string::npos ? at : log.find(host, at);
    // Only a whole line: the port's digits may still be on their way.
    if (host_at != std::string::npos && log.find('\n', host_at) != std::string::npos)
      port = std::atoi(log.c_str() + host_at + host.size());
    return port > 0 || !proc.running();
  });
  return port;
}

}  // namespace

Server::Server(const std::string& extra_args, bool tls)
    : Server(extra_args, tls,
             (" " + extra_args + " ").find(" -q ") != std::string::npos ? free_port() : 0) {}

Server::Server(const std::string& extra_args, bool tls, int fixed_port)
    : proc(std::string(sluice_bin()) + " serve --listen 127.0.0.1:" + std::to_string(fixed_port) +
           (tls ? " --tls " : " ") + extra_args),
      port(fixed_port ? (wait_port(fixed_port), fixed_port) : bound_port(proc)),
      base(std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port)) {}

long Server::stat(const std::string& name) const {
  auto r = sh("curl -sk -m 10 " + base + "/stats");
  std::string key = "\"" + name + "\":";
  auto at = r.out.find(key);
  if (at == std::string::npos) return -1;
  return std::strtol(r.out.c_str() + at + key.size(), nullptr, 10);
}

bool Server::wait_requests(long n, int timeout_ms) const {
  long polls = 0;
  return wait_until([&] { return stat("requests") - ++polls >= n; }, timeout_ms);
}

}  // namespace e2e
