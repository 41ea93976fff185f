// `sluice udp-probe`: flags -> probe::ProbeConfig, a live line each second when
// stdout is a terminal, the report as a table or JSON, and the exit code:
// 0 when the run completed (ICMP and send errors are data, not failures),
// 2 for bad flags, 3 for a bad address, 6 when the host does not resolve.
#include "core/probe/probe.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/option_binders.hpp"

namespace sluice::cli {

struct ProbeArgs {
  std::string target, listen;
  // Signed, so "-1" is refused rather than wrapped around.
  int64_t count = 0, size = 64, batch = 32;
  double rate = 10, duration = 0, linger = 1;
  bool connected = false, unconnected = false, ipv4 = false, ipv6 = false;
  bool no_drain = false, no_echo = false, json = false;
};

namespace {

const char* kMeasures =
    "sent / bytes / calls   datagrams and bytes the socket took, and the sendmmsg calls\n"
    "send errors            datagrams a send refused (errno of the last one)\n"
    "received               replies (receiver: datagrams that arrived)\n"
    "ICMP errors            error-queue entries, each reported once: errno, ICMP type and\n"
    "                       code, the offending address (sock_extended_err) and the\n"
    "                       destination of the datagram that failed\n"
    "wake-ups               returns from epoll_wait\n"
    "CPU                    user and system time (getrusage) and their share of wall time";

const char* kProbeBehaviour =
    "Every UDP socket has IP_RECVERR/IPV6_RECVERR on. An ICMP error raises EPOLLERR\n"
    "(level-triggered) until it is read, so on EPOLLERR the error queue is drained,\n"
    "at most 32 entries per wake-up; if it cannot be read, SO_ERROR is read instead.\n"
    "A pending ICMP error also fails the next send with its errno: then the queue\n"
    "is drained (the error is reported there, once) and the send retried once.\n"
    "--no-drain skips all that on purpose: the loop spins at 100 % CPU until the\n"
    "run ends after --duration/--count plus --linger, and to a closed port every\n"
    "other send fails (counted as send errors).\n"
    "Without --count or --duration the sender sends 10 datagrams. --rate 0 sends as\n"
    "fast as the socket takes them, one --batch per wake-up.\n"
    "The receiver (--listen) counts datagrams until --count, --duration or\n"
    "SIGINT/SIGTERM, echoing each back unless --no-echo; replies the socket will\n"
    "not take at once are dropped and counted. It reads up to max(--size, 2048)\n"
    "bytes of each datagram, and prints 'sluice udp-probe: listening on\n"
    "ADDR:PORT' on stderr when ready.\n"
    "Exit status: 0 when the run completed (errors are data), 2 for bad options,\n"
    "3 for a malformed address, 6 when the host cannot be resolved, 7 when the\n"
    "receiver cannot bind, 130 when a signal interrupted the sender.";

Result<probe::ProbeConfig> make_config(const ProbeArgs& a) {
  probe::ProbeConfig c;
  if (a.connected && a.unconnected)
    return fail(Errc::bad_argument, "--connected and --unconnected cannot be used together");
  if (a.ipv4 && a.ipv6) return fail(Errc::bad_argument, "-4 and -6 cannot be used together");
  if (a.listen.empty() == a.target.empty())
    return fail(Errc::bad_argument, "give either HOST:PORT (to send) or --listen ADDR:PORT");
  c.family = a.ipv4 ? Family::v4 : a.ipv6 ? Family::v6 : Family::any;
  if (!a.listen.empty()) {
    auto hp = parse_host_port(a.listen);
    if (!hp) return fail(Errc::bad_url, fmt::format("--listen: {}", hp.error().message));
    auto addr = parse_numeric(hp->host, hp->port);
    if (!addr)
      return fail(Errc::bad_url, fmt::format("--listen {}: {}", a.listen, addr.error().message));
    c.listen = *addr;
  } else {
    auto hp = parse_host_port(a.target);
    if (!hp || hp->host.empty() || hp->port == 0)
      return fail(Errc::bad_url, hp ? fmt::format("bad address '{}': expected HOST:PORT", a.target)
                                    : hp.error().message);
    c.host = hp->host;
    c.port = hp->port;
  }
  if (a.count < 0) return fail(Errc::bad_argument, "--count must not be negative");
  if (a.size < 0 || a.size > 65507) return fail(Errc::bad_argument, "--size: 0..65507");
  if (a.batch < 1 || a.batch > 1024) return fail(Errc::bad_argument, "--batch: 1..1024");
  c.count = static_cast<uint64_t>(a.count);
  c.rate = a.rate;
  c.duration_s = a.duration;
  c.linger_s = a.linger;
  if (c.listen.has_value() == false && c.count == 0 && c.duration_s == 0) c.count = 10;
  c.size = static_cast<std::size_t>(a.size);
  c.batch = static_cast<unsigned>(a.batch);
  c.connected = !a.unconnected;
  c.drain = !a.no_drain;
  c.echo = !a.no_echo;
  return c;
}

std::string errno_name(int err) {
  const char* n = err ? ::strerrorname_np(err) : nullptr;
  return n ? n : fmt::format("errno {}", err);
}

std::string origin_name(IcmpError::Origin o) {
  switch (o) {
    case IcmpError::Origin::none:
      return "so_error";
    case IcmpError::Origin::local:
      return "local";
    case IcmpError::Origin::icmp:
      return "icmp";
    case IcmpError::Origin::icmp6:
      return "icmp6";
    case IcmpError::Origin::other:
      return "other";
  }
  return "other";
}

std::string describe(const IcmpError& e) {
  std::string s = errno_name(e.err);
  if (e.origin == IcmpError::Origin::icmp || e.origin == IcmpError::Origin::icmp6) {
    s += fmt::format("  {} type {} code {}",
                     e.origin == IcmpError::Origin::icmp ? "ICMP" : "ICMPv6", e.type, e.code);
    if (auto d = icmp_description(e); !d.empty()) s += fmt::format(" ({})", d);
  } else if (e.origin == IcmpError::Origin::none) {
    s += "  (from SO_ERROR)";
  } else if (e.origin == IcmpError::Origin::local) {
    s += "  (local)";
  }
  if (e.offender.len) s += " from " + e.offender.ip();
  if (e.destination.len) s += " for " + e.destination.to_string();
  return s;
}

std::string live_line(const probe::Report& r) {
  if (r.listen)
    return fmt::format("{:5.0f} s  received {}  echoed {}  ICMP {}  wake-ups {}  CPU {:.1f} %",
                       r.wall_s, r.received, r.sent, r.icmp_errors, r.wakeups, 100 * r.cpu_share());
  return fmt::format(
      "{:5.0f} s  sent {}  errors {}  replies {}  ICMP {}  wake-ups {}  CPU {:.1f} %", r.wall_s,
      r.sent, r.send_errors, r.received, r.icmp_errors, r.wakeups, 100 * r.cpu_share());
}

std::string table(const probe::Report& r, const probe::ProbeConfig& c) {
  std::string mode =
      fmt::format("batch {}, error queue {}", c.batch, c.drain ? "drained" : "NOT drained");
  std::string out;
  if (r.listen)
    out += fmt::format("udp-probe listening on {} ({}, {})\n", r.local.to_string(),
                       c.echo ? "echo" : "no echo", mode);
  else
    out += fmt::format("udp-probe {} from {} ({}, {})\n", r.peer.to_string(), r.local.to_string(),
                       c.connected ? "connected" : "unconnected", mode);
  out += fmt::format("  {:<14}{} datagrams, {} bytes, {} calls", r.listen ? "echoed" : "sent",
                     r.sent, r.bytes_sent, r.send_calls);
  if (!r.listen) out += fmt::format(", {:.1f}/s over {:.3f} s", r.send_rate(), r.send_s);
  out += "\n";
  out += fmt::format("  {:<14}{}", "send errors", r.send_errors);
  if (r.send_errors) out += fmt::format(" (last {})", errno_name(r.last_send_errno));
  out += "\n";
  if (r.listen) out += fmt::format("  {:<14}{}\n", "echo dropped", r.echo_dropped);
  out += fmt::format("  {:<14}{} datagrams, {} bytes, {} calls\n",
                     r.listen ? "received" : "replies", r.received, r.bytes_received, r.recv_calls);
  if (r.recv_errors) out += fmt::format("  {:<14}{}\n", "recv errors", r.recv_errors);
  out += fmt::format("  {:<14}{}\n", "ICMP errors", r.icmp_errors);
  for (const auto& k : r.icmp) out += fmt::format("  {:>14}  {}\n", k.count, describe(k.error));
  out += fmt::format("  {:<14}{}\n", "wake-ups", r.wakeups);
  out += fmt::format("  {:<14}user {:.3f} s, system {:.3f} s = {:.1f} % of {:.3f} s wall\n", "CPU",
                     r.cpu_user_s, r.cpu_sys_s, 100 * r.cpu_share(), r.wall_s);
  if (r.socket_error) out += fmt::format("  {:<14}{}\n", "socket closed", r.socket_error->message);
  if (r.interrupted) out += fmt::format("  {:<14}\n", "interrupted");
  return out;
}

std::string json_addr(const SocketAddr& a) {
  return a.len ? fmt::format("\"{}\"", a.to_string()) : "null";
}

std::string json(const probe::Report& r, const probe::ProbeConfig& c) {
  std::string icmp;
  for (const auto& k : r.icmp) {
    const auto& e = k.error;
    icmp += fmt::format(
        "{}{{\"count\":{},\"errno\":{},\"errno_name\":\"{}\",\"origin\":\"{}\",\"type\":{},"
        "\"code\":{},\"description\":\"{}\",\"offender\":{},\"destination\":{}}}",
        icmp.empty() ? "" : ",", k.count, e.err, errno_name(e.err), origin_name(e.origin), e.type,
        e.code, icmp_description(e),
        e.offender.len ? fmt::format("\"{}\"", e.offender.ip()) : "null", json_addr(e.destination));
  }
  return fmt::format(
      "{{\"mode\":\"{}\",\"peer\":{},\"local\":{},\"connected\":{},\"drained\":{},\"batch\":{},"
      "\"size\":{},\"sent\":{},\"bytes_sent\":{},\"send_calls\":{},\"send_errors\":{},"
      "\"last_send_errno\":{},\"received\":{},\"bytes_received\":{},\"recv_calls\":{},"
      "\"recv_errors\":{},\"echo_dropped\":{},\"icmp_errors\":{},\"icmp\":[{}],\"wakeups\":{},"
      "\"cpu_user_s\":{:.6f},\"cpu_sys_s\":{:.6f},\"wall_s\":{:.6f},\"cpu_share\":{:.6f},"
      "\"send_s\":{:.6f},\"send_rate\":{:.1f},\"interrupted\":{},\"socket_error\":{}}}\n",
      r.listen ? "listen" : "send", json_addr(r.peer), json_addr(r.local), c.connected, c.drain,
      c.batch, c.size, r.sent, r.bytes_sent, r.send_calls, r.send_errors, r.last_send_errno,
      r.received, r.bytes_received, r.recv_calls, r.recv_errors, r.echo_dropped, r.icmp_errors,
      icmp, r.wakeups, r.cpu_user_s, r.cpu_sys_s, r.wall_s, r.cpu_share(), r.send_s, r.send_rate(),
      r.interrupted, r.socket_error ? fmt::format("\"{}\"", r.socket_error->message) : "null");
}

CommandSpec probe_spec(ProbeArgs& a) {
  CommandSpec s;
  s.name = "udp-probe";
  s.usage = "sluice udp-probe [OPTIONS] HOST:PORT | --listen ADDR:PORT";
  s.summary = "Send UDP datagrams and measure ICMP errors, wake-ups and CPU.";
  s.description =
      "Sends datagrams from the event loop to HOST:PORT (IPv6 as [::1]:PORT), also to a\n"
      "port where nothing listens, and reports sends, replies, ICMP errors, loop\n"
      "wake-ups and CPU time: at the end as a table (or --json), and live each second\n"
      "when stdout is a terminal. It proves the socket error queue is drained instead\n"
      "of spinning. With --listen it is the receiving end: it counts (and echoes) what\n"
      "arrives, to measure loss and the reachable case.";
  s.options = {
      value("target", "HOST:PORT", "Where to send", a.target),
      value("--count", "N", "Datagrams to send (receiver: stop after N arrived)", a.count),
      value("--rate", "PER_S",
            "Datagrams per second (default 10; 0: as fast as the socket takes them)", a.rate),
      value("--duration", "SECONDS", "Stop sending (receiver: stop) after this long", a.duration),
      value("--linger", "SECONDS",
            "After the last send, keep handling errors and replies this long (default 1)",
            a.linger),
      value("--size", "BYTES", "Payload bytes per datagram (default 64)", a.size),
      value("--batch", "N", "Datagrams per sendmmsg/recvmmsg call (default 32)", a.batch),
      flag("--connected", "connect() the socket and send on it (the default)", a.connected),
      flag("--unconnected",
           "Give every datagram its destination (sendto); errors still arrive on the queue",
           a.unconnected),
      flag("-4,--ipv4", "Resolve HOST to IPv4 addresses only", a.ipv4),
      flag("-6,--ipv6", "Resolve HOST to IPv6 addresses only", a.ipv6),
      flag("--no-drain",
           "Never read the error queue: reproduces the 100 % CPU spin, for comparison", a.no_drain),
      value("--listen", "ADDR:PORT",
            "Receive instead: count (and echo) the datagrams arriving here", a.listen),
      flag("--no-echo", "With --listen, count only; send nothing back", a.no_echo),
      flag("--json", "Print the report as one JSON object", a.json),
  };
  s.extra_sections = {{"Measures", kMeasures}, {"Behaviour", kProbeBehaviour}};
  return s;
}

int run_probe(ProbeArgs& a) {
  auto cfg = make_config(a);
  if (!cfg)
    return print_failure("sluice udp-probe", cfg.error());  // bad_url: 3, a malformed address
  probe::Callbacks cb;
  bool live = ::isatty(STDOUT_FILENO) != 0;
  if (live)
    cb.progress = [](const probe::Report& r) {
      fmt::print("\r{}\033[K", live_line(r));
      std::fflush(stdout);
    };
  cb.listening = [](const SocketAddr& at) {
    fmt::print(stderr, "sluice udp-probe: listening on {}\n", at.to_string());
  };
  auto report = probe::run(*cfg, cb);
  if (live) fmt::print("\r\033[K");
  if (!report) return print_failure("sluice udp-probe", report.error());
  fmt::print("{}", a.json ? json(*report, *cfg) : table(*report, *cfg));
  std::fflush(stdout);
  if (report->socket_error) return exit_code(report->socket_error->code);
  if (report->interrupted && !report->listen) return exit_code(Errc::cancelled);
  return 0;
}

}  // namespace

Command probe_command() {
  return make_command(probe_spec, run_probe);
}

}  // namespace sluice::cli
