#include "core/serve/synthetic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/http/status.hpp"
#include "core/serve/encoded.hpp"
#include "core/serve/fixed_response.hpp"
#include "core/serve/inspect.hpp"
#include "core/serve/methods.hpp"
#include "core/serve/pattern.hpp"
#include "core/serve/range.hpp"
#include "core/serve/upload_sink.hpp"

namespace sluice::serve {

namespace {

constexpr std::string_view kOctets = "application/octet-stream";
constexpr std::string_view kText = kPlainTextType;
constexpr int kSyntheticBlocksPerPull = 4;  // bound the work one pull() does for one connection
constexpr uint64_t kMaxDelayMs = 3'600'000;
// Body sizes and rates stop at 2^63 - 1: off_t's range, and what clients that
// keep lengths signed can read. No offset, range or length sum can wrap below it.
constexpr uint64_t kMaxSize = std::numeric_limits<int64_t>::max();

std::optional<uint64_t> parse_size(std::string_view text) {
  auto n = parse_u64(text);
  if (!n || *n > kMaxSize) return std::nullopt;
  return n;
}

Headers content_type(std::string_view type) {
  Headers h;
  h.add("Content-Type", std::string(type));
  return h;
}

std::unique_ptr<Endpoint> text(int status, std::string body, Headers h = {}) {
  h.add("Content-Type", std::string(kText));
  return std::make_unique<FixedResponse>(status, std::move(h), std::move(body));
}

// /bytes/N (and a Range of it): the pattern from `offset`, `length` bytes.
// Its fields are its own (a Range's Content-Range) or, for the common
// answers, one shared list: no field list built and freed per request.
class PatternBody final : public Endpoint {
 public:
  PatternBody(int status, Headers h, uint64_t offset, uint64_t length, bool chunked)
      : status_(status),
        own_(std::move(h)),
        headers_(&own_),
        offset_(offset),
        left_(length),
        chunked_(chunked) {}
  PatternBody(const Headers& shared, uint64_t length, bool chunked)
      : status_(200), headers_(&shared), left_(length), chunked_(chunked) {}

  Pull pull(ResponseWriter& w) override {
    if (!started_) {
      started_ = true;
      w.head(status_, *headers_, chunked_ ? std::nullopt : std::optional<uint64_t>(left_));
    }
    for (int i = 0; i < kSyntheticBlocksPerPull && left_ > 0 && w.has_room(); ++i) {
      std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(left_, kPatternMaxSlice));
      w.write(pattern_slice(offset_, n));
      offset_ += n;
      left_ -= n;
    }
    if (left_ > 0) return Pull::more;
    w.end();
    return Pull::done;
  }

 private:
  int status_;
  Headers own_;
  const Headers* headers_;
  uint64_t offset_ = 0, left_;
  bool chunked_;
  bool started_ = false;
};

// /drip: `total` pattern bytes at `rate` bytes/s, paced by a loop timer.
class Drip final : public Endpoint {
 public:
  Drip(uint64_t total, uint64_t rate) : total_(total), rate_(rate) {}
  ~Drip() override {
    if (timer_) loop_->cancel(timer_);
  }

  Pull pull(ResponseWriter& w) override {
    if (!loop_) {
      loop_ = &w.loop();
      start_ = loop_->now();
      w.head(200, content_type(kOctets), total_);
    }
    uint64_t due = due_by(loop_->now());
    while (sent_ < due && w.has_room()) {
      std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(due - sent_, kPatternMaxSlice));
      w.write(pattern_slice(sent_, n));
      sent_ += n;
    }
    if (sent_ == total_) {
      w.end();
      return Pull::done;
    }
    if (sent_ < due) return Pull::more;  // the client is slower than the rate
    schedule_next(w);
    return Pull::wait;
  }

 private:
  uint64_t due_by(TimePoint now) const {
    double secs = std::chrono::duration<double>(now - start_).count();
    double due = secs * static_cast<double>(rate_);
    // Compared as a double: converting one past 2^64 to an integer is undefined.
    return due >= static_cast<double>(total_) ? total_ : static_cast<uint64_t>(due);
  }
  void schedule_next(ResponseWriter& w) {
    // When the next byte is due, but at most ~50 wake-ups a second at high rates.
    auto next_byte = std::chrono::duration<double>(static_cast<double>(sent_ + 1) / rate_);
    TimePoint at = start_ + std::chrono::duration_cast<Clock::duration>(next_byte);
    at = std::max(at, loop_->now() + Millis(20));
    timer_ = loop_->timer(at, [this, &w] {
      timer_ = 0;
      w.wake();
    });
  }

  uint64_t total_, rate_;
  uint64_t sent_ = 0;
  Loop* loop_ = nullptr;
  TimePoint start_;
  TimerId timer_ = 0;
};

// /delay/MS: nothing until a timer fires, then the inner response.
class Delay final : public Endpoint {
 public:
  Delay(Millis delay, std::unique_ptr<Endpoint> then) : delay_(delay), then_(std::move(then)) {}
  ~Delay() override {
    if (timer_) loop_->cancel(timer_);
  }

  Pull pull(ResponseWriter& w) override {
    if (fired_) return then_->pull(w);
    if (!loop_) {
      loop_ = &w.loop();
      timer_ = loop_->after(delay_, [this, &w] {
        timer_ = 0;
        fired_ = true;
        w.wake();
      });
    }
    return Pull::wait;
  }

 private:
  Millis delay_;
  std::unique_ptr<Endpoint> then_;
  Loop* loop_ = nullptr;
  TimerId timer_ = 0;
  bool fired_ = false;
};

// /echo: the request body streamed back as it arrives. Backpressure comes
// from the connection: it stops reading the socket while its output queue is
// above the mark, so the client's own upload stalls.
class Echo final : public Endpoint {
 public:
  Pull pull(ResponseWriter& w) override {
    if (started_) return Pull::wait;
    started_ = true;
    const RequestHead& req = w.request();
    Headers h = content_type(req.headers.get("Content-Type").value_or(kOctets));
    std::optional<uint64_t> length;
    if (!req.chunked) length = req.content_length.value_or(0);
    w.head(200, h, length);
    return Pull::wait;  // on_body / on_body_end drive the rest
  }
  void on_body(ResponseWriter& w, std::string_view bytes) override { w.write(bytes); }
  void on_body_end(ResponseWriter& w) override { w.end(); }

 private:
  bool started_ = false;
};

std::unique_ptr<Endpoint> bytes(std::string_view n_text, const RequestHead& req,
                                const RequestTarget& t) {
  auto n = parse_size(n_text);
  if (!n) return text(400, "/bytes/N: N must be a byte count below 2^63\n");
  bool chunked = query_param(t.query, "chunked").value_or("0") == "1";
  static const Headers kChunked = content_type(kOctets);
  if (chunked) return std::make_unique<PatternBody>(kChunked, *n, true);
  static const Headers kWhole = [] {
    Headers h = content_type(kOctets);
    h.add("Accept-Ranges", "bytes");
    return h;
  }();
  auto range_header = req.headers.get("Range");
  if (!range_header) return std::make_unique<PatternBody>(kWhole, *n, false);
  RangeRequest r = parse_range(*range_header, *n);
  if (r.kind == RangeRequest::unsatisfiable) {
    Headers e;
    e.add("Content-Range", fmt::format("bytes */{}", *n));
    return error_response(416, std::move(e));
  }
  if (r.kind == RangeRequest::satisfiable) {
    Headers h = kWhole;
    h.add("Content-Range", fmt::format("bytes {}-{}/{}", r.first, r.last, *n));
    return std::make_unique<PatternBody>(206, std::move(h), r.first, r.length(), false);
  }
  return std::make_unique<PatternBody>(kWhole, *n, false);
}

std::unique_ptr<Endpoint> drip(const RequestTarget& t) {
  auto total = parse_size(query_param(t.query, "bytes").value_or("1024"));
  auto rate = parse_size(query_param(t.query, "rate").value_or("1024"));
  if (!total || !rate || *rate == 0)
    return text(400, "/drip?bytes=N&rate=BYTES_PER_SECOND: 0 <= N < 2^63, 1 <= rate < 2^63\n");
  return std::make_unique<Drip>(*total, *rate);
}

std::unique_ptr<Endpoint> redirect(std::string_view n_text) {
  auto n = parse_u64(n_text);
  if (!n) return text(400, "/redirect/N: N must be a number\n");
  if (*n == 0) return text(200, "redirect chain done\n");
  std::string next = fmt::format("/redirect/{}", *n - 1);
  Headers h;
  h.add("Location", next);
  return text(302, fmt::format("redirecting to {}\n", next), std::move(h));
}

// The headers RFC 9110 requires with some codes, so that a client under test
// sees a well-formed response: body is the one /status/CODE sends.
Headers status_headers(int code, std::string_view body) {
  Headers h;
  if (code == 206)
    h.add("Content-Range", fmt::format("bytes 0-{}/{}", body.size() - 1, body.size()));
  if (code == 401) h.add("WWW-Authenticate", "Basic realm=\"sluice\"");
  if (code == 405) h.add("Allow", std::string(kAllMethods));  // what /status answers
  if (code == 407) h.add("Proxy-Authenticate", "Basic realm=\"sluice\"");
  return h;
}

std::unique_ptr<Endpoint> status(std::string_view code_text) {
  auto code = parse_u64(code_text);
  if (!code || *code < 200 || *code > 599) return text(400, "/status/CODE: CODE in 200..599\n");
  int c = static_cast<int>(*code);
  std::string body = status_body(c);
  Headers h = status_headers(c, body);
  return text(c, std::move(body), std::move(h));
}

std::unique_ptr<Endpoint> delay(std::string_view ms_text) {
  auto ms = parse_u64(ms_text);
  if (!ms || *ms > kMaxDelayMs) return text(400, "/delay/MS: MS in 0..3600000\n");
  return std::make_unique<Delay>(Millis(*ms), text(200, fmt::format("delayed {} ms\n", *ms)));
}

std::unique_ptr<Endpoint> stats_json(const Stats* s) {
  std::string body =
      fmt::format("{{\"requests\":{},\"connections\":{},\"quic_retries\":{},\"open\":{}}}\n",
                  s ? s->requests() : 0, s ? s->connections() : 0, s ? s->quic_retries() : 0,
                  s ? s->open.load() : 0);
  Headers h = content_type("application/json");
  h.add("Cache-Control", "no-store");
  return std::make_unique<FixedResponse>(200, std::move(h), std::move(body));
}

std::unique_ptr<Endpoint> index_page() {
  return text(200, fmt::format("sluice serve\n\n{}", endpoint_index()));
}

// What a synthetic endpoint is made from.
struct Call {
  const RequestHead& req;
  const RequestTarget& t;
  std::string_view rest;  // of the path, after an entry that ends in '/'
  const Stats* stats;
};

// One synthetic path: `path` exactly, or everything under it when it ends in
// '/' (the rest is the endpoint's argument: "/bytes/12" -> "12").
struct SyntheticPath {
  std::string_view path;
  std::unique_ptr<Endpoint> (*make)(const Call& c);
};

constexpr SyntheticPath kPaths[] = {
    {"/bytes/", [](const Call& c) { return bytes(c.rest, c.req, c.t); }},
    {"/drip", [](const Call& c) { return drip(c.t); }},
    {"/redirect/", [](const Call& c) { return redirect(c.rest); }},
    {"/status/", [](const Call& c) { return status(c.rest); }},
    {"/delay/", [](const Call& c) { return delay(c.rest); }},
    {"/echo", [](const Call&) -> std::unique_ptr<Endpoint> { return std::make_unique<Echo>(); }},
    {"/upload", [](const Call&) { return upload_sink(); }},
    {"/stats", [](const Call& c) { return stats_json(c.stats); }},
    {"/headers", [](const Call& c) { return headers_json(c.req); }},
    {"/basic-auth/", [](const Call& c) { return basic_auth(c.req, c.rest); }},
    {"/bearer", [](const Call& c) { return bearer(c.req); }},
    {"/cookies", [](const Call& c) { return cookies_json(c.req); }},
    {"/cookies/set", [](const Call& c) { return cookies_set(c.t.query); }},
    {"/cookies/delete", [](const Call& c) { return cookies_delete(c.t.query); }},
    {"/redirect-to", [](const Call& c) { return redirect_to(c.t.query); }},
    {"/response-headers", [](const Call& c) { return response_headers(c.t.query); }},
    {"/encoded/", [](const Call& c) { return encoded(c.rest); }},
    {"/gzip", [](const Call& c) { return coded_headers("gzip", c.req); }},
    {"/deflate", [](const Call& c) { return coded_headers("deflate", c.req); }},
    {"/brotli", [](const Call& c) { return coded_headers("brotli", c.req); }},
    {"/zstd", [](const Call& c) { return coded_headers("zstd", c.req); }},
};

// The entry owning path, and the argument it leaves; nullptr when none does.
const SyntheticPath* find_path(std::string_view path, std::string_view& rest) {
  if (path.size() < 2) return nullptr;  // "/" is the index page's
  for (const auto& p : kPaths) {
    // A byte first: a static file's path is looked up here on every request.
    if (p.path[1] != path[1]) continue;
    bool under = p.path.ends_with('/');
    if (under ? path.starts_with(p.path) : path == p.path) {
      rest = path.substr(p.path.size());
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view endpoint_index() {
  return "/bytes/N              N bytes of a fixed pattern: byte i is\n"
         "                      \"abcdefghijklmnopqrstuvwxyz0123456789\"[i % 36];\n"
         "                      ?chunked=1 for chunked framing; one Range -> 206/416\n"
         "/drip?bytes=N&rate=R  N pattern bytes paced at R bytes/s (defaults 1024, 1024)\n"
         "/redirect/N           302 to /redirect/N-1; /redirect/0 is 200\n"
         "/status/CODE          that status (200..599) with a short text body\n"
         "/delay/MS             200 after MS milliseconds (at most 3600000)\n"
         "/echo                 the request body streamed back, with its Content-Type\n"
         "/upload               the request body taken whole, answered with JSON\n"
         "                      {\"bytes\":N,\"crc32\":\"8 hex digits\"} (zlib's CRC-32)\n"
         "/stats                JSON {\"requests\":N,\"connections\":M,\"open\":K}, this process\n"
         "/headers              the request's header fields as JSON\n"
         "/basic-auth/USER/PASS 200 for Authorization: Basic USER:PASS, else 401\n"
         "/bearer               200 for Authorization: Bearer TOKEN, else 401\n"
         "/cookies              the request's cookies as JSON\n"
         "/cookies/set?N=V&...  302 to /cookies, setting each cookie\n"
         "/cookies/delete?N&... 302 to /cookies, expiring each cookie\n"
         "/redirect-to?url=PATH a 302 (or &status_code=3xx) to PATH on this server\n"
         "/response-headers?N=V 200 with each N: V among its header fields\n"
         "/encoded/CODING/N     N pattern bytes compressed on the fly (gzip, deflate, br,\n"
         "                      zstd) with that Content-Encoding, chunked\n"
         "/gzip /deflate        httpbin's: the request's headers as JSON, coded so\n"
         "/brotli /zstd         (\"gzipped\": true, \"deflated\", \"brotli\", \"zstd\")\n"
         "/                     this index (with --root: the root directory instead)\n";
}

std::unique_ptr<Endpoint> make_synthetic(const RequestHead& req, const RequestTarget& t,
                                         const Stats* stats, bool have_root) {
  std::string_view rest;
  const SyntheticPath* p = find_path(t.path, rest);
  bool index = t.path == "/" && !have_root;
  if (!p && !index) return nullptr;
  if (auto answered = answer_method(req.method, kAllMethods)) return answered;
  return p ? p->make({req, t, rest, stats}) : index_page();
}

}  // namespace sluice::serve
