#include "cli/man_sections.hpp"

namespace sluice::cli {

namespace {

constexpr const char* kEnvironment =
    R"(http_proxy               get: the proxy for http:// URLs (lower case only, as curl)
https_proxy, HTTPS_PROXY get: the proxy for https:// URLs
all_proxy, ALL_PROXY     get: the proxy for both when the above are unset
no_proxy, NO_PROXY       get: hosts reached directly (as --noproxy)
                         -x/--proxy and --noproxy win over all of these; -x '' turns
                         proxies off. --unix-socket uses none.
CURL_CA_BUNDLE           get: the CA bundle to trust, as --cacert (which wins)
SSL_CERT_FILE            the CA bundle to trust instead of the system store
SSL_CERT_DIR             over TCP: a hashed CA directory instead of /etc/ssl/certs
SLUICE_TLS_MODULE        the TLS module to load instead of the one beside the binary
SLUICE_H3_MODULE         the HTTP/3 module to load instead of the one beside the binary)";

constexpr const char* kFiles =
    R"(sluice-tls.so            TLS over TCP (OpenSSL), loaded on the first https:// use over
                         TCP: beside the binary, or ../lib/sluice/ from it
sluice-h3.so             QUIC, HTTP/3 and GnuTLS, loaded on the first HTTP/3 use, found
                         the same way; without it HTTP/3 is exit 1, the rest works
/etc/ssl/certs           the system's trusted CAs (looked up per handshake, not loaded)
~/.curlrc                not read (curl reads it unless -q); name a config with -K
-K FILE                  curl's config-file syntax; no file is read unless named
-c FILE                  cookies in the Netscape format curl writes
~/.netrc                 credentials per host, read only with -n or --netrc-optional
                         (--netrc-file FILE names another))";

constexpr const char* kExamples =
    R"(Fetch a page; fail on HTTP errors, quietly, with retries (a CI health check):
    sluice get -fsS --retry 10 --retry-connrefused http://127.0.0.1:8080/health

Stream a large body into a slow consumer with bounded memory:
    sluice get https://example.com/big.iso | pv -L 20m > big.iso

Several URLs at once over one HTTP/2 connection, output in URL order:
    sluice get -Z --http2 https://example.com/a https://example.com/b

HTTP/3 first, falling back to TCP; say which protocol won:
    sluice get -v --http3 -o /dev/null -w '%{http_version}\n' https://example.com/

A Docker API call over its Unix socket:
    sluice get --unix-socket /var/run/docker.sock http://localhost/v1.41/info

Serve a directory over HTTP/1.1 and HTTP/2 with TLS, and HTTP/3:
    sluice serve --root ./site --tls --http3 --listen 127.0.0.1:8443

Load: 8 connections for 10 s (closed model), then 2000 requests/s (open model):
    sluice bench -c 8 -d 10s http://127.0.0.1:8080/bytes/1024
    sluice bench -c 8 -d 10s --rate 2000 --json run.json http://127.0.0.1:8080/

UDP datagrams to a closed port: errors counted, no busy loop:
    sluice udp-probe --count 10000 --rate 0 127.0.0.1:9)";

constexpr const char* kDifferences =
    R"(sluice get speaks http:// and https:// only (HTTP/1.1, HTTP/2, HTTP/3); other
curl protocols are exit 1. Where both have a flag, its meaning and exit codes are
curl's; these are the known differences:
  - No ~/.curlrc is read: only -K FILE.
  - No -T globbing. A body over 1 MiB (or of unknown length) on HTTP/1.1 waits
    up to --expect100-timeout (1 s) for a 100 Continue, as curl 8's does (curl
    7.88 also waits for small PUTs).
  - --next operations run one after another, each on its own connections (curl
    reuses a connection across them, and runs them together with -Z); an
    operation without a URL fails the command before anything is fetched.
  - -T of a directory is exit 26 (curl sends nothing and exits 0).
  - Proxies are HTTP proxies with Basic credentials: no SOCKS, no https:// proxy,
    no Digest/NTLM/Negotiate.
  - --unix-socket and --abstract-unix-socket together are exit 2 (curl keeps the
    last one).
  - The binary-output refusal (exit 23) is an error message, so -sS shows it;
    curl shows it only without -s.
  - -v, the progress meter and error messages are worded differently: scripts
    should read exit codes and -w, as with curl across its own versions.
  - A response body is never held beyond --max-buffer (1 MiB): a slow consumer
    slows the server down (flow control) instead of growing memory.
  - Two Content-Length headers that disagree are exit 8, as curl 8.21 has it
    (curl 7.88 and 8.14 take the last one).
  - A --compressed body whose coded stream stops short (a gzip member without its
    end) is exit 61; curl 8.14 takes it for whole and exits 0.
  - -u USER without a password and without a terminal to ask on is exit 2; curl
    reads the password from stdin.
  - With --compressed, %{size_download} and %{speed_download} count the decoded
    bytes (what was written); curl counts the coded ones.
  - -X HEAD reads no body, as -I; curl waits for the body the answer announces.
  - -w's %{url_effective} (and %{urle.*}) leave out user:password; curl
    keeps it. -w reads \\ as one backslash (curl prints both).
  - --trace and --trace-ascii show the HTTP bytes but no TLS records (curl's
    "Send SSL data" blocks), and their "== Info:" lines are sluice's -v lines.
  - With -n, a URL that names both user and password is sent with them; curl
    8.14 sends the URL's user with the .netrc entry's password.
The test suite runs each of these, so the list stays true.)";

}  // namespace

std::vector<std::pair<std::string, std::string>> man_closing_sections() {
  return {{"ENVIRONMENT", kEnvironment},
          {"FILES", kFiles},
          {"EXAMPLES", kExamples},
          {"DIFFERENCES FROM CURL", kDifferences}};
}

}  // namespace sluice::cli
