#include "core/fetch/transfer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fetch/digest_auth.hpp"
#include "core/fetch/request_builder.hpp"
#include "core/fetch/traced_body.hpp"
#include "core/h1/client_session.hpp"
#include "core/h1/http_date.hpp"
#include "core/http/file_output.hpp"
#include "core/http/paced_body.hpp"
#include "core/net/tls.hpp"

namespace sluice::fetch {

namespace {
// Redirect bodies up to this size are read so the connection can be reused.
constexpr uint64_t kMaxDrain = 1 << 20;
// How far into a body bound for a terminal a NUL byte still refuses it (curl's
// figure: past it, the user has seen what the output is), and how much of a
// write that starts before it is looked at (curl's writes are at most 16 KiB;
// ours can be 128 KiB, and the answer must not depend on how reads fall).
constexpr uint64_t kBinaryCheckBytes = 2000;
constexpr std::size_t kBinaryScanBytes = 16384;

// "name: value" lines, as -i prints header and trailer fields.
std::string field_lines(const Headers& h) {
  std::string s;
  for (const auto& [n, v] : h.list()) s += fmt::format("{}: {}\r\n", n, v);
  return s;
}

std::string head_text(const Response& r) {
  if (!r.raw_head.empty()) return r.raw_head;  // h1: as it came, as curl passes it on
  // "HTTP/2 200 " and "HTTP/3 200 " with the trailing space: byte for byte
  // what curl 7.88 prints.
  std::string s = r.version_major >= 2
                      ? fmt::format("HTTP/{} {} \r\n", r.version_major, r.status)
                      : fmt::format("HTTP/{} {} {}\r\n", r.version_string(), r.status, r.reason);
  return s + field_lines(r.headers) + "\r\n";
}
}  // namespace

Transfer::Transfer(TransferEnv env, Target target, std::unique_ptr<Output> stdout_lane,
                   std::function<void(Report)> done)
    : env_(env), target_(std::move(target)), done_(std::move(done)), out_(std::move(stdout_lane)) {
  retries_left_ = env_.cfg.retries;
}

Transfer::~Transfer() {
  *alive_ = false;
  cancel_timers();
  stop_connecting();
  release_session(true);
  if (out_) out_->on_low = out_->on_empty = out_->on_failed = nullptr;
  if (out_) out_->on_written = nullptr;
}

double Transfer::since_start(TimePoint t) const {
  return std::chrono::duration<double>(t - t0_).count();
}

void Transfer::start() {
  t0_ = Clock::now();
  rep_.url_effective = target_.url;
  rep_.url = target_.url;
  if (env_.cfg.skip_existing && !target_.output_path.empty() &&
      ::access(target_.output_path.c_str(), F_OK) == 0) {
    if (env_.cb.verbose)
      env_.cb.verbose('*',
                      fmt::format("skips transfer, \"{}\" exists locally", target_.output_path));
    return finish(std::nullopt);  // curl's -w still runs, with no response (000)
  }
  if (auto r = open_output(); !r) return finish(r.error());
  auto url = parse_url(target_.url, env_.cfg.path_as_is);
  if (!url) return finish(url.error());
  if (!env_.cfg.protocols.allows(url->scheme)) return finish(protocol_refused(url->scheme));
  rep_.url_effective = url->str_with_fragment();
  first_origin_ = url->origin();
  req_ = build_request(env_.cfg, *url, target_.upload);
  req_.target_override = env_.cfg.request_target;
  if (env_.cfg.limit_rate && req_.has_body) pace_body();
  if (env_.cb.trace_data && req_.has_body) trace_body();
  if (target_.resume_from > 0)
    req_.headers.set("Range", fmt::format("bytes={}-", target_.resume_from));
  rep_.method = req_.method;
  arm_progress();
  if (env_.cfg.low_speed_limit)
    speed_check_.emplace(env_.cfg.low_speed_limit, env_.cfg.low_speed_time);
  attempt(true);
}

Result<void> Transfer::open_output() {
  check_binary_ =
      target_.output_path.empty() && !target_.stdout_asked && env_.cfg.stdout_is_terminal;
  if (!target_.output_path.empty()) {
    std::size_t high = env_.cfg.max_buffer;
    FileOptions options{target_.resume_from > 0, env_.cfg.create_dirs, env_.cfg.no_clobber};
    auto file =
        std::make_unique<FileOutput>(env_.loop, target_.output_path, high, high / 4, options);
    file_ = file.get();
    out_ = std::move(file);
  }
  out_->on_low = [this] { on_output_low(); };
  out_->on_written = [this](std::size_t n) { body_written(n); };
  // The consumer may go away while the session is paused waiting for it: then
  // nothing else would wake us.
  out_->on_failed = [this] { handle_error(*out_->error()); };
  return {};
}

// Bytes reached the destination: for h2 that is when the stream gets its
// window back (consumption-gated flow control).
void Transfer::body_written(std::size_t n) {
  std::size_t body = std::min<uint64_t>(n, body_queued_);
  body_queued_ -= body;
  body_written_ += body;
  // Decoded bytes are not what the window counted: pump_decoder() credits
  // the coded ones as it uses them.
  if (body && !decoder_) credit(body);
}

// --limit-rate holds for what we send too, as in curl: the body (-T, or
// -d's bytes) is read through a PacedBody, and the session sends it as read.
void Transfer::pace_body() {
  req_.upload = std::make_shared<PacedBody>(body_source(), env_.cfg.limit_rate);
}

// The request body as a source: -T's, or -d's memory (whose size each hop's
// %{size_request} still counts, as for a body sent from memory).
std::shared_ptr<BodySource> Transfer::body_source() {
  if (req_.upload) return req_.upload;
  memory_body_size_ = req_.body.size();
  auto source = std::make_shared<MemoryBody>(std::move(req_.body));
  req_.body.clear();
  return source;
}

// --trace: the request body is shown as it is read to be sent.
void Transfer::trace_body() {
  req_.upload = std::make_shared<TracedBody>(
      body_source(), [cb = &env_.cb](std::span<const char> b) { cb->trace_data('>', b); });
}

// Window credit for bytes the consumer took (h2, h3; a no-op on h1). Under
// --limit-rate no more is credited than the rate allows so far: the peer
// sends at most a window ahead of it.
void Transfer::credit(uint64_t n) {
  credit_owed_ += n;
  flush_credit();
}

void Transfer::flush_credit() {
  uint64_t give = credit_owed_;
  if (env_.cfg.limit_rate) {
    double secs = std::chrono::duration<double>(Clock::now() - rate_start_).count();
    auto allowed = static_cast<uint64_t>(secs * static_cast<double>(env_.cfg.limit_rate));
    give = std::min(give, allowed > credited_ ? allowed - credited_ : 0);
  }
  if (!give || !session_) return;
  credit_owed_ -= give;
  credited_ += give;
  session_->consumed(stream_, give);
}

// --limit-rate: n more bytes arrived. True when the bytes received so far are
// ahead of the rate: the session is paused (h1 stops reading) until they are
// not, and flush_credit() runs then (h2, h3).
bool Transfer::rate_throttles(std::size_t n) {
  uint64_t limit = env_.cfg.limit_rate;
  if (!limit) return false;
  if (rate_bytes_ == 0) rate_start_ = Clock::now();
  rate_bytes_ += n;
  if (rate_due() <= Clock::now()) return false;
  arm_rate_timer();
  return true;
}

// When the bytes received so far are within --limit-rate.
TimePoint Transfer::rate_due() const {
  double secs = static_cast<double>(rate_bytes_) / static_cast<double>(env_.cfg.limit_rate);
  return rate_start_ +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
}

// Until then: credit what the rate allows as time passes (on h2 and h3 no
// more bytes come until it is given), and resume reading once it is due.
void Transfer::arm_rate_timer() {
  if (rate_timer_) return;
  auto wait = std::max(std::chrono::ceil<Millis>(rate_due() - Clock::now()), Millis(1));
  rate_timer_ = env_.loop.after(wait, [this] {
    rate_timer_ = 0;
    flush_credit();
    if (Clock::now() < rate_due()) return arm_rate_timer();  // more bytes came meanwhile
    resume_reading();
  });
}

// Reading goes on only when neither the output nor --limit-rate holds it back.
void Transfer::resume_reading() {
  if (rate_timer_ || !session_ || out_->above_high()) return;
  session_->resume(stream_);
}

// The output drained below its low mark: coded bytes waiting go first, and
// the session reads again only once they are all decoded.
void Transfer::on_output_low() {
  if (decoder_ && !decoder_->idle()) {
    if (pump_decoder() == Backpressure::abort)
      return handle_error(pending_error_ ? *pending_error_ : Error{Errc::write_failed, "write"});
    if (!decoder_->idle()) return;
    if (end_waits_) {
      end_waits_ = false;
      return after_response();
    }
  }
  resume_reading();
}

// -T's body bytes the session has taken to send (what it read from the
// source, at most its write queue ahead of the socket); else the body's size.
uint64_t Transfer::uploaded() const {
  return req_.upload ? req_.upload->taken() : rep_.size_upload;
}

uint64_t Transfer::upload_total() const {
  auto length = body_length(req_);
  return length ? *length : 0;
}

void Transfer::stop_speed_check() {
  if (speed_timer_) env_.loop.cancel(speed_timer_);
  speed_timer_ = 0;
}

uint64_t Transfer::moved() const {
  return body_written_ + body_queued_ + drained_ + uploaded();
}

// Once a second, as curl checks it, from the start of each attempt (a
// retry's wait is not judged).
void Transfer::arm_speed_check() {
  if (!speed_check_) return;
  stop_speed_check();
  speed_timer_ = env_.loop.after(Millis(1000), [this] {
    speed_timer_ = 0;
    if (!speed_check_->too_slow(Clock::now(), moved(), out_->above_high()))
      return arm_speed_check();
    handle_error({Errc::timeout,
                  fmt::format("Operation too slow. Less than {} bytes/sec "
                              "transferred the last {} seconds",
                              env_.cfg.low_speed_limit, env_.cfg.low_speed_time.count() / 1000)});
  });
}

void Transfer::arm_progress() {
  if (!env_.cb.progress) return;
  progress_timer_ = env_.loop.after(Millis(500), [this] {
    env_.cb.progress({content_length_, body_written_, upload_total(), uploaded(),
                      since_start(Clock::now()), false});
    arm_progress();
  });
}

void Transfer::attempt(bool allow_reuse) {
  mode_ = Mode::write;
  redirect_to_.reset();
  pending_error_.reset();
  retry_status_ = got_response_ = resend_without_expect_ = not_modified_ = false;
  drained_ = 0;
  decoder_.reset();
  end_waits_ = false;
  if (rate_timer_) env_.loop.cancel(rate_timer_);
  rate_timer_ = 0;
  rate_bytes_ = credited_ = credit_owed_ = 0;
  env_.loop.cancel(max_timer_);
  max_timer_ = 0;
  stop_speed_check();  // judged from the request on (submit)
  if (env_.cfg.max_time.count() > 0) {
    max_timer_ = env_.loop.after(env_.cfg.max_time, [this] {
      max_timer_ = 0;
      handle_error({Errc::timeout,
                    fmt::format("Operation timed out after {} milliseconds with {} bytes received",
                                env_.cfg.max_time.count(), body_written_ + body_queued_)});
    });
  }
  const Url& u = req_.url;
  pool_key_ = route_key();
  if (allow_reuse) session_ = env_.pool.acquire(pool_key_);
  reused_ = session_ != nullptr;
  if (reused_) {
    if (env_.cb.verbose)
      env_.cb.verbose('*', fmt::format("Re-using existing connection to {}", u.authority()));
    return submit();
  }
  // With -Z, transfers to one origin wait for the first connection: it may be
  // h2 and take them all.
  if (allow_reuse && env_.cfg.parallel && !env_.cfg.parallel_immediate &&
      env_.pool.connecting(pool_key_)) {
    auto alive = alive_;
    env_.pool.wait(pool_key_, [this, alive] {
      if (*alive && !finished_) attempt(true);
    });
    return;
  }
  connect();
}

// Decided per hop (a redirect may leave or enter --noproxy's hosts). Requests
// to a forward proxy share its connections whatever their origin; a tunnel
// belongs to its origin.
std::string Transfer::route_key() {
  const Url& u = req_.url;
  const ProxyConfig& pc = env_.cfg.proxy;
  const Proxy* was = proxy_;
  // curl mixes no proxy with a Unix socket, the environment's included.
  proxy_ = env_.cfg.unix_socket.empty() ? pc.for_url(u) : nullptr;
  if (proxy_ && proxy_ != was && env_.cb.verbose)
    env_.cb.verbose('*', fmt::format("Uses proxy {} for {}", proxy_->str(), u.origin()));
  std::string origin = Pool::key(u.scheme, u.host, u.port);
  if (!proxy_) return origin;
  if (!pc.tunnels(u)) return "proxy " + proxy_->str();
  return origin + " via " + proxy_->str();
}

void Transfer::connect() {
  const Url& u = req_.url;
  ConnectSpec spec{u.host, u.port, u.tls(), env_.cfg.family, {}, nullptr, std::nullopt};
  spec.tcp = env_.cfg.tcp;
  if (!env_.cfg.unix_socket.empty()) {
    auto addr = unix_socket_addr(env_.cfg.unix_socket, env_.cfg.unix_socket_abstract);
    if (!addr) return finish(addr.error());  // curl's 6 for a path too long
    spec.unix_socket = *addr;
  }
  if (proxy_)
    spec.proxy = ProxyHop{proxy_->host, proxy_->port, env_.cfg.proxy.tunnels(u),
                          proxy_->authorization(), env_.cfg.proxy.headers};
  for (const auto& c : env_.cfg.connect_to)
    if ((c.from_host.empty() || c.from_host == u.host) && (!c.from_port || c.from_port == u.port)) {
      spec.dial_host = c.to_host;
      spec.dial_port = c.to_port;
      break;
    }
  // --resolve pins where the connection goes: after --connect-to, as in
  // curl; a "*" entry serves every host that has none of its own.
  for (std::string_view host : {std::string_view(spec.target_host()), std::string_view("*")}) {
    for (const auto& r : env_.cfg.resolve)
      if (r.host == host && r.port == spec.target_port()) spec.pinned.push_back(r.addr);
    if (!spec.pinned.empty()) break;
  }
  // OpenSSL (about 4 MiB mapped) is loaded only when TCP is tried: never
  // for --http3-only, for --http3 only if QUIC loses.
  if (u.tls() && (proxy_ || spec.unix_socket || !tries_h3(env_.cfg.http_version, true))) {
    auto ctx = env_.tls_ctx();
    if (!ctx) return finish(ctx.error());
    spec.tls_ctx = *ctx;
  }
  dialer_ = std::make_unique<Dialer>(env_.loop, std::move(spec), dial_options(),
                                     [this](Result<Dialed> r) { on_connected(std::move(r)); });
  env_.pool.connect_started(pool_key_);
  connecting_ = true;
  auto timeout = env_.cfg.connect_timeout;
  connect_timer_ = env_.loop.after(timeout, [this, timeout] {
    connect_timer_ = 0;
    stop_connecting();
    handle_error({Errc::timeout,
                  fmt::format("Failed to connect to {} port {} after {} ms: Timeout was reached",
                              req_.url.host, req_.url.port, timeout.count())});
  });
  dialer_->start();
}

// The connection attempt is over (done, failed or abandoned): followers waiting
// for it may go on.
void Transfer::stop_connecting() {
  dialer_.reset();
  if (connect_timer_) env_.loop.cancel(connect_timer_);
  connect_timer_ = 0;
  if (connecting_) {
    connecting_ = false;
    env_.pool.connect_finished(pool_key_);
  }
}

DialOptions Transfer::dial_options() const {
  DialOptions o;
  o.version = env_.cfg.http_version;
  o.h2.stream_window = static_cast<uint32_t>(std::min<std::size_t>(env_.cfg.max_buffer, 1u << 30));
  o.h1_read_size = std::min<std::size_t>(env_.cfg.max_buffer / 4, 128 * 1024);
  if (uint64_t rate = env_.cfg.limit_rate) {
    // --limit-rate: reads of about a quarter second's worth, and an h2 window
    // no larger, so the peer's bursts stay near the rate (curl sizes its
    // buffer by the rate too).
    auto quarter = static_cast<std::size_t>(std::max<uint64_t>(rate / 4, 1024));
    o.h1_read_size = std::min(o.h1_read_size, quarter);
    o.h2.stream_window =
        std::min(o.h2.stream_window, static_cast<uint32_t>(std::max<std::size_t>(quarter, 16384)));
  }
  o.h2c_upgrade = true;
  o.raw_heads = true;
  o.tls = env_.cfg.tls;
  o.tcp_tls_ctx = env_.tls_ctx;
  o.quic_handshake_timeout = env_.cfg.connect_timeout;
  // A download is about bytes per CPU second, not microseconds of latency
  // (see QuicClient::on_readable).
  o.quic_read_coalesce = std::chrono::microseconds(150);
  // Sessions outlive this transfer in the pool: their traces hold on to the
  // engine's callbacks, never to the transfer.
  const Callbacks& cb = env_.cb;
  if (cb.verbose) o.trace = [&cb](char kind, std::string_view t) { cb.verbose(kind, t); };
  return o;
}

void Transfer::on_connected(Result<Dialed> r) {
  if (dialer_) rep_.http_connect = dialer_->connect_status();
  dialer_.reset();  // not stop_connecting(): the session joins the pool first
  if (connect_timer_) env_.loop.cancel(connect_timer_);
  connect_timer_ = 0;
  if (!r) {
    if (r.error().code == Errc::cert_verify) rep_.ssl_verify_result = r.error().sys;
    stop_connecting();
    return handle_error(r.error());
  }
  rep_.num_connects++;
  rep_.time_namelookup = since_start(r->resolved);
  rep_.time_connect = since_start(r->tcp_done);
  rep_.time_appconnect = req_.url.tls() ? since_start(r->tls_done) : 0;
  r->session->remote = r->remote;
  r->session->local = r->local;
  r->session->tls_verify_result = r->tls_verify_result;
  session_ = env_.pool.add(pool_key_, std::move(r->session));
  stop_connecting();
  submit();
}

void Transfer::submit() {
  rep_.conn_id = session_->conn_id;
  rep_.proxy_used = proxy_ != nullptr;
  rep_.referer = std::string(req_.headers.get("referer").value_or(""));
  rep_.remote_ip = session_->remote.len ? session_->remote.ip() : "";
  rep_.remote_port = session_->remote.len ? session_->remote.port() : 0;
  rep_.local_ip = session_->local.len ? session_->local.ip() : "";
  rep_.local_port = session_->local.len ? session_->local.port() : 0;
  rep_.ssl_verify_result = session_->tls_verify_result;
  rep_.time_pretransfer = since_start(Clock::now());
  if (speed_check_) {  // curl judges the transfer, not the connect or TLS set-up
    speed_check_->start(Clock::now(), moved());
    arm_speed_check();
  }
  // A body sent before (a redirect, a retry) goes again from its first byte.
  if (req_.upload && !req_.upload->rewind())
    return finish(Error{Errc::rewind_failed,
                        "Send failed since rewinding of the data stream failed (stdin is read "
                        "once)"});
  rep_.size_upload = req_.has_body && !req_.upload ? req_.body.size() : 0;
  rep_.scheme = req_.url.scheme;  // "http" or "https", lower case as curl 8 prints it
  const Request& sent = cookied();
  auto id = session_->submit(sent, *this);
  if (!id) return handle_error(id.error());
  stream_ = *id;
  std::size_t body = !sent.has_body ? 0
                     : !sent.upload ? sent.body.size()
                                    : memory_body_size_.value_or(0);  // -T's: counted at the end
  rep_.size_request += head_size(sent) + body;
}

// %{size_request}'s share of a request head: as HTTP/1.x sends it (to a
// forward proxy in absolute form); over h2 and h3 the same head with
// "HTTP/2" in its request line, as curl counts it.
std::size_t Transfer::head_size(const Request& r) const {
  H1ClientSession::ProxyForm form{proxy_ ? proxy_->authorization() : "", env_.cfg.proxy.headers};
  bool forward = proxy_ && !env_.cfg.proxy.tunnels(r.url);
  std::size_t n = H1ClientSession::serialize_head(r, forward ? &form : nullptr).size();
  return session_->protocol() == "2" || session_->protocol() == "3" ? n - 2 : n;
}

// The request as it goes out: with the cookie engine on, the jar's cookies
// for this hop's URL (and -b's literal ones) join any -H Cookie in one field.
const Request& Transfer::cookied() {
  const FetchConfig& cfg = env_.cfg;
  if (!cfg.cookies && cfg.cookie_literal.empty()) return req_;
  std::string value = cfg.cookies ? cfg.cookies->header_for(req_.url, std::time(nullptr)) : "";
  if (!cfg.cookie_literal.empty()) value += (value.empty() ? "" : "; ") + cfg.cookie_literal;
  if (value.empty()) return req_;  // nothing to add: no copy
  with_cookies_ = req_;
  auto mine = with_cookies_.headers.get("Cookie");
  with_cookies_.headers.set("Cookie", mine ? std::string(*mine) + "; " + value : value);
  return with_cookies_;
}

// Set-Cookie fields of a response, into the jar (before a redirect is
// followed, so the next hop sends them).
void Transfer::take_cookies(const Response& r) {
  if (!env_.cfg.cookies) return;
  std::time_t now = std::time(nullptr);
  for (const auto& [name, value] : r.headers.list())
    if (iequals(name, "set-cookie")) env_.cfg.cookies->receive(req_.url, value, now);
}

// -v, and -D's copy of every head (as curl: -D - and -i each print it).
void Transfer::trace_head(const Response& r) {
  if (!env_.cb.verbose && !env_.cb.header_dump && !env_.cfg.dump_header_stdout) return;
  std::string text = head_text(r);
  if (env_.cb.verbose) env_.cb.verbose('<', text);
  if (env_.cb.header_dump) env_.cb.header_dump(text);
  if (env_.cfg.dump_header_stdout) (stdout_side_ ? stdout_side_ : out_.get())->write(text);
}

void Transfer::on_informational(const Response& r) {
  trace_head(r);
  if (env_.cfg.include_headers) out_->write(head_text(r));
}

void Transfer::on_headers(const Response& r) {
  got_response_ = true;
  if (!got_first_byte_) {
    got_first_byte_ = true;
    rep_.time_starttransfer = since_start(Clock::now());
  }
  trace_head(r);
  take_cookies(r);
  rep_.http_code = r.status;
  rep_.headers = r.headers;
  rep_.http_version = r.version_string();
  rep_.size_header += r.header_bytes;
  // The last Content-Type, as curl's %{content_type} (it keeps each one it meets).
  rep_.content_type.clear();
  for (const auto& [n, v] : r.headers.list())
    if (iequals(n, "content-type")) rep_.content_type = v;
  content_length_ = r.content_length;
  mode_ = Mode::write;
  auto location = r.headers.get("location");
  if (location && location->empty())
    location.reset();  // "Location:" alone leads nowhere, as in curl
  rep_.redirect_url.clear();
  if (!env_.cfg.follow && is_redirect(r.status) && location)
    if (auto next = resolve_reference(req_.url, *location)) rep_.redirect_url = next->str();
  if (r.status < 100) {  // "051": three digits, but no HTTP status (curl's exit 1 too)
    pending_error_ =
        Error{Errc::unsupported_protocol, "Unsupported response code in HTTP response"};
    mode_ = Mode::discard;
  } else if (r.status == 417 && req_.expect_continue && session_ &&
             session_->protocol().starts_with("1")) {
    // Expectation Failed: the same request again without Expect, as curl does.
    resend_without_expect_ = true;
    mode_ = Mode::drain;
  } else if (env_.cfg.follow && is_redirect(r.status) && location) {
    auto next = resolve_reference(req_.url, *location);
    if (!next) {
      pending_error_ = next.error();
      mode_ = Mode::discard;  // curl prints nothing of a redirect it cannot follow,
      rep_.num_redirects++;   // and counts it
    } else if (!env_.cfg.protocols.allows(next->scheme) ||
               !env_.cfg.redir_protocols.allows(next->scheme)) {
      pending_error_ = protocol_refused(next->scheme);
      mode_ = Mode::discard;
      rep_.num_redirects++;
    } else {
      redirect_to_ = *next;
      mode_ = r.content_length && *r.content_length > kMaxDrain ? Mode::discard : Mode::drain;
    }
  } else if (r.status == 401 && (auth_answer_ = answer_challenge(r))) {
    mode_ = Mode::drain;  // read the 401's body, then ask again with the answer
  } else if (retry_status(r.status) && retry_allowed()) {
    retry_status_ = true;
    mode_ = Mode::discard;
  } else if (fails(r.status)) {
    pending_error_ =
        Error{Errc::http_status, fmt::format("The requested URL returned error: {}", r.status)};
    if (!env_.cfg.fail_with_body) mode_ = Mode::discard;  // --fail-with-body keeps it
  } else if (!meets_time_condition(r)) {
    rep_.http_code = 304;  // curl "simulates" the 304 the server did not send
    not_modified_ = true;
    mode_ = Mode::discard;
    if (env_.cb.verbose) env_.cb.verbose('*', "The document's Last-Modified does not meet -z");
  } else if (env_.cfg.max_filesize && r.content_length &&
             *r.content_length > *env_.cfg.max_filesize) {
    pending_error_ = Error{Errc::filesize_exceeded, "Maximum file size exceeded"};
    mode_ = Mode::discard;
  }
  if (mode_ == Mode::write) {
    if (auto e = take_encodings(r)) {
      pending_error_ = e;
      mode_ = Mode::discard;
    }
  }
  if (mode_ == Mode::write && target_.resume_from > 0) take_resume_status(r);
  if (mode_ == Mode::write && env_.cfg.remote_header_name && target_.remote_named && file_)
    take_file_name(r);
  if (env_.cfg.include_headers || env_.cfg.head_only) out_->write(head_text(r));
}

// A redirect's new host has its own .netrc entry, as curl looks it up per
// host (a host left behind took its Authorization with it).
void Transfer::netrc_for_hop() {
  const FetchConfig& c = env_.cfg;
  if (c.netrc.empty() || !c.user.empty() || !c.bearer.empty() || c.auth != AuthScheme::basic ||
      req_.headers.has("authorization"))
    return;
  if (auto plain = credentials(c, req_.url))
    req_.headers.set("Authorization", basic_authorization(*plain));
}

// --digest/--anyauth: the Authorization that answers a 401's challenge, once
// per hop, with credentials for this origin (another one only with
// --location-trusted, as for Basic).
std::optional<std::string> Transfer::answer_challenge(const Response& r) {
  const FetchConfig& c = env_.cfg;
  if (c.auth == AuthScheme::basic || !c.bearer.empty() || auth_answered_) return std::nullopt;
  if (req_.url.origin() != first_origin_ && !c.location_trusted) return std::nullopt;
  auto plain = credentials(c, req_.url);
  if (!plain) return std::nullopt;
  std::optional<DigestChallenge> digest;
  bool basic = false;
  for (const auto& [name, value] : r.headers.list()) {
    if (!iequals(name, "www-authenticate")) continue;
    if (!digest) digest = parse_digest_challenge(value);
    basic = basic || offers_basic(value);
  }
  if (!digest) {
    if (c.auth == AuthScheme::any && basic) return basic_authorization(*plain);
    return std::nullopt;
  }
  auto module = tls::load_module();  // the hashes are OpenSSL's
  if (!module) return std::nullopt;
  auto colon = plain->find(':');
  DigestInput in{plain->substr(0, colon), plain->substr(colon + 1), req_.method,
                 std::string(req_.target()), new_cnonce()};
  return digest_authorization(*digest, in, [m = *module](std::string_view a, std::string_view t) {
    return m->digest_hex(a, t);
  });
}

// -z: a 2xx whose Last-Modified is not newer (or, "-DATE", not older) than
// the condition is not wanted, whatever the server made of the request header.
bool Transfer::meets_time_condition(const Response& r) const {
  const TimeCondition& tc = env_.cfg.time_cond;
  // curl does not judge a ranged request's answer (-r, -C) by its date.
  if (tc.kind == TimeCondition::Kind::none || tc.when == 0 || r.status < 200 || r.status >= 300 ||
      !env_.cfg.range.empty() || target_.resume_from > 0)
    return true;
  auto field = r.headers.get("last-modified");
  auto modified = field ? parse_http_date(*field) : std::nullopt;
  if (!modified || *modified == 0) return true;
  return tc.kind == TimeCondition::Kind::unmodified_since ? *modified < tc.when
                                                          : *modified > tc.when;
}

// -C: a 206 goes on where the file ends; a 416 says there is nothing left
// (the file is whole: success, its body unwritten); any other 2xx is the
// whole body, which cannot be appended: curl's exit 33, the file untouched.
void Transfer::take_resume_status(const Response& r) {
  if (r.status == 416) {
    mode_ = Mode::drain;
  } else if (r.status >= 200 && r.status < 300 && r.status != 206) {
    pending_error_ =
        Error{Errc::range_error, "HTTP server doesn't seem to support byte ranges. Cannot resume."};
    mode_ = Mode::discard;
  }
}

// -J: the file is named by Content-Disposition's filename, its directory
// kept and any path in the name dropped (a server may not choose where).
void Transfer::take_file_name(const Response& r) {
  auto cd = r.headers.get("content-disposition");
  if (!cd || r.status < 200 || r.status >= 300) return;
  std::string_view v = *cd;
  std::size_t at = 0;
  for (;;) {  // "filename=" as a parameter, not inside "filename*="
    at = v.find("filename=", at);
    if (at == std::string_view::npos) return;
    if (at == 0 || v[at - 1] == ';' || v[at - 1] == ' ' || v[at - 1] == '\t') break;
    at += 9;
  }
  std::string_view name = v.substr(at + 9);
  if (name.starts_with('"')) {
    name.remove_prefix(1);
    name = name.substr(0, name.find('"'));
  } else {
    name = name.substr(0, name.find(';'));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  }
  auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  if (name.empty() || name == "." || name == "..") return;
  const std::string& old = file_->path();
  auto dir = old.rfind('/');
  std::string path = (dir == std::string::npos ? "" : old.substr(0, dir + 1)) + std::string(name);
  if (file_->retarget(path) && env_.cb.verbose)
    env_.cb.verbose('*', fmt::format("Content-Disposition names the file '{}'", path));
}

// Transfer-Encoding: only chunked is understood (as curl without
// --tr-encoding); anything else is curl's exit 61. With --compressed one
// Content-Encoding is decoded on the way to the output.
std::optional<Error> Transfer::take_encodings(const Response& r) {
  for (auto coding : r.headers.items("transfer-encoding"))
    if (!iequals(coding, "chunked") && !iequals(coding, "identity"))
      return Error{Errc::bad_encoding, fmt::format("Unrecognized transfer encoding: {}", coding)};
  if (!env_.cfg.compressed) return std::nullopt;
  std::vector<std::string_view> codings;
  for (auto coding : r.headers.items("content-encoding"))
    if (!iequals(coding, "identity")) codings.push_back(coding);
  if (codings.empty()) return std::nullopt;
  if (codings.size() > 1)
    return Error{Errc::bad_encoding, "More than one Content-Encoding is not supported"};
  auto d = make_content_decoder(codings[0]);
  if (!d)
    return Error{Errc::bad_encoding,
                 fmt::format("Unrecognized content encoding type: {} (sluice understands {})",
                             codings[0], kAcceptEncoding)};
  decoder_ = std::make_unique<BodyDecoder>(std::move(d));
  content_length_.reset();  // the coded length: neither the total nor a splice bound
  return std::nullopt;
}

Backpressure Transfer::on_body(std::span<const char> bytes) {
  if (env_.cb.trace_data && mode_ != Mode::discard) env_.cb.trace_data('<', bytes);
  switch (mode_) {
    case Mode::discard:
      return Backpressure::abort;
    case Mode::drain:
      drained_ += bytes.size();
      if (session_) session_->consumed(stream_, bytes.size());  // nobody waits for these
      if (drained_ > kMaxDrain) {
        mode_ = Mode::discard;
        return Backpressure::abort;
      }
      return Backpressure::ok;
    case Mode::write: {
      bool throttled = rate_throttles(bytes.size());
      auto bp = write_body(bytes);
      return bp == Backpressure::ok && throttled ? Backpressure::pause : bp;
    }
  }
  return Backpressure::ok;
}

Backpressure Transfer::write_body(std::span<const char> bytes) {
  if (!decoder_) return write_plain(bytes);
  decoder_->add(bytes);
  return pump_decoder();
}

Backpressure Transfer::pump_decoder() {
  auto used = decoder_->pump([this] { return !out_->above_high(); },
                             [this](std::string_view d) {
                               return write_plain({d.data(), d.size()}) != Backpressure::abort;
                             });
  if (!used) {
    pending_error_ = used.error();
    mode_ = Mode::discard;
    return Backpressure::abort;
  }
  if (*used) credit(*used);
  if (mode_ == Mode::discard) return Backpressure::abort;  // --max-filesize, or the output failed
  return decoder_->idle() && !out_->above_high() ? Backpressure::ok : Backpressure::pause;
}

Backpressure Transfer::write_plain(std::span<const char> bytes) {
  uint64_t total = body_written_ + body_queued_;
  if (env_.cfg.max_filesize && total + bytes.size() > *env_.cfg.max_filesize) {
    // As curl: the body up to the limit is written, then the transfer fails.
    if (uint64_t room = *env_.cfg.max_filesize - std::min(total, *env_.cfg.max_filesize))
      write_plain(bytes.first(room));
    pending_error_ = Error{Errc::filesize_exceeded, "Maximum file size exceeded"};
    mode_ = Mode::discard;
    return Backpressure::abort;
  }
  // As curl: bytes that look binary (a NUL) early in a body bound for a
  // terminal are not written; what came before them was.
  if (check_binary_ && total < kBinaryCheckBytes &&
      std::memchr(bytes.data(), 0, std::min(bytes.size(), kBinaryScanBytes)) != nullptr) {
    pending_error_ = Error{Errc::binary_to_terminal,
                           "Binary output can mess up your terminal. Use \"--output -\" to tell "
                           "sluice to output it to your terminal anyway, or consider \"--output "
                           "<FILE>\" to save to a file."};
    mode_ = Mode::discard;
    return Backpressure::abort;
  }
  rep_.size_download += bytes.size();
  body_queued_ += bytes.size();
  if (!out_->write({bytes.data(), bytes.size()})) {
    mode_ = Mode::discard;
    return Backpressure::abort;
  }
  return out_->above_high() ? Backpressure::pause : Backpressure::ok;
}

// Only bytes that are written as they come (no drain, no discard) and whose
// total the head announced (so --max-filesize was settled there) are spliced.
bool Transfer::can_splice_body() {
  return mode_ == Mode::write && content_length_ && !decoder_ && !env_.cfg.limit_rate &&
         !check_binary_ && !env_.cb.trace_data && out_->can_splice();
}

Result<ssize_t> Transfer::splice_body(int fd, std::size_t max, Backpressure& bp) {
  // The bytes may reach the destination inside splice_from (a file, a ready
  // pipe), and body_written() credits only queued bytes: queue the most that
  // can move first, then take back what did not.
  body_queued_ += max;
  auto n = out_->splice_from(fd, max);
  auto moved = static_cast<uint64_t>(n && *n > 0 ? *n : 0);
  body_queued_ -= max - moved;
  rep_.size_download += moved;
  if (out_->error()) {
    mode_ = Mode::discard;
    bp = Backpressure::abort;
  } else {
    bp = out_->above_high() ? Backpressure::pause : Backpressure::ok;
  }
  return n;
}

// -i shows trailers after the body, one "name: value" line each, as curl
// does; -D gets them too, after the head they follow.
void Transfer::on_trailers(const Headers& t) {
  if (env_.cfg.include_headers && mode_ == Mode::write) out_->write(field_lines(t));
  if (env_.cb.header_dump) env_.cb.header_dump(field_lines(t));
  if (env_.cfg.dump_header_stdout)
    (stdout_side_ ? stdout_side_ : out_.get())->write(field_lines(t));
}

// ClientSession callbacks may come from deep inside the session: act from the loop.
void Transfer::on_end() {
  auto alive = alive_;
  env_.loop.defer([this, alive] {
    if (!*alive) return;
    if (decoder_ && !decoder_->idle()) {  // on_output_low() ends it once they are out
      end_waits_ = true;
      return;
    }
    after_response();
  });
}

void Transfer::on_error(const Error& e) {
  auto alive = alive_;
  env_.loop.defer([this, alive, e] {
    if (*alive) handle_error(e);
  });
}

void Transfer::release_session(bool cancel) {
  if (!session_) return;
  if (cancel) session_->cancel(stream_);
  ClientSession* s = session_;
  session_ = nullptr;
  env_.pool.release(s);
}

void Transfer::after_response() {
  if (finished_) return;
  env_.loop.cancel(max_timer_);
  max_timer_ = 0;
  release_session(false);
  if (out_->error()) return finish(*out_->error());
  if (decoder_ && mode_ == Mode::write && !pending_error_ && !decoder_->complete())
    pending_error_ = Error{Errc::bad_encoding,
                           "Error while processing content unencoding: the coded body ended early"};
  if (pending_error_) return finish(pending_error_);
  if (retry_status_ &&
      retry_later(fails(rep_.http_code)
                      ? Error{Errc::http_status,
                              fmt::format("The requested URL returned error: {}", rep_.http_code)}
                      : Error{Errc::http_status, fmt::format("HTTP error {}", rep_.http_code)}))
    return;
  if (auth_answer_) {  // --digest/--anyauth: the same request, answering the challenge
    req_.headers.set("Authorization", *auth_answer_);
    auth_answer_.reset();
    auth_answered_ = true;
    if (env_.cb.verbose) env_.cb.verbose('*', "Sending the request again with credentials");
    return attempt(true);
  }
  if (resend_without_expect_) {
    req_.expect_continue = false;
    req_.headers.remove("expect");
    if (env_.cb.verbose)
      env_.cb.verbose('*', "Got 417 while waiting for a 100: sending the request again");
    return attempt(true);
  }
  if (redirect_to_) {
    if (rep_.num_redirects >= env_.cfg.max_redirs) {
      rep_.redirect_url = redirect_to_->str();  // where it would have gone, as curl says
      return finish(Error{Errc::too_many_redirects,
                          fmt::format("Maximum ({}) redirects followed", env_.cfg.max_redirs)});
    }
    rep_.num_redirects++;
    rep_.time_redirect = since_start(Clock::now());
    auth_answered_ = false;  // a new URL may ask again
    const auto& c = env_.cfg;
    req_ = redirect_request(req_, rep_.http_code, *redirect_to_,
                            {c.auto_referer, c.location_trusted, c.post301, c.post302, c.post303});
    rep_.url_effective = req_.url.str_with_fragment();
    rep_.method = req_.method;
    netrc_for_hop();
    stale_retried_ = false;  // a new request: it may meet a closed pooled connection too
    if (env_.cb.verbose)
      env_.cb.verbose('*',
                      fmt::format("Issue another request to this URL: '{}'", rep_.url_effective));
    return attempt(true);
  }
  finish(std::nullopt);
}

void Transfer::handle_error(const Error& e) {
  if (finished_) return;
  release_session(true);
  stop_connecting();
  // The write error from the consumer wins over whatever the aborted stream reports.
  if (out_->error()) return finish(*out_->error());
  if (not_modified_) return finish(std::nullopt);  // -z's 304: its body was not wanted
  if (pending_error_ && mode_ == Mode::discard) return finish(pending_error_);
  if (mode_ == Mode::discard && (redirect_to_ || auth_answer_))
    return after_response();  // too big to drain
  if (retry_status_) return after_response();
  // A kept-alive connection the server had closed: retry once, fresh.
  if (reused_ && !got_response_ && req_.idempotent() && !stale_retried_ &&
      (e.code == Errc::empty_reply || e.code == Errc::recv_failed || e.code == Errc::send_failed)) {
    stale_retried_ = true;
    if (env_.cb.verbose) env_.cb.verbose('*', "Connection died, retrying a fresh connect");
    return attempt(false);
  }
  if (retry_later(e)) return;
  finish(e);
}

bool Transfer::fails(int status) const {
  return (env_.cfg.fail_on_error || env_.cfg.fail_with_body) && status >= 400;
}

// A status worth another try: curl's transient ones, or with
// --retry-all-errors any status -f would fail on.
bool Transfer::retry_status(int status) const {
  return is_transient_status(status) || (env_.cfg.retry_all_errors && fails(status));
}

bool Transfer::retry_error(const Error& e) const {
  if (env_.cfg.retry_all_errors) return true;
  if (e.code == Errc::connect_failed) return e.sys != ECONNREFUSED || env_.cfg.retry_connrefused;
  return e.code == Errc::timeout || e.code == Errc::resolve_failed || e.code == Errc::bad_proxy;
}

Millis Transfer::next_retry_delay() const {
  return env_.cfg.retry_delay.count() > 0 ? env_.cfg.retry_delay
                                          : Millis(1000LL << std::min(retry_count_, 9));
}

// Retries left, and curl's rule: another try while the time since the first one began is under
// --retry-max-time, whatever the delay before it.
bool Transfer::retry_allowed() const {
  if (retries_left_ <= 0) return false;
  if (env_.cfg.retry_max_time.count() == 0) return true;
  auto since_start = std::chrono::duration_cast<Millis>(Clock::now() - t0_);
  return since_start < env_.cfg.retry_max_time;
}

bool Transfer::retry_later(const Error& e) {
  Millis delay = next_retry_delay();
  // A retried status was decided on with its head (its body is gone): go on.
  if (!retry_status_ && (!retry_error(e) || !retry_allowed())) return false;
  // Bytes already handed to stdout cannot be taken back; a file can start over.
  if (body_written_ + body_queued_ > 0 && !out_->rewind()) return false;
  body_written_ = body_queued_ = 0;
  rep_.size_download = 0;
  --retries_left_;
  ++retry_count_;
  rep_.num_retries = retry_count_;
  stop_speed_check();  // the next attempt starts the check over
  // curl prints each failed try's error: a transport error, or -f's 22.
  if (env_.cb.attempt_failed && (!retry_status_ || fails(rep_.http_code)))
    env_.cb.attempt_failed(e);
  rep_.num_connects = 0;  // %{num_connects} is the last try's, as curl's
  if (env_.cb.warning)
    env_.cb.warning(fmt::format("Problem: {}. Will retry in {} seconds. {} retries left.",
                                e.message, delay.count() / 1000.0, retries_left_));
  auto alive = alive_;
  max_timer_ = env_.loop.after(delay, [this, alive] {
    if (*alive) attempt(true);
  });
  return true;
}

void Transfer::finish(std::optional<Error> err) {
  if (finished_) return;
  finished_ = true;
  cancel_timers();
  release_session(true);
  stop_connecting();
  rep_.error = std::move(err);
  if (rep_.error && env_.cfg.remove_on_error && file_) file_->remove_file();
  // What was received stays written: wait until the consumer has it all.
  if (out_ && !out_->idle() && !out_->error()) {
    out_->on_empty = [this] { complete(); };
    out_->on_failed = [this] {
      if (!rep_.error) rep_.error = *out_->error();
      complete();
    };
    return;
  }
  complete();
}

void Transfer::complete() {
  if (out_) {
    out_->on_empty = out_->on_failed = out_->on_low = nullptr;
    // A file waiting for its first byte is created by a success, or says why
    // not; a 304 has no body and leaves the file as it was (curl's -z use).
    if (!rep_.error && got_response_ && rep_.http_code != 304 &&
        (!out_->finish_ok() || out_->error()))
      rep_.error = *out_->error();
  }
  rep_.time_total = since_start(Clock::now());
  rep_.filename_effective = file_ ? file_->path() : "";
  if (rep_.time_starttransfer == 0 && got_first_byte_) rep_.time_starttransfer = rep_.time_total;
  rep_.size_upload = uploaded();
  if (req_.upload && !memory_body_size_)
    rep_.size_request += req_.upload->taken();  // -T's body, the last hop's
  // The request's last byte: with the head when there is no body; with a
  // body, no later than the answer's start (sessions do not report it).
  rep_.time_posttransfer = req_.has_body ? rep_.time_starttransfer : rep_.time_pretransfer;
  bool skipped = !rep_.error && !got_response_;  // --skip-existing: no meter, as curl shows none
  if (env_.cb.progress && !skipped)
    env_.cb.progress(
        {content_length_, body_written_, upload_total(), rep_.size_upload, rep_.time_total, true});
  auto done = done_;
  Report rep = rep_;
  env_.loop.defer([done, rep] { done(rep); });
}

void Transfer::interrupt(const Error& e) {
  if (finished_) return;
  finished_ = true;
  cancel_timers();
  release_session(true);
  stop_connecting();
  rep_.error = e;
  complete();
}

void Transfer::cancel_timers() {
  for (TimerId* t : {&max_timer_, &connect_timer_, &progress_timer_, &rate_timer_, &speed_timer_}) {
    if (*t) env_.loop.cancel(*t);
    *t = 0;
  }
}

}  // namespace sluice::fetch
