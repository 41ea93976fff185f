// `sluice serve`: flags -> serve::ServeConfig, start-up lines on stderr, and
// the exit code: 0 after a graceful stop, 2 for bad flags (or an unusable
// --root/--cert), 7 when an address cannot be listened on.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/option_binders.hpp"
#include "cli/size_arg.hpp"
#include "core/serve/server.hpp"
#include "core/serve/synthetic.hpp"

namespace sluice::cli {

struct ServeArgs {
  std::vector<std::string> listen;
  bool tls = false, http3 = false, quic_retry = false;
  uint32_t quic_max_handshakes = 256;
  std::string cert, key, root;
  int threads = 1;
  uint64_t max_connections = 0, keepalive_requests = 0;
  std::string max_header_size = "16k", max_body_size = "1G";
  uint32_t h2_max_concurrent_streams = 100, h2_reset_rate = 100, h2_control_rate = 50;
  std::string h2_initial_window = "256k", h2_max_frame_size = "16k", h2_max_header_list = "64k";
  double request_timeout = 10, keepalive_timeout = 30, shutdown_timeout = 10;
  bool no_defer_accept = false;
  bool quiet = false;
};

namespace {

const char* kRouting =
    "Synthetic endpoints always own their paths. With --root DIR, every other path\n"
    "(\"/\" included) is a file under DIR: GET, HEAD and OPTIONS (else 405 with\n"
    "Allow; a method sluice does not know is 501 everywhere), a directory\n"
    "serves its index.html (else 403), a missing file (or a file named with a\n"
    "trailing slash) is 404. \"..\" above the root is 403; a symlink leading out of\n"
    "the root is 404; only regular files are served (a FIFO or device is 403).\n"
    "Without --root, \"/\" is this index and other paths are 404.\n"
    "Files carry Last-Modified and an ETag \"<mtime hex>-<size hex>\" (as nginx):\n"
    "If-None-Match or If-Modified-Since -> 304, If-Match or If-Unmodified-Since ->\n"
    "412 (HTTP-dates in all three formats); If-Range must match exactly, else 200.\n"
    "Range: one range -> 206, several -> 206 multipart/byteranges (files only;\n"
    "/bytes/N answers them with the whole body), none that starts before the end\n"
    "-> 416 with Content-Range: bytes */SIZE; a malformed one, more than 16, or\n"
    "ranges adding up to more than the body are ignored -> 200 with the whole body.\n"
    "Each worker caches open files (1024, with the bytes of those up to 64 KiB):\n"
    "a file changed in place or replaced is seen by the next request, a renamed\n"
    "directory within 1 s; a file unused for 10 s is closed. Plain connections\n"
    "send bigger files with sendfile(2); TLS ones read and encrypt.";

const char* kHttp2 =
    "HTTP/2 with --tls: ALPN offers h2 and http/1.1. Without --tls: h2c by prior\n"
    "knowledge (a connection whose first bytes are the h2 preface) or by an HTTP/1.1\n"
    "request without a body that asks \"Upgrade: h2c\" (curl --http2), and HTTP/1.1\n"
    "on the same port. The same endpoints and files answer both\n"
    "(?chunked=1 means nothing in h2). Bodies are produced as the client's window\n"
    "and the connection's 256 KiB queue allow; a stream queues at most ~32 KiB.\n"
    "/echo gets window back only as its echo leaves: an upload costs at most\n"
    "--h2-initial-window per stream and 1 MiB per connection. As in HTTP/1.1, the\n"
    "response to a body without content-length waits for its end (an echo: or for\n"
    "256 KiB of it, 1 MiB per connection, held meanwhile), so a body over\n"
    "--max-body-size gets 413; past that mark the stream is reset (CANCEL). After a\n"
    "413 at most 1 MiB more of the body is read, then RST_STREAM(NO_ERROR).\n"
    "Defences, each ending only that connection with GOAWAY: streams reset faster\n"
    "than 2x --h2-reset-rate at once, then that rate (rapid reset, CVE-2023-44487);\n"
    "SETTINGS, PING or empty DATA frames past 2x --h2-control-rate at once, then\n"
    "that rate; more than 8 CONTINUATION\n"
    "frames in a header block; a header block over 4x --h2-max-header-list\n"
    "(ENHANCE_YOUR_CALM for all of these); malformed frames (PROTOCOL_ERROR,\n"
    "FRAME_SIZE_ERROR...). A header list over --h2-max-header-list gets 431.\n"
    "A connection that stops reading stops being served, and is closed after\n"
    "--keepalive-timeout without progress. SIGINT/SIGTERM: GOAWAY at once, the\n"
    "final GOAWAY when open streams are done (or after 1 s), then close.";

const char* kServeBehaviour =
    "HTTP/1.1 keep-alive and pipelining (responses in request order); Connection:\n"
    "close and HTTP/1.0 without keep-alive close after the response; HEAD sends\n"
    "headers only; Expect: 100-continue is answered. A malformed request (or an\n"
    "HTTP/1.1 one without exactly one Host) gets 400, HTTP/2.0 or later over HTTP/1\n"
    "505, a head over --max-header-size 431, a body over --max-body-size 413, a head\n"
    "not complete within --request-timeout 408; each then closes the connection.\n"
    "The response to a chunked body waits for its end (or for 256 KiB of response),\n"
    "so a chunked body over the limit gets 413 too; past that mark it only closes.\n"
    "Responses are produced only while the connection's output queue is under\n"
    "256 KiB, so a slow reader costs bounded memory.\n"
    "SIGINT/SIGTERM: stop accepting, finish in-flight responses (at most\n"
    "--shutdown-timeout), exit 0. A second signal closes everything at once.\n"
    "Exit status: 0 after a stop, 2 for bad options, 7 when it cannot listen.";

std::string endpoint_section() {
  std::string text(serve::endpoint_index());
  if (text.ends_with('\n')) text.pop_back();  // sections are separated by the renderer
  return text;
}

Result<serve::ServeConfig> make_config(const ServeArgs& a) {
  serve::ServeConfig c;
  std::vector<std::string> listen = a.listen;
  if (listen.empty()) listen.push_back("127.0.0.1:8080");
  for (const auto& l : listen) {
    auto hp = parse_host_port(l);
    if (!hp) return std::unexpected(hp.error());
    auto addr = parse_numeric(hp->host, hp->port);
    if (!addr)
      return fail(Errc::bad_argument, fmt::format("--listen {}: {}", l, addr.error().message));
    c.listen.push_back(*addr);
  }
  if (a.cert.empty() != a.key.empty())
    return fail(Errc::bad_argument, "--cert and --key go together");
  if (!a.cert.empty() && !a.tls) return fail(Errc::bad_argument, "--cert/--key need --tls");
  if (a.http3 && !a.tls)
    return fail(Errc::bad_argument, "--http3 needs --tls (QUIC is always TLS)");
  if (a.quic_retry && !a.http3) return fail(Errc::bad_argument, "--quic-retry needs --http3");
  if (a.threads < 1 || a.threads > 1024) return fail(Errc::bad_argument, "--threads: 1..1024");
  // A QUIC connection ID's first byte names its thread (core/h3/server_ids.hpp).
  if (a.http3 && a.threads > 256)
    return fail(Errc::bad_argument, "--threads: at most 256 with --http3");
  auto header = parse_size(a.max_header_size);
  auto body = parse_size(a.max_body_size);
  if (!header || *header < 256) return fail(Errc::bad_argument, "--max-header-size: at least 256");
  if (!body) return fail(Errc::bad_argument, "--max-body-size: a size like 1048576, 64k, 1G");
  for (double t : {a.request_timeout, a.keepalive_timeout, a.shutdown_timeout})
    if (!(t > 0) || t > 86400) return fail(Errc::bad_argument, "timeouts: seconds in (0, 86400]");
  auto window = parse_size(a.h2_initial_window);
  auto frame = parse_size(a.h2_max_frame_size);
  auto header_list = parse_size(a.h2_max_header_list);
  if (a.h2_max_concurrent_streams < 1)
    return fail(Errc::bad_argument, "--h2-max-concurrent-streams: at least 1");
  if (!window || *window > 0x7fffffff)
    return fail(Errc::bad_argument, "--h2-initial-window: 0..2147483647 bytes");
  if (!frame || *frame < 16384 || *frame > 16777215)
    return fail(Errc::bad_argument, "--h2-max-frame-size: 16384..16777215");
  if (!header_list || *header_list < 1024 || *header_list > (1u << 30))
    return fail(Errc::bad_argument, "--h2-max-header-list: 1k..1G");
  for (auto [rate, name] : {std::pair{a.h2_reset_rate, "--h2-reset-rate"},
                            std::pair{a.h2_control_rate, "--h2-control-rate"}})
    if (rate < 1 || rate > 1000000)
      return fail(Errc::bad_argument, fmt::format("{}: 1..1000000 per second", name));
  auto ms = [](double s) { return Millis(static_cast<int64_t>(std::ceil(s * 1000))); };
  c.tls = a.tls;
  c.http3 = a.http3;
  c.quic_retry = a.quic_retry;
  c.quic_max_handshakes = a.quic_max_handshakes;
  c.cert_file = a.cert;
  c.key_file = a.key;
  c.root = a.root;
  c.threads = a.threads;
  c.max_connections = a.max_connections;
  c.keepalive_requests = a.keepalive_requests;
  c.limits.max_header_size = *header;
  c.limits.max_body_size = *body;
  c.h2.max_concurrent_streams = a.h2_max_concurrent_streams;
  c.h2.initial_window = static_cast<uint32_t>(*window);
  c.h2.max_frame_size = static_cast<uint32_t>(*frame);
  c.h2.max_header_list = static_cast<uint32_t>(*header_list);
  c.h2.reset_rate = a.h2_reset_rate;
  c.h2.control_rate = a.h2_control_rate;
  c.request_timeout = ms(a.request_timeout);
  c.keepalive_timeout = ms(a.keepalive_timeout);
  c.shutdown_timeout = ms(a.shutdown_timeout);
  c.defer_accept = !a.no_defer_accept;
  return c;
}

CommandSpec serve_spec(ServeArgs& a) {
  CommandSpec s;
  s.name = "serve";
  s.usage = "sluice serve [OPTIONS]";
  s.summary =
      "Serve HTTP/1.1, HTTP/2 (TLS or h2c) and HTTP/3 (--tls --http3): static files and "
      "synthetic test endpoints.";
  s.description =
      "A fast loopback/LAN test server for CI smoke tests and client benchmarks. Each\n"
      "--threads worker runs its own event loop with its own SO_REUSEPORT sockets.\n"
      "At start it prints one 'sluice serve: listening on URL' line per --listen.";
  s.options = {
      value("--listen", "ADDR:PORT",
            "Listen here (repeatable; IPv6 as [::1]:PORT; default 127.0.0.1:8080)", a.listen),
      flag("--tls", "Serve HTTPS (self-signed certificate unless --cert/--key)", a.tls),
      flag("--http3",
           "With --tls: also serve HTTP/3 over QUIC on the UDP port of each --listen "
           "(loads the HTTP/3 module); h1/h2 responses advertise it with Alt-Svc",
           a.http3),
      flag("--quic-retry",
           "With --http3: every new client proves its address with a Retry round trip first",
           a.quic_retry),
      value("--quic-max-handshakes", "N",
            "With --http3: QUIC handshakes in progress per thread before new clients must "
            "prove their address with Retry (default 256; 0: never)",
            a.quic_max_handshakes),
      value("--cert", "FILE", "PEM certificate chain for --tls", a.cert, true),
      value("--key", "FILE", "PEM private key for --tls", a.key, true),
      value("--root", "DIR", "Serve static files from DIR", a.root, true),
      value("--threads", "N", "Worker threads, each with its own loop (default 1)", a.threads),
      value("--max-connections", "N",
            "Open connections per process; more are closed at once (0: no limit)",
            a.max_connections),
      value("--keepalive-requests", "N",
            "End a connection gracefully after N requests, as nginx's keepalive_requests: "
            "\"Connection: close\" on the last (h1), GOAWAY naming its stream (h2); 0: no limit "
            "(default)",
            a.keepalive_requests),
      value("--max-header-size", "BYTES", "Largest request head, else 431 (default 16k)",
            a.max_header_size),
      value("--max-body-size", "BYTES", "Largest request body, else 413 (default 1G)",
            a.max_body_size),
      value("--h2-max-concurrent-streams", "N",
            "HTTP/2 streams a client may have open at once (default 100)",
            a.h2_max_concurrent_streams),
      value("--h2-initial-window", "BYTES",
            "HTTP/2 request-body window per stream (default 256k = the output queue mark)",
            a.h2_initial_window),
      value("--h2-max-frame-size", "BYTES", "Largest HTTP/2 frame we accept (default 16k)",
            a.h2_max_frame_size),
      value("--h2-max-header-list", "BYTES",
            "Largest HTTP/2 request header list, else 431 (default 64k)", a.h2_max_header_list),
      value("--h2-reset-rate", "N",
            "Streams a client may reset per second, twice that at once (default 100)",
            a.h2_reset_rate),
      value("--h2-control-rate", "N",
            "SETTINGS, PING and empty DATA frames per second, twice that at once (default 50)",
            a.h2_control_rate),
      value("--request-timeout", "SECONDS",
            "A request head must arrive within this, else 408 (default 10)", a.request_timeout),
      value("--keepalive-timeout", "SECONDS",
            "Close idle (or stalled) connections after this (default 30)", a.keepalive_timeout),
      value("--shutdown-timeout", "SECONDS",
            "On SIGINT/SIGTERM, in-flight responses get this long (default 10)",
            a.shutdown_timeout),
      flag("--no-defer-accept", "Do not set TCP_DEFER_ACCEPT (1 s) on the listeners",
           a.no_defer_accept),
      flag("-q,--quiet", "Print nothing at start-up", a.quiet),
  };
  s.extra_sections = {
      {"Endpoints", endpoint_section()},
      {"Routing", kRouting},
      {"Behaviour", kServeBehaviour},
      {"HTTP/2", kHttp2},
  };
  return s;
}

int run_serve(ServeArgs& a) {
  auto cfg = make_config(a);
  if (!cfg) {
    fmt::print(stderr, "sluice serve: {}\n", cfg.error());
    return 2;
  }
  serve::ServeEvents ev;
  if (!a.quiet) {
    ev.listening = [](const std::string& url) {
      fmt::print(stderr, "sluice serve: listening on {}\n", url);
    };
    ev.certificate = [](const std::string& fp) {
      fmt::print(stderr, "sluice serve: TLS certificate SHA-256 fingerprint {}\n", fp);
    };
    ev.quic_listening = [](const std::string& addr) {
      fmt::print(stderr, "sluice serve: HTTP/3 (QUIC) on udp {}\n", addr);
    };
    ev.stopping = [](int) { fmt::print(stderr, "sluice serve: stopping\n"); };
  }
  auto report = serve::run(*cfg, ev);
  if (!report) return print_failure("sluice serve", report.error());
  return 0;
}

}  // namespace

Command serve_command() {
  return make_command(serve_spec, run_serve);
}

}  // namespace sluice::cli
