#include "core/h1/server_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "core/h1/http_date.hpp"
#include "core/http/status.hpp"

namespace sluice {

const llhttp_settings_t& H1ServerSession::settings() {
  // llhttp keeps a pointer to its settings: they must outlive every parser.
  static const llhttp_settings_t s = [] {
    llhttp_settings_t v;
    llhttp_settings_init(&v);
    v.on_message_begin = &H1ServerSession::on_message_begin;
    v.on_method = &H1ServerSession::on_method;
    v.on_url = &H1ServerSession::on_url;
    v.on_header_field = &H1ServerSession::on_header_field;
    v.on_header_field_complete = &H1ServerSession::on_header_field_complete;
    v.on_header_value = &H1ServerSession::on_header_value;
    v.on_header_value_complete = &H1ServerSession::on_header_value_complete;
    v.on_headers_complete = &H1ServerSession::on_headers_complete;
    v.on_body = &H1ServerSession::on_body;
    v.on_chunk_header = &H1ServerSession::on_chunk_header;
    v.on_message_complete = &H1ServerSession::on_message_complete;
    return v;
  }();
  return s;
}

H1ServerSession::H1ServerSession(RequestEvents& events, ServerLimits limits)
    : events_(events), limits_(limits) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

// ---- parsing ---------------------------------------------------------------

namespace {

// The room a refused request line gets beyond the target limit: its method and version.
constexpr std::size_t kLineSlack = 64;

const char* skip_line_ends(const char* from, const char* to) {
  while (from < to && (*from == '\r' || *from == '\n')) ++from;
  return from;
}

// True when `rest` -- a request line from the byte llhttp refused in its
// method, to its LF -- completes "method SP request-target SP HTTP/d.d".
// begun: the method had bytes before `rest`. llhttp matched those against its
// own method names, so they are tchars.
bool completes_request_line(std::string_view rest, bool begun) {
  auto sp = rest.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view method_tail = rest.substr(0, sp);
  if (method_tail.empty() ? !begun : !is_token(method_tail)) return false;
  rest.remove_prefix(sp + 1);
  sp = rest.find(' ');
  if (sp == 0 || sp == std::string_view::npos) return false;
  auto visible = [](char c) { return static_cast<unsigned char>(c) > 0x20 && c != 0x7f; };
  if (!std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(sp), visible))
    return false;
  rest.remove_prefix(sp + 1);
  rest.remove_suffix(rest.ends_with("\r\n") ? 2 : 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return rest.size() == 8 && rest.starts_with("HTTP/") && digit(rest[5]) && rest[6] == '.' &&
         digit(rest[7]);
}

}  // namespace

H1ServerSession::Fed H1ServerSession::feed(std::string_view data) {
  if (failed_) return {0, Parse::error};
  if (paused_) return {0, Parse::paused};
  if (method_refused_) return take_refused_line(data);
  const char* pos = data.data();
  const char* end = data.data() + data.size();
  feed_end_ = end;
  if (crlf_left_ > 0 && !check_chunk_crlf(pos, end)) return fail(400, 0);  // split across reads
  bool mid_request = in_request_;
  if (!mid_request) {
    std::size_t len = 0;
    if (const RequestHead* same = last_request_.find_prefix(data, len); same)
      return repeat(*same, len);
  }
  bool upgraded = false;
  llhttp_errno_t err = llhttp_execute(&parser_, pos, data.size());
  // We never switch protocols: a request with Upgrade is answered as plain
  // HTTP/1.1, and parsing simply continues after it.
  while (err == HPE_PAUSED_UPGRADE) {
    upgraded = true;
    pos = llhttp_get_error_pos(&parser_);
    llhttp_resume_after_upgrade(&parser_);
    mid_request = in_request_;
    err = llhttp_execute(&parser_, pos, static_cast<std::size_t>(end - pos));
  }
  if (err == HPE_OK) return {data.size(), Parse::more};
  const char* at = llhttp_get_error_pos(&parser_);
  std::size_t consumed = static_cast<std::size_t>(at - data.data());
  if (err == HPE_PAUSED) {
    paused_ = true;
    // A request without a body, whole in this buffer from its first byte:
    // the same bytes at the start of a later one are the same request. (One
    // that ends the connection is not kept: nothing is parsed after it.)
    if (!mid_request && !upgraded && !head_.has_body() && !head_.expect_continue &&
        head_.keep_alive)
      last_request_.keep(data.substr(0, consumed), head_);
    return {consumed, Parse::paused};
  }
  if (err == HPE_INVALID_METHOD) {
    // Where the method began in this buffer: llhttp skips CR and LF between requests.
    const char* method_from = mid_request ? pos : skip_line_ends(pos, at);
    Fed fed = refuse_method(data.substr(consumed), method_bytes_ > 0 || at > method_from);
    return {consumed + fed.consumed, fed.state};
  }
  // llhttp knows versions 0.9 to 2.0: HTTP/3.0 and up fail here, after the major digit.
  bool newer_version = err == HPE_INVALID_VERSION && parser_.http_major > 1;
  return fail(error_status_ != 0 ? error_status_ : newer_version ? 505 : 400, consumed);
}

// A request whose head is the kept one, len bytes at the start of the buffer:
// what llhttp's callbacks would do for it, without llhttp, which stays at
// the start of a message (next_request()'s resume is then a no-op).
H1ServerSession::Fed H1ServerSession::repeat(const RequestHead& head, std::size_t len) {
  message_begun();
  head_ = head;
  headers_done_ = true;
  keep_alive_ = head_.keep_alive;
  events_.on_request_head(head_);
  message_done();
  paused_ = true;
  return {len, Parse::paused};
}

// The request cannot be served: the connection answers error_status() and closes.
H1ServerSession::Fed H1ServerSession::fail(int status, std::size_t consumed) {
  failed_ = true;
  in_request_ = false;
  error_status_ = status;
  discard_held();  // the error response is all the client is to see
  return {consumed, Parse::error};
}

H1ServerSession::Fed H1ServerSession::refuse_method(std::string_view rest, bool begun) {
  method_refused_ = true;
  in_request_ = true;  // its head is under way (and under the request timeout)
  refused_method_begun_ = begun;
  refused_line_.clear();
  return take_refused_line(rest);
}

// Collects the refused request line up to its LF (bounded), then fails it:
// 501 for a method we do not know in an otherwise well-formed line (RFC 9110
// 9.1), 400 for anything else (a TLS hello, an SSH banner, garbage).
H1ServerSession::Fed H1ServerSession::take_refused_line(std::string_view data) {
  const std::size_t cap = limits_.max_target_size + kLineSlack;
  auto lf = data.find('\n');
  std::size_t take =
      std::min(lf == std::string_view::npos ? data.size() : lf + 1, cap - refused_line_.size());
  refused_line_.append(data.substr(0, take));
  bool whole = refused_line_.ends_with('\n');
  if (!whole && refused_line_.size() < cap) return {take, Parse::more};
  bool unknown_method = whole && completes_request_line(refused_line_, refused_method_begun_);
  return fail(unknown_method ? 501 : 400, take);
}

void H1ServerSession::next_request() {
  head_ = RequestHead{};
  framing_ = Framing::none;
  body_left_ = 0;
  holding_ = false;
  keep_alive_ = true;
  head_sent_ = response_ended_ = false;
  if (paused_) {
    paused_ = false;
    llhttp_resume(&parser_);
  }
}

bool H1ServerSession::count_head_bytes(std::size_t n) {
  head_bytes_ += n;
  if (head_bytes_ <= limits_.max_header_size) return true;
  error_status_ = 431;
  return false;
}

int H1ServerSession::on_message_begin(llhttp_t* p) {
  auto& s = self(p);
  s.message_begun();
  s.head_ = RequestHead{};
  return 0;
}

// A request starts: from llhttp, or repeat() (which assigns the whole head
// at once: clearing it first would free its header list each time).
void H1ServerSession::message_begun() {
  in_request_ = true;
  headers_done_ = false;
  head_bytes_ = 0;
  method_bytes_ = 0;
  body_bytes_ = 0;
  chunk_left_ = 0;
  crlf_left_ = 0;
}

int H1ServerSession::on_method(llhttp_t* p, const char*, size_t n) {
  self(p).method_bytes_ += n;  // only counted: head_.method comes from llhttp's enum
  return 0;
}

int H1ServerSession::on_url(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (s.head_.target.size() + n > s.limits_.max_target_size) {
    s.error_status_ = 414;
    return HPE_USER;
  }
  if (!s.count_head_bytes(n)) return HPE_USER;
  s.head_.target.append(at, n);
  return 0;
}

int H1ServerSession::on_header_field(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (!s.count_head_bytes(n)) return HPE_USER;
  s.field_.append(at, n);
  return 0;
}

// llhttp (not in strict mode) takes spaces into a field name -- "Name : v" and
// "Na me: v" -- while RFC 9112 5.1 makes such a request a 400, whatever the
// field: a proxy in front of us might read it differently.
int H1ServerSession::on_header_field_complete(llhttp_t* p) {
  auto& s = self(p);
  // ": " and CRLF, roughly, once per field: counted per piece of the name,
  // the limit depended on how the head was split across reads.
  if (!s.count_head_bytes(4)) return HPE_USER;
  if (is_token(s.field_)) return 0;
  s.error_status_ = 400;
  return HPE_USER;
}

int H1ServerSession::on_header_value(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (!s.count_head_bytes(n)) return HPE_USER;
  s.value_.append(at, n);
  return 0;
}

int H1ServerSession::on_header_value_complete(llhttp_t* p) {
  auto& s = self(p);
  if (!s.headers_done_) s.head_.headers.add(std::move(s.field_), std::move(s.value_));
  s.field_.clear();  // trailers are parsed (and size-limited) but not kept
  s.value_.clear();
  return 0;
}

int H1ServerSession::on_headers_complete(llhttp_t* p) {
  return self(p).headers_complete();
}

int H1ServerSession::headers_complete() {
  headers_done_ = true;
  head_bytes_ = 0;  // trailers get a budget of their own
  head_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  head_.version_major = parser_.http_major;
  head_.version_minor = parser_.http_minor;
  head_.chunked = (parser_.flags & F_CHUNKED) != 0;
  if (parser_.flags & F_CONTENT_LENGTH) head_.content_length = parser_.content_length;
  head_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  head_.expect_continue = head_.http11() && head_.headers.has_token("Expect", "100-continue");
  error_status_ = refusal();
  if (error_status_ != 0) return -1;
  keep_alive_ = head_.keep_alive;
  events_.on_request_head(head_);
  return 0;
}

// The status a request is answered with before it is routed, or 0.
int H1ServerSession::refusal() const {
  if (head_.version_major > 1) return 505;  // "HTTP/2.0" is no HTTP/1 request
  auto host = [](const auto& field) { return iequals(field.first, "host"); };
  const auto& fields = head_.headers.list();
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
  if (head_.http11() && std::count_if(fields.begin(), fields.end(), host) != 1) return 400;
  if (int status = transfer_coding_refusal()) return status;
  if (parser_.method == HTTP_CONNECT) return 405;  // we are no proxy
  if (head_.content_length.value_or(0) > limits_.max_body_size) return 413;
  return 0;
}

// RFC 9112 6.1 and 6.3: a request body with Transfer-Encoding ends where its
// final coding, chunked, says. chunked elsewhere (or twice) and the end cannot
// be found: 400. Any other coding would need decoding, and sluice decodes
// nothing: 501, also for "gzip, chunked", which llhttp frames as chunked and
// would hand over still gzipped. Both close the connection.
int H1ServerSession::transfer_coding_refusal() const {
  if (!head_.headers.has("Transfer-Encoding")) return 0;
  auto codings = head_.headers.items("Transfer-Encoding");
  if (codings.empty()) return 400;
  for (std::size_t i = 0; i + 1 < codings.size(); ++i)
    if (iequals(codings[i], "chunked")) return 400;
  if (codings.size() > 1 || !iequals(codings.back(), "chunked")) return 501;
  // llhttp must frame the body as chunked too, or it would fail the request
  // after it has been routed (and perhaps answered).
  return head_.chunked ? 0 : 400;
}

int H1ServerSession::on_chunk_header(llhttp_t* p) {
  self(p).chunk_left_ = p->content_length;  // llhttp's size of the chunk just read
  return 0;
}

// The bytes after a chunk's data must be exactly CRLF (RFC 9112 7.1); they
// start at `from`, and may continue in the next buffer.
bool H1ServerSession::check_chunk_crlf(const char* from, const char* end) {
  for (; crlf_left_ > 0 && from < end; ++from, --crlf_left_)
    if (*from != (crlf_left_ == 2 ? '\r' : '\n')) return false;
  return true;
}

int H1ServerSession::on_body(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (s.chunk_left_ > 0) {
    s.chunk_left_ -= std::min<uint64_t>(s.chunk_left_, n);
    if (s.chunk_left_ == 0) {
      s.crlf_left_ = 2;
      if (!s.check_chunk_crlf(at + n, s.feed_end_)) {
        s.error_status_ = 400;
        return HPE_USER;
      }
    }
  }
  s.body_bytes_ += n;
  if (s.body_bytes_ > s.limits_.max_body_size) {  // chunked bodies have no length up front
    s.error_status_ = 413;
    return HPE_USER;
  }
  s.events_.on_request_body(std::string_view(at, n));
  return 0;
}

int H1ServerSession::on_message_complete(llhttp_t* p) {
  self(p).message_done();
  return HPE_PAUSED;  // one request at a time: responses stay in request order
}

// A request has all of its body: from llhttp, or repeat().
void H1ServerSession::message_done() {
  in_request_ = false;
  release_held();  // the body fitted
  events_.on_request_end();
}

// ---- response framing ------------------------------------------------------

void H1ServerSession::send_continue() {
  out_.append("HTTP/1.1 100 Continue\r\n\r\n");
}

H1ServerSession::Framing H1ServerSession::choose_framing(int status,
                                                         std::optional<uint64_t> length) {
  if (status < 200 || status == 204 || status == 304) return Framing::none;
  if (length) return Framing::length;
  if (head_.http11()) return Framing::chunked;
  keep_alive_ = false;  // HTTP/1.0 without a length: the close ends the body
  return Framing::until_close;
}

namespace {
// Response heads are appended piece by piece straight into the output queue:
// fmt's format strings were ~4% of serve's CPU per small h1 response.
void append_field(ChainBuffer& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

std::string_view decimal(char (&buf)[24], uint64_t v) {
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}
}  // namespace

void H1ServerSession::send_head(int status, const Headers& headers,
                                std::optional<uint64_t> length) {
  framing_ = choose_framing(status, length);
  holding_ = head_.chunked && in_request_;
  ChainBuffer& out = sink();
  char num[24];
  out.append("HTTP/1.1 ");
  out.append(decimal(num, static_cast<uint64_t>(status)));
  out.append(" ");
  out.append(reason_phrase(status));
  out.append("\r\nServer: sluice\r\nDate: ");
  out.append(current_http_date());
  out.append("\r\n");
  for (const auto& [name, value] : headers.list()) append_field(out, name, value);
  if (!alt_svc_.empty()) append_field(out, "Alt-Svc", alt_svc_);
  if (framing_ == Framing::length) append_field(out, "Content-Length", decimal(num, *length));
  if (framing_ == Framing::chunked) out.append("Transfer-Encoding: chunked\r\n");
  if (!keep_alive_)
    out.append("Connection: close\r\n");
  else if (!head_.http11())
    out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
  head_sent_ = true;
  body_left_ = length.value_or(0);
  if (head_.is_head()) framing_ = Framing::none;  // the head says what GET would send
  if (framing_ == Framing::none) response_ended_ = true;
}

void H1ServerSession::send_body(std::string_view bytes) {
  if (response_ended_ || bytes.empty()) return;
  switch (framing_) {
    case Framing::none:
      return;
    case Framing::length:
      // Never more than announced: extra bytes would be read as the next response.
      if (bytes.size() > body_left_) bytes = bytes.substr(0, body_left_);
      body_left_ -= bytes.size();
      sink().append(bytes);
      break;
    case Framing::chunked: {
      char size_line[24];
      auto r = fmt::format_to_n(size_line, sizeof size_line, "{:x}\r\n", bytes.size());
      sink().append(std::string_view(size_line, r.size));
      sink().append(bytes);
      sink().append("\r\n");
      break;
    }
    case Framing::until_close:
      sink().append(bytes);
      break;
  }
  // Past the mark the response must flow, or the connection's backpressure stalls it.
  if (held_.size() >= kHoldMax) release_held();
}

int H1ServerSession::body_rooms(std::size_t max, std::span<char>* spans, int count) {
  if (framing_ != Framing::length || response_ended_ || body_left_ == 0) return 0;
  return sink().tail_rooms(static_cast<std::size_t>(std::min<uint64_t>(max, body_left_)), 1, spans,
                           count);
}

void H1ServerSession::commit_body(std::size_t n) {
  sink().commit_spread(n);
  body_left_ -= n;
}

void H1ServerSession::sent_out_of_band(uint64_t n) {
  release_held();  // the file's bytes go out after out()
  body_left_ -= std::min(n, body_left_);
}

void H1ServerSession::end_response() {
  if (response_ended_) return;
  if (framing_ == Framing::chunked) sink().append("0\r\n\r\n");
  // A body shorter than announced leaves the framing broken: only a close ends it.
  if (framing_ == Framing::length && body_left_ > 0) keep_alive_ = false;
  response_ended_ = true;
}

void H1ServerSession::release_held() {
  if (!holding_) return;
  holding_ = false;
  out_.append(std::move(held_));
}

// Forgets the held response as if it had never been started.
void H1ServerSession::discard_held() {
  if (!holding_) return;
  holding_ = false;
  held_.clear();
  framing_ = Framing::none;
  head_sent_ = response_ended_ = false;
}

void H1ServerSession::send_error(int status, const Headers& extra) {
  keep_alive_ = false;
  Headers h = extra;
  h.add("Content-Type", std::string(kPlainTextType));
  std::string body = status_body(status);
  send_head(status, h, body.size());
  send_body(body);
  end_response();
}

}  // namespace sluice
