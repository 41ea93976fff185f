// The engine behind `sluice get`: fetches URLs in order over pooled
// connections, follows redirects, retries, and writes bodies to stdout or files
// through OutputWriter with backpressure. Never prints: reports via callbacks.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/fetch/cookie_jar.hpp"
#include "core/http/http_version.hpp"
#include "core/http/message.hpp"
#include "core/http/proxy.hpp"
#include "core/loop/loop.hpp"
#include "core/net/address.hpp"
#include "core/net/tcp.hpp"
#include "core/net/tls.hpp"

namespace sluice::fetch {

struct Target {
  std::string url;            // as typed
  std::string output_path;    // empty: stdout
  bool stdout_asked = false;  // -o -: stdout by request, binary bytes to a terminal too
  bool remote_named = false;  // -O: the name is the URL's, and -J may replace it
  uint64_t resume_from = 0;   // -C: ask for the body from this offset and append (0: off)
  std::size_t url_num = 0;    // %{urlnum}: the URL it came from (a glob makes several targets)
  // -T: the body to send (PUT unless the method is given), streamed; nullptr: none.
  std::shared_ptr<BodySource> upload;
};

// The protocols a transfer may use (--proto) or a redirect may lead to (--proto-redir).
struct SchemeSet {
  bool http = true, https = true;
  bool allows(std::string_view scheme) const {
    return scheme == "https" ? https : scheme == "http" ? http : false;
  }
};

struct ResolveEntry {  // --resolve HOST:PORT:ADDR
  std::string host;
  uint16_t port = 0;
  SocketAddr addr;
};

struct ConnectToEntry {  // --connect-to HOST1:PORT1:HOST2:PORT2; empty matches/keeps all
  std::string from_host, to_host;
  uint16_t from_port = 0, to_port = 0;
};

// -z: ask only for a document modified after (or, "-DATE", not after) a time.
// last_modified is curl's "=DATE": a Last-Modified request header, checked
// as modified_since.
struct TimeCondition {
  enum class Kind { none, modified_since, unmodified_since, last_modified };
  Kind kind = Kind::none;
  std::time_t when = 0;
};

// One entry of a .netrc file (-n, --netrc-file); an empty machine is "default".
struct NetrcEntry {
  std::string machine, login, password;
};

// -u's scheme: Basic at once; Digest (--digest) or the best offered
// (--anyauth: Digest, else Basic) once a 401 has said which.
enum class AuthScheme { basic, digest, any };

struct FetchConfig {
  std::vector<Target> targets;
  std::string method;                // empty: GET, POST with data, HEAD with head_only
  std::vector<std::string> headers;  // "Name: value", "Name:" removes, "Name;" empty
  std::optional<std::string> data;   // request body, already loaded
  bool json = false;                 // --json: the body is JSON, and so is the answer wanted
  std::string content_type;          // the body's type when not a form or JSON (-F's multipart)
  bool compressed = false;           // --compressed: ask for and decode gzip, deflate, br, zstd
  std::string user;                  // -u "user:password": Basic auth (over URL credentials)
  std::string bearer;                // --oauth2-bearer TOKEN
  AuthScheme auth = AuthScheme::basic;
  // -n/--netrc-file: credentials for hosts without -u or URL credentials
  // (a URL's user name alone takes the password of that login's entry).
  std::vector<NetrcEntry> netrc;
  std::string referer;              // -e URL
  bool auto_referer = false;        // -e "URL;auto": each redirect names the page it left
  bool dump_header_stdout = false;  // -D -: response heads go to stdout before their body
  std::string range;                // -r: "0-99", sent as Range: bytes=0-99
  bool create_dirs = false;         // --create-dirs
  bool remove_on_error = false;     // --remove-on-error: a failed transfer's file goes
  bool remote_header_name = false;  // -J: -O's name from Content-Disposition (not -o's)
  bool no_clobber = false;          // --no-clobber: an existing file stays; NAME.1 ... .99 instead
  bool skip_existing = false;  // --skip-existing: no transfer at all for an -o/-O file that exists
  // --parallel-immediate: with -Z, open a connection per transfer at once
  // instead of waiting for the first one (it may be h2 and take them all).
  bool parallel_immediate = false;
  // -z: sent as If-(Un)Modified-Since; a 2xx whose Last-Modified does not meet
  // it is taken as a 304 (its body unread), as curl does.
  TimeCondition time_cond;
  // -b/-c: the cookie engine (nullptr: off). Cookies that responses set are
  // kept here and sent on the requests they match; the caller owns it.
  CookieJar* cookies = nullptr;
  std::string cookie_literal;  // -b "a=1; b=2": sent as it is, after the jar's
  bool head_only = false;      // -I
  // stdout is a terminal: a body going there unasked (no -o -) that has a NUL
  // byte in its first 2000 is refused (curl's 23), not written.
  bool stdout_is_terminal = false;
  bool include_headers = false;  // -i
  std::string user_agent = "sluice/0.1.0";
  bool follow = false;
  bool path_as_is = false;     // --path-as-is: "/../" and "/./" sent as typed
  std::string request_target;  // --request-target: sent instead of the URL's path ("*")
  int max_redirs = 50;
  SchemeSet protocols;            // --proto: for every request, redirects included
  SchemeSet redir_protocols;      // --proto-redir: for where a redirect leads
  bool location_trusted = false;  // --location-trusted: credentials follow to other hosts
  bool post301 = false, post302 = false, post303 = false;  // --post30x: keep POST there
  bool fail_on_error = false;
  bool fail_with_body = false;  // --fail-with-body: exit 22 on >= 400, the body still written
  Millis connect_timeout{300000};
  Millis max_time{0};  // 0: none
  int retries = 0;
  Millis retry_delay{0};           // 0: exponential backoff from 1 s
  bool retry_connrefused = false;  // a refused connection is worth a retry too
  bool retry_all_errors = false;   // every error is, HTTP >= 400 under -f included
  Millis retry_max_time{0};        // no retry that would start past this since the first try
  std::optional<uint64_t> max_filesize;
  Millis expect100_timeout{1000};  // --expect100-timeout: the wait for a 100 Continue
  // --speed-limit/--speed-time: under low_speed_limit bytes per second (both
  // ways, over the last five seconds) for low_speed_time is curl's exit 28.
  uint64_t low_speed_limit = 0;  // 0: no check
  Millis low_speed_time{30000};
  TlsClientConfig tls;
  std::vector<ResolveEntry> resolve;
  std::vector<ConnectToEntry> connect_to;  // the first that matches applies
  // --unix-socket PATH / --abstract-unix-socket NAME: connections go there
  // (no DNS, no proxy, no QUIC), as in curl.
  std::string unix_socket;
  bool unix_socket_abstract = false;
  Family family = Family::any;
  // TCP keepalive probes (--no-keepalive, --keepalive-time), --interface and
  // --local-port; TCP only (QUIC's UDP socket takes none of them).
  TcpClientOptions tcp;
  std::size_t max_buffer = 1 << 20;  // high water; low water is a quarter
  // --limit-rate: body bytes per second received, on average since the body's
  // first byte (0: no limit). Paces reads (h1) and window credit (h2, h3).
  uint64_t limit_rate = 0;
  HttpVersion http_version = HttpVersion::negotiate;
  // --http1.0: "HTTP/1.0" request lines (http_version is http1_1 then); the
  // connection is kept only if the answer says so, as curl reads it.
  bool http10 = false;
  ProxyConfig proxy;      // -x, -U, -p, --noproxy and the environment's proxies
  bool parallel = false;  // -Z: run transfers concurrently
  // --fail-early: the first failed transfer ends the run (none starts after
  // it; with -Z those running are stopped with Errc::aborted)
  bool fail_early = false;
  int parallel_max = 50;  // at most this many at once
  // --rate: transfers one after another start at least this far apart
  // (0: as soon as the last ends); no effect with -Z, as in curl.
  Clock::duration rate_interval{0};
};

struct Report {
  std::string url_effective;
  int http_code = 0;
  std::string http_version;
  uint64_t size_download = 0, size_header = 0, size_upload = 0;
  double time_namelookup = 0, time_connect = 0, time_appconnect = 0, time_starttransfer = 0,
         time_total = 0;
  int num_connects = 0, num_redirects = 0, num_retries = 0;
  std::string remote_ip, content_type;
  std::string url;  // as fetched (%{url}), and the command-line URL it came from (%{urlnum})
  std::size_t url_num = 0;
  std::string filename_effective;  // the -o/-O/-J file written, "" for stdout
  std::string local_ip;
  uint16_t local_port = 0;
  double time_pretransfer = 0, time_redirect = 0;
  Headers headers;     // the last response's fields (%header{name}, %{header_json}, %{num_headers})
  std::string scheme;  // "http" or "https" once a request went out, as curl 8 prints it
  std::string method;  // of the last request (a redirect may have turned POST into GET)
  std::string redirect_url;  // where a redirect not followed (no -L) points, absolute
  uint16_t remote_port = 0;
  int http_connect = 0;        // a proxy's answer to this transfer's CONNECT (%{http_connect})
  long ssl_verify_result = 0;  // the X509 verification's result, -k or not (0: verified, or no TLS)
  // The request heads (as HTTP/1.x writes them) and bodies sent, every hop
  // (%{size_request})
  uint64_t size_request = 0;
  std::string referer;      // the Referer the last request sent (%{referer})
  bool proxy_used = false;  // the last request went through a proxy
  long conn_id = -1;        // the run's number of the connection last used; -1: none
  long xfer_id = 0;         // the run's number of this transfer, from 0
  double time_posttransfer = 0;
  std::optional<Error> error;
  double speed_download() const { return time_total > 0 ? size_download / time_total : 0; }
  double speed_upload() const { return time_total > 0 ? size_upload / time_total : 0; }
};

struct Progress {
  std::optional<uint64_t> download_total;
  uint64_t downloaded = 0;
  uint64_t upload_total = 0, uploaded = 0;
  double elapsed = 0;
  bool final = false;
};

struct Callbacks {
  // kind: '*' connection events, '>' request head, '<' response head.
  std::function<void(char kind, std::string_view text)> verbose;
  // Text to append to stdout after each transfer (-w); empty for none.
  std::function<std::string(const Report&)> write_out;
  std::function<void(const Progress&)> progress;  // about every 500 ms and once at the end
  std::function<void(std::string_view)> warning;  // e.g. "Will retry in 1 seconds"
  // A try failed and will be retried: curl prints its error as it goes.
  std::function<void(const Error&)> attempt_failed;
  // -D FILE: every response head as received (interim and redirect ones too).
  std::function<void(std::string_view head)> header_dump;
  // --trace: body bytes as they go ('>': the request's, as read to be sent)
  // and come ('<': the response's, de-chunked, not yet decoded).
  std::function<void(char kind, std::span<const char> bytes)> trace_data;
};

// Runs all targets; returns one report per target that was attempted. Stops
// early on a write error to stdout or on a signal (the error says which).
std::vector<Report> run(const FetchConfig& cfg, const Callbacks& cb);

}  // namespace sluice::fetch
