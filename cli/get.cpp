// `sluice get`: curl-compatible fetching. Parses flags into fetch::FetchConfig,
// renders -v, -w and the progress meter, and maps errors to curl's exit codes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/duration_arg.hpp"
#include "cli/exit_codes.hpp"
#include "cli/get_conditional.hpp"
#include "cli/get_connect_to.hpp"
#include "cli/get_data.hpp"
#include "cli/get_form.hpp"
#include "cli/get_local_end.hpp"
#include "cli/get_netrc.hpp"
#include "cli/get_password.hpp"
#include "cli/get_proto.hpp"
#include "cli/get_proxy.hpp"
#include "cli/get_trace.hpp"
#include "cli/get_upload.hpp"
#include "cli/http_version_arg.hpp"
#include "cli/option_binders.hpp"
#include "cli/progress.hpp"
#include "cli/size_arg.hpp"
#include "cli/url_glob.hpp"
#include "cli/write_out.hpp"
#include "core/fetch/fetch.hpp"
#include "core/net/tls.hpp"

namespace sluice::cli {

struct GetArgs {
  std::vector<std::string> urls, url_opts, outputs, headers, resolve, connect_to, cookie;
  std::vector<std::string> url_query;       // --url-query, in order
  std::vector<std::string> proxy_headers;   // --proxy-header, in order
  std::vector<std::string> proxy, noproxy;  // the last one given counts; none: the environment
  std::vector<std::string> upload;          // -T: one per URL, in order
  std::vector<DataPiece> data;              // every data flag, in command-line order
  std::vector<FormField> form;              // -F and --form-string, in order
  int remote_name = 0;
  bool include = false, head = false, location = false, fail = false, silent = false;
  bool show_error = false, insecure = false, ipv4 = false, ipv6 = false, http11 = false;
  bool progress_bar = false, http2 = false, http2_prior = false, parallel = false;
  bool http3 = false, http3_only = false;
  bool fail_with_body = false, retry_connrefused = false, retry_all_errors = false;
  bool get = false, compressed = false, fail_early = false;
  bool create_dirs = false, remote_name_all = false, remove_on_error = false;
  bool remote_header_name = false, no_buffer = false, no_progress_meter = false, globoff = false;
  bool tlsv1_2 = false, tlsv1_3 = false, proxytunnel = false, http10 = false;
  bool location_trusted = false, post301 = false, post302 = false, post303 = false;
  bool no_effect = false;  // flags curl has that change nothing here (-q, --tcp-nodelay, ...)
  bool remote_time = false, no_clobber = false, netrc = false, netrc_optional = false;
  bool path_as_is = false, junk_session = false, xattr = false, trace_time = false;
  bool skip_existing = false, parallel_immediate = false, digest = false, anyauth = false;
  // --trace FILE and --trace-ascii FILE in command-line order (global: the last wins)
  std::vector<std::pair<TraceStyle, std::string>> traces;
  std::string time_cond, etag_save, etag_compare, netrc_file;
  std::string create_file_mode;  // taken and unused: curl's is for SFTP, SCP and FILE
  std::string request_target;
  std::string rate;  // --rate N/U
  std::string proto, proto_redir, proto_default;
  int parallel_max = 50;
  int verbose = 0;
  std::string request, user_agent = "sluice/0.1.0", write_out, cacert;
  std::string user, bearer, referer, dump_header, cookie_jar;
  std::string range, continue_at, output_dir, stderr_file, config;
  std::string capath, tls_max, cert, key, pinnedpubkey, proxy_user;
  std::string unix_socket, abstract_unix_socket;
  std::string max_filesize, max_buffer = "1M", limit_rate;
  int max_redirs = 50, retry = 0;
  int64_t speed_limit = -1, speed_time = -1;  // -Y, -y (-1: not given)
  LocalEndArgs local_end;    // --interface, --local-port, --no-keepalive, --keepalive-time
  bool next_marker = false;  // --next itself never reaches the parser (get_operations.hpp)
  std::vector<std::shared_ptr<GetArgs>> next;  // the operations after each --next, in order
  double connect_timeout = 0, max_time = 0, retry_delay = 0, retry_max_time = 0;
  double expect100_timeout = 1;
};

namespace {

CommandSpec get_spec(GetArgs& a) {
  CommandSpec s;
  s.name = "get";
  s.usage = "sluice get [OPTIONS] URL...";
  s.summary =
      "Fetch URLs over HTTP/1.1 or HTTP/2 (plain or TLS) with curl-compatible flags and exit "
      "codes.";
  s.description =
      "Several URLs are fetched in order over one kept-alive connection per origin, or with -Z "
      "concurrently (over HTTP/2 as streams of one connection). Bodies go to stdout, in URL order "
      "and never interleaved, unless -o/-O name a file. Output is written from the event loop: a "
      "slow consumer on a pipe never blocks it, and at most --max-buffer bytes per transfer wait "
      "in memory (past that HTTP/1.1 stops reading the socket and TCP's window closes; HTTP/2 "
      "gives a stream window back only for bytes the consumer has taken).";
  s.options = {
      value("urls", "URL", "URLs to fetch", a.urls),
      value("--url", "URL", "A URL to fetch (before those given without --url); repeatable",
            a.url_opts),
      value("-K,--config", "FILE",
            "Read options from FILE in curl's config syntax ('-': stdin), in place", a.config,
            true),
      value("-o,--output", "FILE",
            "Write the body to FILE instead of stdout (one per URL, in order; '#1', '#2'... name "
            "the value a globbed URL's first, second... glob took)",
            a.outputs, true),
      counted("-O,--remote-name", "Write the body to a file named like the URL's last path segment",
              a.remote_name),
      flag("--remote-name-all", "-O for every URL that has no -o", a.remote_name_all),
      flag("-g,--globoff",
           "Take URLs as they are: no expanding of {a,b} sets and [1-9], [01-10:2], [a-z] ranges "
           "into several URLs",
           a.globoff),
      flag("-J,--remote-header-name",
           "With -O, name the file as the response's Content-Disposition says (its directory "
           "parts dropped)",
           a.remote_header_name),
      completes_dirs(
          value("--output-dir", "DIR", "Put the files of -o and -O in DIR", a.output_dir)),
      flag("--create-dirs", "Create the missing directories of -o and -O paths", a.create_dirs),
      flag("--remove-on-error", "Delete the output file of a transfer that fails",
           a.remove_on_error),
      flag("--skip-existing",
           "No transfer for an -o/-O file that exists already (-w still reports it, with no "
           "response)",
           a.skip_existing),
      flag("--no-clobber",
           "Never overwrite a file with -o/-O: write NAME.1, NAME.2 ... NAME.99 instead (exit 23 "
           "when all are taken)",
           a.no_clobber),
      flag("--xattr",
           "Store the URL, the Content-Type and the Referer in the file's extended attributes "
           "(user.xdg.origin.url, user.mime_type, user.xdg.referrer.url), as curl does",
           a.xattr),
      value("--create-file-mode", "MODE",
            "Accepted for curl's sake: it sets the mode of files made remotely (SFTP, SCP, "
            "FILE), which sluice does not speak",
            a.create_file_mode),
      flag("-R,--remote-time", "Give the output file the time of the response's Last-Modified",
           a.remote_time),
      value("-z,--time-cond", "DATE|FILE",
            "Ask only for a document modified after DATE (any date curl_getdate reads) or "
            "FILE's mtime; '-DATE': not modified since then. A 2xx whose Last-Modified does not "
            "meet it is taken as a 304, its body not written; a 304 leaves the file as it was",
            a.time_cond),
      value("--etag-save", "FILE", "Write the response's ETag to FILE ('-': stdout)", a.etag_save,
            true),
      value("--etag-compare", "FILE",
            "Send 'If-None-Match:' with the ETag FILE holds (as --etag-save wrote it)",
            a.etag_compare, true),
      value("-C,--continue-at", "OFFSET|-",
            "Resume: ask for the body from OFFSET ('-': the output file's size) and append to "
            "the file; a server that cannot is exit 33",
            a.continue_at),
      value("-r,--range", "RANGE", "Ask for part of the body: 'START-END', 'START-', '-LAST'",
            a.range),
      flag("-i,--include,--show-headers", "Include the response headers in the output", a.include),
      flag("-I,--head", "Send HEAD and print the response headers only", a.head),
      completes(value("-X,--request", "METHOD", "Request method to use", a.request),
                {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"}),
      value("-H,--header", "LINE",
            "Extra header 'Name: value' ('Name:' removes, 'Name;' sends it empty; @FILE: one per "
            "line); repeatable",
            a.headers),
      ordered("-d,--data", "DATA",
              "POST data; @FILE reads a file (CR/LF stripped), @- reads stdin; all data flags "
              "are joined with & in their order",
              DataKind::ascii, a.data),
      ordered("--data-ascii", "DATA", "The same as -d", DataKind::ascii, a.data),
      ordered("--data-binary", "DATA",
              "POST data sent exactly as given; @FILE and @- read it unchanged", DataKind::binary,
              a.data),
      ordered("--data-raw", "DATA", "POST data as given, '@' included (no file is read)",
              DataKind::raw, a.data),
      ordered("--data-urlencode", "DATA",
              "POST data URL-encoded: 'content', '=content', 'name=content', '@file' or "
              "'name@file' (the name is sent as given)",
              DataKind::urlencode, a.data),
      ordered("--json", "DATA",
              "POST JSON (@FILE and @- read it): sets Content-Type and Accept to "
              "application/json; repeated --json are joined without &",
              DataKind::json, a.data),
      ordered("-F,--form", "NAME=VALUE",
              "A multipart/form-data field: 'name=value', 'name=@file' (a file part), "
              "'name=<file' (its bytes as the value), ';type=' and ';filename=' after; repeatable",
              FormKind::parsed, a.form),
      ordered("--form-string", "NAME=VALUE", "A -F field whose value is taken as it is",
              FormKind::literal, a.form),
      value("-T,--upload-file", "FILE",
            "Send FILE as the body of a PUT (unless -X), streamed as the server takes it: '-' "
            "(or '.') reads stdin, sent chunked; a URL ending in '/' gets FILE's base name; one "
            "per URL, in order",
            a.upload, true),
      value("--request-target", "TARGET",
            "Send TARGET as the request target instead of the URL's path and query (as "
            "'OPTIONS *' needs)",
            a.request_target),
      flag("--path-as-is", "Send the URL's path as typed: no squashing of '/../' and '/./'",
           a.path_as_is),
      value("--url-query", "DATA",
            "Add DATA to each URL's query, encoded as --data-urlencode's ('+DATA': as it is); "
            "repeatable, joined with &",
            a.url_query),
      flag("-G,--get", "Send the data (-d and the like) as the URL's query in a GET", a.get),
      value("-u,--user", "USER[:PASSWORD]",
            "Basic authentication (asks for the password on the terminal when ':' is missing); "
            "sent on redirects only to the same origin",
            a.user),
      value("--oauth2-bearer", "TOKEN", "Send 'Authorization: Bearer TOKEN'", a.bearer),
      flag("--digest",
           "Use -u's credentials for HTTP Digest (RFC 7616: MD5, SHA-256, SHA-512-256, -sess, "
           "qop=auth), answering the server's 401",
           a.digest),
      flag("--anyauth",
           "Send no credentials until a 401 says which scheme: Digest if offered, else Basic",
           a.anyauth),
      flag("-n,--netrc",
           "Take the user and password for each host from ~/.netrc (without -u or credentials "
           "in the URL); no such file is exit 26",
           a.netrc),
      flag("--netrc-optional", "As -n, and no such file is no error", a.netrc_optional),
      value("--netrc-file", "FILE", "As -n, with FILE instead of ~/.netrc", a.netrc_file, true),
      value("-e,--referer", "URL",
            "Send 'Referer: URL'; 'URL;auto' (or ';auto') also sets it on each redirect to the "
            "URL left",
            a.referer),
      value("-b,--cookie", "DATA|FILE",
            "Send cookies: 'name=value; ...' as given, or read a cookie file (Netscape "
            "format or Set-Cookie lines); turns on the cookie engine; repeatable",
            a.cookie, true),
      flag("-j,--junk-session-cookies",
           "A new cookie session: the session cookies (no expiry) -b's files hold are not sent",
           a.junk_session),
      value("-c,--cookie-jar", "FILE",
            "Write all cookies to FILE (curl's Netscape format; '-': stdout) at the end; turns "
            "on the cookie engine: cookies set by a response are sent on later requests and "
            "redirects that match them",
            a.cookie_jar, true),
      flag("--compressed",
           "Ask for a compressed response (gzip, deflate, br, zstd) and decode it; sizes and "
           "--max-filesize count decoded bytes",
           a.compressed),
      value("-D,--dump-header", "FILE",
            "Write every response head received to FILE ('-': stdout, before the body)",
            a.dump_header, true),
      value("-A,--user-agent", "NAME", "User-Agent header to send", a.user_agent),
      flag("-L,--location", "Follow redirects (301/302/303/307/308), reusing the connection",
           a.location),
      flag("--location-trusted",
           "-L, and send -u's credentials and -H's Authorization and Cookie to other hosts too",
           a.location_trusted),
      flag("--post301", "Keep a POST a POST after a 301 (with -L)", a.post301),
      flag("--post302", "Keep a POST a POST after a 302 (with -L)", a.post302),
      flag("--post303", "Keep a POST a POST after a 303 (with -L)", a.post303),
      value("--proto", "LIST",
            "Protocols a transfer may use, as curl's list: '=https' (only), '-http', '+http', "
            "'all'; another is exit 1",
            a.proto),
      value("--proto-redir", "LIST", "Protocols a redirect may lead to (--proto's list)",
            a.proto_redir),
      value("--proto-default", "PROTO", "The protocol of a URL given without one (default http)",
            a.proto_default),
      flag("-q,--disable", "Accepted for curl's sake: no ~/.curlrc is ever read", a.no_effect),
      flag("--tcp-nodelay", "Accepted for curl's sake: TCP_NODELAY is always on", a.no_effect),
      flag("--basic", "Accepted for curl's sake: Basic is the one authentication scheme",
           a.no_effect),
      flag("--ssl-reqd", "Accepted for curl's sake: https:// is TLS, http:// never upgrades",
           a.no_effect),
      flag("--styled-output", "Accepted for curl's sake: headers are never styled", a.no_effect),
      flag("--ca-native",
           "Accepted for curl's sake: the system's CA store is the default trust already",
           a.no_effect),
      flag("--ssl-no-revoke,--ssl-revoke-best-effort",
           "Accepted for curl's sake: revocation checks are Schannel's (Windows) in curl",
           a.no_effect),
      flag("--ssl-allow-beast,--false-start",
           "Accepted for curl's sake: they change nothing for TLS 1.2 and 1.3", a.no_effect),
      flag("-1,--tlsv1,--tlsv1.0,--tlsv1.1",
           "Accepted for curl's sake: 'at least TLS 1.0/1.1'; the floor here is TLS 1.2, as "
           "Debian's OpenSSL enforces for curl too",
           a.no_effect),
      flag("--no-styled-output", "Accepted for curl's sake: headers are never styled", a.no_effect),
      value("--max-redirs", "N", "Maximum number of redirects with -L (default 50, -1: no limit)",
            a.max_redirs),
      flag("-f,--fail", "Fail with exit code 22 on HTTP status >= 400, without writing the body",
           a.fail),
      flag("--fail-with-body", "Fail with exit code 22 on HTTP status >= 400, writing the body",
           a.fail_with_body),
      flag("--fail-early",
           "Stop at the first transfer that fails (none after it starts; with -Z those running "
           "end with exit 42) and exit with its code",
           a.fail_early),
      flag("-s,--silent", "No progress meter and no error messages", a.silent),
      flag("--no-progress-meter", "No progress meter, but error messages as usual",
           a.no_progress_meter),
      flag("-N,--no-buffer",
           "Accepted for curl's sake: output is never held back beyond what the consumer has "
           "not taken yet",
           a.no_buffer),
      value("--stderr", "FILE", "Write error messages, -v and the meter to FILE ('-': stdout)",
            a.stderr_file, true),
      flag("-S,--show-error", "With -s, still show error messages", a.show_error),
      ordered("--trace", "FILE",
              "Write every event and all bytes sent and received (headers, bodies; not TLS "
              "records) to FILE as hex and text, as curl does ('-': stdout, '%': stderr)",
              TraceStyle::hex, a.traces, true),
      ordered("--trace-ascii", "FILE", "As --trace, the bytes as text only", TraceStyle::ascii,
              a.traces, true),
      flag("--trace-time", "Start each --trace or -v line with the time of day", a.trace_time),
      counted("-v,--verbose", "Show connection events and request/response headers on stderr",
              a.verbose),
      completes(value("-w,--write-out", "FORMAT",
                      "Print FORMAT after each transfer: %{http_code}, %{time_total}, %{json}, "
                      "... (@FILE reads it)",
                      a.write_out),
                write_out_variables()),
      value("--connect-timeout", "SECONDS",
            "Maximum time for the connection (TCP + TLS) to be set up", a.connect_timeout),
      value("-m,--max-time", "SECONDS", "Maximum time for each transfer", a.max_time),
      value("--expect100-timeout", "SECONDS",
            "How long an HTTP/1.1 body that sent 'Expect: 100-continue' waits for the 100 "
            "before it goes anyway (default 1)",
            a.expect100_timeout),
      value("--retry", "N",
            "Retry transient failures (timeouts, 408/429/500/502/503/504) N times with backoff",
            a.retry),
      value("--retry-delay", "SECONDS", "Fixed wait between retries instead of exponential backoff",
            a.retry_delay),
      flag("--retry-connrefused", "With --retry, also retry when the connection is refused",
           a.retry_connrefused),
      flag("--retry-all-errors",
           "With --retry, retry on every error (HTTP >= 400 too with -f or --fail-with-body)",
           a.retry_all_errors),
      value("--retry-max-time", "SECONDS",
            "With --retry, start no retry later than SECONDS after the first attempt",
            a.retry_max_time),
      value("--limit-rate", "SPEED",
            "Receive and send bodies at SPEED bytes per second on average (k/M/G suffixes; 0: "
            "no limit): the socket is read (h1) or the window opened (h2, h3) only as fast, and "
            "-T's file or -d's data is read only as fast",
            a.limit_rate),
      value("-Y,--speed-limit", "BYTES",
            "Fail with exit code 28 when fewer than BYTES per second move (both ways, over the "
            "last five seconds) for --speed-time (default 30 s); not while the consumer holds "
            "the transfer back",
            a.speed_limit),
      value("-y,--speed-time", "SECONDS",
            "How long the transfer may stay under --speed-limit (default limit: 1 byte/s)",
            a.speed_time),
      value("--max-filesize", "SIZE",
            "Fail with exit code 63 when the body exceeds SIZE (k/M/G suffixes)", a.max_filesize),
      flag("-k,--insecure", "Do not verify the server certificate", a.insecure),
      value("--cacert", "FILE",
            "Trust the CA certificates in FILE (PEM) instead of the system store", a.cacert, true),
      value("--capath", "DIR",
            "Trust the CA certificates of DIR (OpenSSL's hashed directory) instead of the "
            "system's",
            a.capath, true),
      flag("--tlsv1.2", "TLS 1.2 at least (the default floor)", a.tlsv1_2),
      flag("--tlsv1.3", "TLS 1.3 at least", a.tlsv1_3),
      value("--tls-max", "VERSION", "TLS 1.2 or 1.3 at most", a.tls_max),
      value("-E,--cert", "FILE[:PASSWORD]",
            "Client certificate (PEM, chain allowed; its key too unless --key)", a.cert, true),
      value("--key", "FILE", "The client certificate's private key (PEM)", a.key, true),
      value("--pinnedpubkey", "sha256//BASE64|FILE",
            "The server's public key must match one of these SHA-256 pins (';'-separated) or "
            "the key in FILE; exit 90 otherwise",
            a.pinnedpubkey),
      value("--resolve", "HOST:PORT:ADDR", "Connect to ADDR for HOST:PORT without DNS; repeatable",
            a.resolve),
      value("--connect-to", "HOST1:PORT1:HOST2:PORT2",
            "Connect to HOST2:PORT2 for requests to HOST1:PORT1 (empty fields match any, or "
            "keep the URL's); the URL, Host and TLS name stay HOST1's; repeatable, first match "
            "wins",
            a.connect_to),
      value("--unix-socket", "PATH",
            "Connect through this Unix domain socket instead of the network (the URL still "
            "names the Host and the TLS name; no proxy; HTTP/3 cannot)",
            a.unix_socket, true),
      value("--abstract-unix-socket", "NAME",
            "As --unix-socket, for a socket in Linux's abstract namespace", a.abstract_unix_socket),
      value("-x,--proxy", "[http://][USER:PASSWORD@]HOST[:PORT]",
            "Go through this HTTP proxy (port 1080 unless given): http:// URLs are asked of it "
            "in absolute form, https:// ones through a CONNECT tunnel; '' turns proxies off, "
            "the environment's too. Without -x: http_proxy, https_proxy/HTTPS_PROXY, "
            "all_proxy/ALL_PROXY",
            a.proxy),
      value("-U,--proxy-user", "USER[:PASSWORD]",
            "Basic credentials for the proxy (over those in its URL); asks for the password "
            "on the terminal when ':' is missing",
            a.proxy_user),
      value("--noproxy", "LIST",
            "Hosts reached directly, comma-separated: names match their subdomains too, "
            "addresses (ADDR/BITS too) match IPs, '*' all (over no_proxy/NO_PROXY)",
            a.noproxy),
      value("--proxy-header", "LINE",
            "A header for the proxy only: in CONNECT requests and in requests sent to it in "
            "absolute form, never to the origin through a tunnel ('Name;' sends it empty, "
            "@FILE: one per line); repeatable",
            a.proxy_headers),
      flag("-p,--proxytunnel", "Go through the proxy with CONNECT for http:// URLs too",
           a.proxytunnel),
      value("--interface", "NAME|ADDR",
            "Bind the local end to this interface's address (and the interface, where allowed) "
            "or to this address ('if!NAME', 'host!ADDR' say which); exit 45 if it cannot be",
            a.local_end.interface),
      value("--local-port", "NUM[-NUM]",
            "Bind the local end to this port, or the first free one of the range; exit 45 if "
            "none is",
            a.local_end.local_port),
      flag("--no-keepalive", "No TCP keepalive probes (by default, after 60 s idle, as curl)",
           a.local_end.no_keepalive),
      value("--keepalive-time", "SECONDS",
            "Idle time before TCP keepalive probes, and between them (default 60)",
            a.local_end.keepalive_time),
      flag("-4,--ipv4", "Resolve names to IPv4 addresses only", a.ipv4),
      flag("-6,--ipv6", "Resolve names to IPv6 addresses only", a.ipv6),
      flag("-0,--http1.0",
           "Send HTTP/1.0 requests (https offers http/1.1 by ALPN, as curl does); the "
           "connection is kept only when the answer says so",
           a.http10),
      flag("--http1.1", "Use HTTP/1.1 only (https offers only http/1.1 by ALPN)", a.http11),
      flag("--http2",
           "Prefer HTTP/2: by ALPN on https (the default there), by \"Upgrade: h2c\" on http",
           a.http2),
      flag("--http2-prior-knowledge",
           "Speak HTTP/2 at once, without negotiation (h2c on plain http)", a.http2_prior),
      flag("--http3",
           "Try HTTP/3 over QUIC first on https; fall back to TCP (h2, HTTP/1.1) if QUIC fails "
           "or is not connected after 200 ms",
           a.http3),
      flag("--http3-only", "Use HTTP/3 over QUIC only on https; fail if that fails", a.http3_only),
      flag("-Z,--parallel",
           "Fetch the URLs concurrently (h2: as streams of one connection); stdout keeps URL order",
           a.parallel),
      value("--rate", "N/U",
            "Start at most N transfers per U (s, m, h or d, maybe '5m'; 'N' alone: per hour), "
            "one after another; no effect with -Z, as in curl",
            a.rate),
      flag("--parallel-immediate",
           "With -Z, open a connection for each transfer at once instead of waiting for the "
           "first (which, if h2, would carry them all)",
           a.parallel_immediate),
      value("--parallel-max", "N", "At most N transfers at once with -Z (default 50)",
            a.parallel_max),
      value("--max-buffer", "SIZE",
            "High-water mark for body bytes waiting for the consumer (default 1M; reading resumes "
            "below a quarter of it)",
            a.max_buffer),
      flag("--next",
           "Start another operation (also '-:'): the URLs and options after it are its own, "
           "as in curl; -v, -s, -#, --no-progress-meter, --stderr, -Z, --parallel-max and "
           "--fail-early hold for all. Operations run one after another and share the cookie "
           "jar; the exit code is the last transfer's",
           a.next_marker),
      flag("-#,--progress-bar",
           "Show a progress bar instead of the meter (also when stderr is not a terminal)",
           a.progress_bar),
  };
  s.extra_sections = {{"Write-out (-w)", write_out_help()}, {"Exit codes", exit_code_table()}};
  return s;
}

Result<std::vector<fetch::ResolveEntry>> parse_resolve(const std::vector<std::string>& list) {
  std::vector<fetch::ResolveEntry> out;
  for (const auto& item : list) {
    auto c1 = item.find(':');
    auto c2 = c1 == std::string::npos ? c1 : item.find(':', c1 + 1);
    if (c2 == std::string::npos)
      return fail(Errc::bad_argument, fmt::format("--resolve '{}': expected HOST:PORT:ADDR", item));
    unsigned port = 0;
    try {
      port = static_cast<unsigned>(std::stoul(item.substr(c1 + 1, c2 - c1 - 1)));
    } catch (...) {
      port = 70000;
    }
    if (port == 0 || port > 65535)
      return fail(Errc::bad_argument, fmt::format("--resolve '{}': bad port", item));
    auto addr = parse_numeric(item.substr(c2 + 1), static_cast<uint16_t>(port));
    if (!addr)
      return fail(Errc::bad_argument,
                  fmt::format("--resolve '{}': {}", item, addr.error().message));
    out.push_back({item.substr(0, c1), static_cast<uint16_t>(port), *addr});
  }
  return out;
}

// -C N for every target, or -C - for each: the size its output file has.
Result<void> resume_offsets(const GetArgs& a, fetch::FetchConfig& c) {
  if (a.continue_at.empty()) return {};
  uint64_t fixed = 0;
  if (a.continue_at != "-") {
    auto [end, ec] =
        std::from_chars(a.continue_at.data(), a.continue_at.data() + a.continue_at.size(), fixed);
    if (ec != std::errc() || end != a.continue_at.data() + a.continue_at.size())
      return fail(Errc::bad_argument,
                  fmt::format("-C: expected an offset or '-', not '{}'", a.continue_at));
  }
  for (auto& t : c.targets) {
    struct stat st {};
    if (a.continue_at != "-")
      t.resume_from = fixed;
    else if (!t.output_path.empty() && ::stat(t.output_path.c_str(), &st) == 0)
      t.resume_from = static_cast<uint64_t>(st.st_size);
  }
  return {};
}

// curl's warnf: "Warning: " on stderr, muted by -s.
std::function<void(std::string_view)> warner(const GetArgs& a) {
  return [silent = a.silent](std::string_view w) {
    if (!silent) fmt::print(stderr, "Warning: {}\n", w);
  };
}

// --proto, --proto-redir (curl's default: http, https and two FTPs we do
// not speak) and --proto-default, which names the scheme of the URLs given without one.
Result<void> protocol_options(const GetArgs& a, fetch::FetchConfig& c) {
  auto warn = warner(a);
  if (!a.proto.empty()) c.protocols = apply_proto_list(a.proto, {}, warn);
  if (!a.proto_redir.empty()) c.redir_protocols = apply_proto_list(a.proto_redir, {}, warn);
  if (a.proto_default.empty()) return {};
  if (a.proto_default != "http" && a.proto_default != "https")
    return fail(Errc::unsupported_protocol,
                fmt::format("Unsupported protocol '{}' (--proto-default)", a.proto_default));
  for (auto& t : c.targets)
    if (t.url.find("://") == std::string::npos) t.url = a.proto_default + "://" + t.url;
  return {};
}

// -r: a bare offset is taken as "from there on", with curl's warning.
std::string range_arg(const GetArgs& a) {
  const std::string& r = a.range;
  if (r.empty() || !std::ranges::all_of(r, [](char ch) { return ch >= '0' && ch <= '9'; }))
    return r;
  warner(a)("A specified range MUST include at least one dash (-). Appending one for you");
  return r + "-";
}

// --cacert/--capath (or CURL_CA_BUNDLE, as curl reads it), TLS versions, the
// client certificate and the pins.
Result<void> tls_options(const GetArgs& a, fetch::FetchConfig& c) {
  c.tls.verify = !a.insecure;
  c.tls.ca_file = a.cacert;
  if (c.tls.ca_file.empty()) c.tls.ca_file = first_env({"CURL_CA_BUNDLE"});
  c.tls.ca_path = a.capath;  // SSL_CERT_FILE and SSL_CERT_DIR: TlsContext and the h3 module
  if (a.tlsv1_3) c.tls.min_version = TlsVersion::v1_3;
  if (a.tls_max == "1.2")
    c.tls.max_version = TlsVersion::v1_2;
  else if (a.tls_max == "1.3")
    c.tls.max_version = TlsVersion::v1_3;
  else if (!a.tls_max.empty())
    return fail(Errc::bad_argument, fmt::format("--tls-max: 1.2 or 1.3, not '{}'", a.tls_max));
  if (c.tls.max_version != TlsVersion::any && c.tls.min_version > c.tls.max_version)
    return fail(Errc::bad_argument, "--tlsv1.3 and --tls-max 1.2 leave no TLS version");
  c.tls.cert_file = a.cert;
  if (auto colon = a.cert.find(':'); colon != std::string::npos) {
    c.tls.cert_file = a.cert.substr(0, colon);
    c.tls.key_password = a.cert.substr(colon + 1);
  }
  c.tls.key_file = a.key;
  if (!a.pinnedpubkey.empty()) {
    auto m = tls::load_module();  // reading a key file is OpenSSL's job
    if (!m) return std::unexpected(m.error());
    auto pins = (*m)->parse_pins(a.pinnedpubkey);
    if (!pins) return std::unexpected(pins.error());
    c.tls.pins = std::move(*pins);
  }
  // The QUIC stack (GnuTLS) does not take these yet: refused, never ignored.
  bool h3 = a.http3 || a.http3_only;
  if (h3 && (!c.tls.pins.empty() || !c.tls.cert_file.empty() || !a.capath.empty()))
    return fail(Errc::bad_argument,
                "--pinnedpubkey, --cert and --capath are not supported with --http3 yet");
  return {};
}

// -u/-U "USER" without a password: asked for on the terminal, as curl does.
Result<std::string> with_password(const std::string& user) {
  if (user.empty() || user.find(':') != std::string::npos) return user;
  auto password = ask_password(user);
  if (!password) return std::unexpected(password.error());
  return user + ":" + *password;
}

// -u, --oauth2-bearer and -e into c.
Result<void> identity(const GetArgs& a, fetch::FetchConfig& c) {
  auto user = with_password(a.user);
  if (!user) return std::unexpected(user.error());
  c.user = *user;
  c.bearer = a.bearer;
  c.auth = a.anyauth  ? fetch::AuthScheme::any
           : a.digest ? fetch::AuthScheme::digest
                      : fetch::AuthScheme::basic;
  std::string_view referer = a.referer;
  c.auto_referer = referer.ends_with(";auto");
  if (c.auto_referer) referer.remove_suffix(5);
  c.referer = referer;
  return {};
}

// -H @FILE: every line of the file is a header (line ends dropped).
Result<std::vector<std::string>> header_lines(const std::vector<std::string>& headers) {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (!h.starts_with('@')) {
      out.push_back(h);
      continue;
    }
    std::ifstream f(h.substr(1), std::ios::binary);
    if (!f) return fail(Errc::read_failed, fmt::format("-H: cannot read {}", h.substr(1)));
    for (std::string line; std::getline(f, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) out.push_back(line);
    }
  }
  return out;
}

// -x, -U, --noproxy and -p, or the environment's proxies, into c.
Result<void> proxy_options(const GetArgs& a, fetch::FetchConfig& c) {
  auto user = with_password(a.proxy_user);
  if (!user) return std::unexpected(user.error());
  auto headers = header_lines(a.proxy_headers);
  if (!headers) return std::unexpected(headers.error());
  auto pc = proxy_config({a.proxy, *user, a.noproxy, a.proxytunnel, *headers});
  if (!pc) return std::unexpected(pc.error());
  c.proxy = std::move(*pc);
  return {};
}

Millis seconds_to_ms(double s) {
  return Millis(static_cast<long long>(s * 1000));
}

// curl walks a glob lazily and has no limit but 2^63; sluice lists every
// target up front, so a typo like [1-100000000000] must stop here.
constexpr std::size_t kMaxTargets = 1'000'000;

// -O's name for url, as curl 8's: its last path segment, trailing slashes
// aside ("/a/b/" is b), or "curl_response" for the root (curl 7 refused a
// path ending in '/' with exit 23).
Result<std::string> remote_name(const std::string& url) {
  auto parsed = parse_url(url);
  if (!parsed) return fail(Errc::write_failed, "Remote file name has no length");
  Url u = *parsed;
  u.target = u.target.substr(0, u.target.find('?'));
  while (u.target.size() > 1 && u.target.back() == '/') u.target.pop_back();
  std::string name = u.file_name();
  return name.empty() ? "curl_response" : name;
}

// The targets of one command-line URL: its glob's expansions (-g: itself),
// each with the URL's -o template ("#N": glob N's value) or -O name.
Result<void> add_targets(const GetArgs& a, std::size_t url_num, const std::string* output,
                         bool remote, fetch::FetchConfig& c) {
  auto glob = UrlGlob::parse(a.globoff ? "" : a.urls[url_num]);  // -g: one, as given
  if (!glob) return std::unexpected(glob.error());
  if (glob->count() > kMaxTargets - c.targets.size())
    return fail(Errc::bad_url, fmt::format("too many URLs: over {} after globbing", kMaxTargets));
  std::vector<std::string> values;
  for (uint64_t i = 0; i < glob->count(); ++i) {
    fetch::Target t{a.globoff ? a.urls[url_num] : glob->at(i, &values), ""};
    t.url_num = url_num;
    if (output && *output != "-") t.output_path = glob_file_name(*output, values);
    t.stdout_asked = output && *output == "-";
    if (remote) {
      auto name = remote_name(t.url);
      if (!name) return std::unexpected(name.error());
      t.output_path = *name;
      t.remote_named = true;
    }
    if (!a.output_dir.empty() && !t.output_path.empty())
      t.output_path = a.output_dir + (a.output_dir.ends_with('/') ? "" : "/") + t.output_path;
    c.targets.push_back(std::move(t));
  }
  return {};
}

// Every URL's targets, in order. A bad glob after the first URL is left in
// `late`: curl fetches the URLs before it, then fails with its error.
Result<void> add_all_targets(const GetArgs& a, fetch::FetchConfig& c, std::optional<Error>& late) {
  int remote_left = a.remote_name_all ? static_cast<int>(a.urls.size()) : a.remote_name;
  for (std::size_t k = 0; k < a.urls.size(); ++k) {
    const std::string* output = k < a.outputs.size() ? &a.outputs[k] : nullptr;
    bool remote = !output && remote_left > 0;
    if (remote) --remote_left;
    auto r = add_targets(a, k, output, remote, c);
    if (!r && (k == 0 || r.error().code != Errc::bad_url)) return r;
    if (!r) {
      late = r.error();
      break;
    }
  }
  return {};
}

Result<fetch::FetchConfig> make_config(const GetArgs& given, std::optional<Error>& late) {
  GetArgs a = given;
  a.urls.insert(a.urls.begin(), given.url_opts.begin(), given.url_opts.end());
  fetch::FetchConfig c;
  if (a.urls.empty()) return fail(Errc::bad_argument, "no URL specified");
  if (auto r = add_all_targets(a, c, late); !r) return std::unexpected(r.error());
  c.method = a.request;
  if (!a.url_query.empty()) {
    auto query = url_query(a.url_query);
    if (!query) return std::unexpected(query.error());
    if (!query->empty())
      for (auto& t : c.targets) t.url = append_query(t.url, *query);
  }
  auto headers = header_lines(a.headers);
  if (!headers) return std::unexpected(headers.error());
  c.headers = std::move(*headers);
  if (!a.data.empty()) {
    auto body = assemble_data(a.data);
    if (!body) return std::unexpected(body.error());
    c.json = has_json(a.data);
    if (a.get) {  // -G: the data become every URL's query
      for (auto& t : c.targets) t.url = append_query(t.url, *body);
    } else {
      c.data = std::move(*body);
    }
  }
  if (!a.form.empty()) {
    if (c.data || a.get)
      return fail(Errc::bad_argument,
                  "You can only select one HTTP request method! You asked for both POST (-d) "
                  "and multipart/formpost (-F).");
    auto form = build_form(a.form, random_boundary());
    if (!form) return std::unexpected(form.error());
    c.data = std::move(form->body);
    c.content_type = std::move(form->content_type);
  }
  if (auto v = identity(a, c); !v) return std::unexpected(v.error());
  if (a.netrc || a.netrc_optional || !a.netrc_file.empty()) {
    auto netrc = load_netrc(a.netrc_file, a.netrc_optional);
    if (!netrc) return std::unexpected(netrc.error());
    c.netrc = std::move(*netrc);
  }
  apply_conditions(a.time_cond, a.etag_compare, warner(a), c);
  if (auto v = prepare_etag_file(a.etag_save); !v) return std::unexpected(v.error());
  if (auto v = attach_uploads(a.upload, a.head || c.data.has_value() || a.get, c); !v)
    return std::unexpected(v.error());
  if (a.head && c.data)
    return fail(Errc::bad_argument,
                "You can only select one HTTP request method! You asked for both HEAD (-I) and "
                "POST (-d, --data).");
  c.head_only = a.head;
  c.include_headers = a.include;
  c.user_agent = a.user_agent;
  c.follow = a.location || a.location_trusted;
  c.location_trusted = a.location_trusted;
  c.post301 = a.post301;
  c.post302 = a.post302;
  c.post303 = a.post303;
  if (auto v = protocol_options(a, c); !v) return std::unexpected(v.error());
  c.max_redirs = a.max_redirs < 0 ? std::numeric_limits<int>::max() : a.max_redirs;  // -1: no limit
  if (a.fail && a.fail_with_body)
    return fail(Errc::bad_argument, "You must select either --fail or --fail-with-body, not both.");
  c.fail_on_error = a.fail;
  c.fail_with_body = a.fail_with_body;
  if (a.connect_timeout < 0 || a.max_time < 0 || a.retry < 0 || a.retry_delay < 0 ||
      a.retry_max_time < 0)
    return fail(Errc::bad_argument, "timeouts and retry counts must not be negative");
  if (a.connect_timeout > 0) c.connect_timeout = seconds_to_ms(a.connect_timeout);
  if (a.expect100_timeout < 0 || a.expect100_timeout > 86400)
    return fail(Errc::bad_argument, "--expect100-timeout: 0 to 86400 seconds");
  c.expect100_timeout = seconds_to_ms(a.expect100_timeout);
  if (a.max_time > 0) {
    c.max_time = seconds_to_ms(a.max_time);
    c.connect_timeout = std::min(c.connect_timeout, c.max_time);
  }
  c.retries = a.retry;
  c.retry_delay = seconds_to_ms(a.retry_delay);
  c.retry_connrefused = a.retry_connrefused;
  c.retry_all_errors = a.retry_all_errors;
  c.retry_max_time = seconds_to_ms(a.retry_max_time);
  if (a.speed_limit < -1 || a.speed_time < -1 || a.speed_time > 86400 * 365)
    return fail(Errc::bad_argument, "--speed-limit and --speed-time: 0 or more (a year at most)");
  // Either alone takes curl's default for the other (1 byte/s, 30 s); 0 turns it off.
  int64_t limit = a.speed_limit >= 0 ? a.speed_limit : a.speed_time > 0 ? 1 : 0;
  int64_t secs = a.speed_time >= 0 ? a.speed_time : 30;
  if (limit > 0 && secs > 0) {
    c.low_speed_limit = static_cast<uint64_t>(limit);
    c.low_speed_time = Millis(secs * 1000);
  }
  if (!a.max_filesize.empty()) {
    auto v = parse_size(a.max_filesize);
    if (!v)
      return fail(Errc::bad_argument, fmt::format("--max-filesize: bad size '{}'", a.max_filesize));
    c.max_filesize = *v;
  }
  if (!a.limit_rate.empty()) {
    auto v = parse_size(a.limit_rate);
    if (!v)
      return fail(Errc::bad_argument, fmt::format("--limit-rate: bad speed '{}'", a.limit_rate));
    c.limit_rate = *v;
  }
  auto mb = parse_size(a.max_buffer);
  if (!mb || *mb < 16 * 1024)
    return fail(Errc::bad_argument,
                fmt::format("--max-buffer: bad size '{}' (at least 16k)", a.max_buffer));
  c.max_buffer = *mb;
  for (const auto& b : a.cookie)
    if (b.find('=') != std::string::npos)  // curl's rule: with a '=' it is data, not a file
      c.cookie_literal += (c.cookie_literal.empty() ? "" : "; ") + b;
  if (auto v = resume_offsets(a, c); !v) return std::unexpected(v.error());
  c.range = range_arg(a);
  c.create_dirs = a.create_dirs;
  c.remove_on_error = a.remove_on_error;
  c.no_clobber = a.no_clobber;
  c.skip_existing = a.skip_existing;
  c.parallel_immediate = a.parallel_immediate;
  if (!a.rate.empty()) {
    auto interval = parse_rate(a.rate);
    if (!interval) return fail(Errc::bad_argument, fmt::format("--rate: bad rate '{}'", a.rate));
    c.rate_interval = std::chrono::duration_cast<Clock::duration>(*interval);
  }
  c.path_as_is = a.path_as_is;
  c.request_target = a.request_target;
  c.remote_header_name = a.remote_header_name;
  c.dump_header_stdout = a.dump_header == "-";
  c.compressed = a.compressed;
  c.stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  if (auto v = tls_options(a, c); !v) return std::unexpected(v.error());
  if (auto v = proxy_options(a, c); !v) return std::unexpected(v.error());
  auto res = parse_resolve(a.resolve);
  if (!res) return std::unexpected(res.error());
  c.resolve = std::move(*res);
  auto connect_to = parse_connect_to(a.connect_to);
  if (!connect_to) return std::unexpected(connect_to.error());
  c.connect_to = std::move(*connect_to);
  if (!a.unix_socket.empty() && !a.abstract_unix_socket.empty())
    return fail(Errc::bad_argument, "choose --unix-socket or --abstract-unix-socket");
  c.unix_socket = a.unix_socket.empty() ? a.abstract_unix_socket : a.unix_socket;
  c.unix_socket_abstract = !a.abstract_unix_socket.empty();
  auto tcp = local_end_options(a.local_end);
  if (!tcp) return std::unexpected(tcp.error());
  c.tcp = std::move(*tcp);
  if (a.ipv4 && a.ipv6) return fail(Errc::bad_argument, "-4 and -6 cannot be used together");
  c.family = a.ipv4 ? Family::v4 : a.ipv6 ? Family::v6 : Family::any;
  if (a.http10 && a.http11) return fail(Errc::bad_argument, "choose --http1.0 or --http1.1");
  auto version =
      http_version_arg({a.http11 || a.http10, a.http2, a.http2_prior, a.http3, a.http3_only});
  if (!version) return std::unexpected(version.error());
  c.http_version = *version;
  c.http10 = a.http10;
  if (a.parallel_max < 1) return fail(Errc::bad_argument, "--parallel-max must be at least 1");
  c.parallel = a.parallel;
  c.fail_early = a.fail_early;
  c.parallel_max = a.parallel_max;
  return c;
}

// -c: written once every transfer is over, failed ones too, as curl does. A
// jar that cannot be written is a warning, not the transfer's failure.
void save_cookies(const fetch::CookieJar& jar, const std::string& path, bool silent) {
  std::string text = jar.netscape(std::time(nullptr));
  bool ok;
  if (path == "-") {
    ok =
        std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0;
  } else {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    ok = static_cast<bool>(f << text) && static_cast<bool>(f.flush());
  }
  if (!ok && !silent) fmt::print(stderr, "Warning: Failed to save cookies in {}\n", path);
}

void print_verbose(char kind, std::string_view text, bool with_time) {
  std::string stamp = with_time ? time_of_day_stamp() : "";
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    out += fmt::format("{}{} {}\n", stamp, kind, line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  (void)!::write(STDERR_FILENO, out.data(), out.size());
}

// --stderr FILE: everything meant for stderr goes there ('-': stdout).
Result<void> redirect_stderr(const std::string& path) {
  int fd = path == "-" ? ::dup(STDOUT_FILENO)
                       : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Errc::write_failed, fmt::format("--stderr: cannot open {}", path));
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  return {};
}

// -w's text: @FILE (or @-) read as curl reads it, line by line with the line
// ends dropped ("\\n" in the text makes a newline).
std::string write_out_format(const std::string& given) {
  if (!given.starts_with('@')) return given;
  return read_joined_lines(given.substr(1)).value_or("");
}

// curl's global options: given in any operation, they hold for all of them
// (--next resets only the others).
void share_globals(const std::vector<GetArgs*>& ops) {
  GetArgs g;
  for (const GetArgs* a : ops) {
    g.verbose = std::max(g.verbose, a->verbose);
    g.silent |= a->silent;
    g.no_progress_meter |= a->no_progress_meter;
    g.progress_bar |= a->progress_bar;
    g.parallel |= a->parallel;
    g.parallel_immediate |= a->parallel_immediate;
    g.fail_early |= a->fail_early;
    if (a->parallel_max != GetArgs{}.parallel_max) g.parallel_max = a->parallel_max;
    if (!a->stderr_file.empty()) g.stderr_file = a->stderr_file;
    if (!a->traces.empty()) g.traces = a->traces;
    g.trace_time |= a->trace_time;
  }
  for (GetArgs* a : ops) {
    a->verbose = g.verbose;
    a->silent = g.silent;
    a->no_progress_meter = g.no_progress_meter;
    a->progress_bar = g.progress_bar;
    a->parallel = g.parallel;
    a->fail_early = g.fail_early;
    a->parallel_max = g.parallel_max;
    a->parallel_immediate = g.parallel_immediate;
    a->stderr_file = g.stderr_file;
    a->traces = g.traces;
    a->trace_time = g.trace_time;
  }
}

// An operation: its arguments, and the fetch they make.
struct Operation {
  const GetArgs& args;
  fetch::FetchConfig cfg;
  std::optional<Error> late;  // a bad glob in a later URL: reported after the others ran
};

// A -b file into the jar; with -j its session cookies are left out (the
// jar's own, from earlier operations' responses, stay: curl's -j is about files).
void load_cookie_file(fetch::CookieJar& jar, std::string_view text, bool junk_session) {
  std::time_t now = std::time(nullptr);
  if (!junk_session) return jar.load(text, now);
  fetch::CookieJar file;
  file.load(text, now);
  file.drop_session_cookies();
  jar.merge_from(file, now);
}

bool cookie_engine(const GetArgs& a) {
  return !a.cookie_jar.empty() ||
         std::any_of(a.cookie.begin(), a.cookie.end(),
                     [](const std::string& b) { return b.find('=') == std::string::npos; });
}

// Runs one operation's transfers; its -w, -D and meter are its own, the
// cookie jar is every operation's (as curl shares it).
Result<std::vector<fetch::Report>> run_operation(Operation& op, fetch::CookieJar& jar,
                                                 TraceWriter* trace) {
  const GetArgs& a = op.args;
  fetch::Callbacks cb;
  if (a.verbose)
    cb.verbose = [t = a.trace_time](char kind, std::string_view text) {
      print_verbose(kind, text, t);
    };
  if (trace) {  // over -v, as curl's --trace is
    cb.verbose = [trace](char kind, std::string_view text) { trace->event(kind, text); };
    cb.trace_data = [trace](char kind, std::span<const char> b) { trace->data(kind, b); };
  }
  std::string write_out = write_out_format(a.write_out);
  if (!write_out.empty())
    cb.write_out = [&](const fetch::Report& r) {
      std::vector<std::string> unknown;
      auto text =
          render_write_out_streams(write_out, r, r.error ? exit_code(r.error->code) : 0, &unknown);
      for (const auto& name : unknown)
        fmt::print(stderr, "sluice: unknown --write-out variable: '{}'\n", name);
      if (!text.err.empty()) fmt::print(stderr, "{}", text.err);  // %{stderr}'s part
      return text.out;
    };
  bool any_file = std::any_of(op.cfg.targets.begin(), op.cfg.targets.end(),
                              [](auto& t) { return !t.output_path.empty(); });
  // curl's rule: a meter unless the body goes to a terminal, wherever stderr
  // goes (a log file gets it too).
  bool meter = !a.silent && !a.no_progress_meter && !a.verbose &&
               (a.progress_bar || any_file || !::isatty(STDOUT_FILENO));
  ProgressMeter pm(a.progress_bar);
  if (meter) cb.progress = [&](const fetch::Progress& p) { pm.update(p); };
  // -s mutes warnings; -S brings back errors only, as in curl.
  if (!a.silent) cb.warning = warner(a);
  if (!a.silent || a.show_error)  // each failed try's error, then the retry's warning, as curl
    cb.attempt_failed = [](const Error& e) { print_coded_failure("sluice", e); };

  // -D FILE: truncated once, then every head of every transfer, in order.
  std::unique_ptr<FILE, int (*)(FILE*)> dump(nullptr, &std::fclose);
  if (!a.dump_header.empty() && a.dump_header != "-") {
    dump.reset(std::fopen(a.dump_header.c_str(), "wb"));
    if (!dump) return fail(Errc::write_failed, fmt::format("Failed to open {}", a.dump_header));
    cb.header_dump = [&](std::string_view head) {
      std::fwrite(head.data(), 1, head.size(), dump.get());
      std::fflush(dump.get());  // a reader of the file sees each head as it came
    };
  }
  // The cookie engine: on with any -b or -c. A cookie file that cannot be
  // read is no error (curl starts with an empty jar then).
  if (cookie_engine(a)) {
    for (const auto& b : a.cookie)
      if (b.find('=') == std::string::npos && !b.empty())
        if (auto text = read_source(b)) load_cookie_file(jar, *text, a.junk_session);
    op.cfg.cookies = &jar;
  }
  return fetch::run(op.cfg, cb);
}

// Every operation's configuration, before any transfer starts: a bad option
// in the last one fails the command as curl's does, having fetched nothing.
Result<std::vector<Operation>> plan_operations(const std::vector<GetArgs*>& ops) {
  std::vector<Operation> out;
  std::size_t urls_before = 0;  // %{urlnum} counts the URLs of the whole command line
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i + 1 < ops.size() && ops[i]->urls.empty() && ops[i]->url_opts.empty())
      return fail(Errc::bad_argument, "missing URL before --next");
    std::optional<Error> late;
    auto cfg = make_config(*ops[i], late);
    if (!cfg) return std::unexpected(cfg.error());
    for (auto& t : cfg->targets) t.url_num += urls_before;
    urls_before += ops[i]->urls.size() + ops[i]->url_opts.size();
    out.push_back({*ops[i], std::move(*cfg), std::move(late)});
  }
  return out;
}

// A bad option value is named even under -s, as curl's parser names it; the
// conflicts curl only warns about ("You can only select one HTTP request
// method!", "You must select either --fail or --fail-with-body") stay quiet.
bool names_bad_option(const Error& e) {
  return e.code == Errc::bad_argument && !e.message.starts_with("You can only select") &&
         !e.message.starts_with("You must select either");
}

int run_get(GetArgs& first) {
  std::vector<GetArgs*> ops = {&first};
  for (auto& n : first.next) ops.push_back(n.get());
  share_globals(ops);
  if (!first.stderr_file.empty())
    if (auto r = redirect_stderr(first.stderr_file); !r)
      return print_coded_failure("sluice", r.error());
  bool show_errors = !first.silent || first.show_error;
  auto plan = plan_operations(ops);
  if (!plan)
    return show_errors || names_bad_option(plan.error())
               ? print_coded_failure("sluice", plan.error())
               : exit_code(plan.error().code);

  std::unique_ptr<TraceWriter> trace;
  if (!first.traces.empty()) {
    const auto& [style, path] = first.traces.back();
    auto opened = TraceWriter::open(path, style, first.trace_time);
    if (!opened) return print_coded_failure("sluice", opened.error());
    trace = std::move(*opened);
  }

  // As curl: each failure is reported, and the last transfer's result is the
  // exit code (a stop by signal or a vanished consumer ends them all alike).
  fetch::CookieJar jar;
  int code = 0;
  std::optional<int> first_failure;  // --fail-early's exit code
  std::optional<Error> late;
  for (Operation& op : *plan) {
    show_errors = !op.args.silent || op.args.show_error;
    auto reports = run_operation(op, jar, trace.get());
    if (!reports) {
      code = show_errors ? print_coded_failure("sluice", reports.error())
                         : exit_code(reports.error().code);
      break;
    }
    for (const auto& r : *reports) {
      after_transfer(r, {op.args.remote_time, op.args.xattr, op.args.etag_save});
      code = r.error ? exit_code(r.error->code) : 0;
      if (r.error && r.error->code != Errc::aborted && !first_failure) first_failure = code;
      if (r.error && show_errors && r.error->code != Errc::cancelled)
        print_coded_failure("sluice", *r.error);
    }
    bool stopped = std::any_of(reports->begin(), reports->end(), [](const fetch::Report& r) {
      return r.error && r.error->code == Errc::cancelled;  // a signal ends every operation
    });
    if ((late = op.late) || stopped || (first.fail_early && first_failure)) break;
  }
  for (const Operation& op : *plan)  // at the end, failed transfers or not, as curl does
    if (!op.args.cookie_jar.empty()) save_cookies(jar, op.args.cookie_jar, op.args.silent);
  if (first.fail_early && first_failure) code = *first_failure;
  if (late) return show_errors ? print_coded_failure("sluice", *late) : exit_code(late->code);
  return code;
}

}  // namespace

Command get_command() {
  auto args = std::make_shared<GetArgs>();
  Command c{get_spec(*args), [args] { return run_get(*args); }, {}};
  c.next_operation = [args] {
    args->next.push_back(std::make_shared<GetArgs>());
    return get_spec(*args->next.back());
  };
  return c;
}

}  // namespace sluice::cli
