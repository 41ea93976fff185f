#include "core/h1/response_parser.hpp"

#include <algorithm>
#include <charconv>

namespace sluice {

ResponseParser::ResponseParser(Events ev) : ev_(std::move(ev)) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = on_message_begin;
  settings_.on_status = on_status;
  settings_.on_header_field = on_header_field;
  settings_.on_header_value = on_header_value;
  settings_.on_header_value_complete = on_header_value_complete;
  settings_.on_headers_complete = on_headers_complete;
  settings_.on_body = on_body;
  settings_.on_message_complete = on_message_complete;
  reset();
}

void ResponseParser::reset() {
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  // Header values as curl takes them (bare LF line ends, odd bytes): we are
  // the client, so there is no one downstream to smuggle a request to.
  llhttp_set_lenient_headers(&parser_, 1);
  parser_.data = this;
  resp_ = Response{};
  field_.clear();
  value_.clear();
  in_trailers_ = started_ = head_done_ = done_ = keep_alive_ = raw_body_ = switched_ = false;
  raw_remaining_ = body_bytes_ = 0;
  head_bytes_ = 0;
  refused_ = Refused::no;
}

int ResponseParser::count_head(std::size_t n) {
  head_bytes_ += n;
  if (head_bytes_ <= kMaxHeadBytes) return 0;
  refused_ = Refused::head_too_large;
  return -1;
}

int ResponseParser::on_message_begin(llhttp_t* p) {
  auto& s = self(p);
  s.started_ = true;
  std::size_t hb = s.resp_.header_bytes;  // keep the size of earlier 1xx heads
  s.resp_ = Response{};
  s.resp_.header_bytes = hb;
  s.in_trailers_ = false;
  return 0;
}

int ResponseParser::on_status(llhttp_t* p, const char* at, size_t n) {
  self(p).resp_.reason.append(at, n);
  return self(p).count_head(n);
}

int ResponseParser::on_header_field(llhttp_t* p, const char* at, size_t n) {
  self(p).field_.append(at, n);
  return self(p).count_head(n);
}

int ResponseParser::on_header_value(llhttp_t* p, const char* at, size_t n) {
  self(p).value_.append(at, n);
  return self(p).count_head(n);
}

int ResponseParser::on_header_value_complete(llhttp_t* p) {
  auto& s = self(p);
  if (s.count_head(4) != 0) return -1;  // ": " and CRLF: a flood of empty fields counts too
  auto& target = s.in_trailers_ ? s.resp_.trailers : s.resp_.headers;
  target.add(std::move(s.field_), std::move(s.value_));
  s.field_.clear();
  s.value_.clear();
  return 0;
}

int ResponseParser::on_headers_complete(llhttp_t* p) {
  auto& s = self(p);
  Response& r = s.resp_;
  r.status = llhttp_get_status_code(p);
  r.version_major = llhttp_get_http_major(p);
  r.version_minor = llhttp_get_http_minor(p);
  // "HTTP/1.1 \r\n": no status code at all. "051" is three digits: the
  // transfer refuses it (curl's exit 1, not 8).
  if (r.status == 0 || r.status > 999) {
    s.refused_ = Refused::bad_status;
    return -1;
  }
  s.in_trailers_ = true;  // any header after this point is a trailer
  // Head size as on the wire: status line, each header line, the blank line.
  std::size_t head = 12 + 1 + r.reason.size() + 2 + 2;
  for (const auto& [n, v] : r.headers.list()) head += n.size() + 2 + v.size() + 2;
  r.header_bytes += head;
  if (auto cl = r.headers.get("content-length")) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), v);
    if (ec == std::errc()) r.content_length = v;
  }
  if (r.status >= 100 && r.status < 200) {
    if (s.ev_.informational) s.ev_.informational(r);
    s.switched_ = r.status == 101;
    // A 1xx response ends with its head (RFC 9110 15.2), whatever it says of
    // Content-Length or chunked: llhttp 8 would read a body there, and take
    // the final response's bytes for it. 1 tells llhttp there is none.
    return 1;
  }
  s.head_done_ = true;
  if (s.ev_.headers) s.ev_.headers(r);
  // HEAD answers carry the headers of a GET but no body.
  // 204 and 304 never have content, whatever Content-Length says (RFC 9110).
  if (s.head_request_ || r.status == 204 || r.status == 304) return 1;
  // Content-Length framing alone: llhttp skips the body and we count it.
  if (r.status >= 200 && r.content_length.value_or(0) > 0 && !r.headers.has("transfer-encoding")) {
    s.raw_body_ = true;
    s.raw_remaining_ = *r.content_length;
    return 1;
  }
  return 0;
}

int ResponseParser::on_body(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  s.body_bytes_ += n;
  if (s.ev_.body) s.ev_.body({at, n});
  return 0;
}

int ResponseParser::on_message_complete(llhttp_t* p) {
  auto& s = self(p);
  if (s.switched_) return HPE_PAUSED;  // the bytes after the head are not HTTP/1.1
  if (!s.head_done_) return 0;         // an informational response ended; the final one follows
  s.keep_alive_ = llhttp_should_keep_alive(p);
  if (!s.raw_body_) s.complete();
  // One final response at a time; bytes after it are not ours yet (or, for a
  // raw body, are counted by feed_raw_body).
  return HPE_PAUSED;
}

void ResponseParser::complete() {
  done_ = true;
  if (!resp_.trailers.empty() && ev_.trailers) ev_.trailers(resp_.trailers);
  if (ev_.complete) ev_.complete();
}

void ResponseParser::feed_raw_body(std::span<const char> data, std::size_t& consumed) {
  auto n = static_cast<std::size_t>(std::min<uint64_t>(raw_remaining_, data.size()));
  if (n == 0) return;
  raw_remaining_ -= n;
  body_bytes_ += n;
  consumed += n;
  if (ev_.body) ev_.body(data.first(n));
  if (raw_remaining_ == 0) complete();
}

void ResponseParser::body_moved(uint64_t n) {
  n = std::min(n, raw_remaining_);
  raw_remaining_ -= n;
  body_bytes_ += n;
  if (raw_body_ && raw_remaining_ == 0 && !done_) complete();
}

Error ResponseParser::parse_error(llhttp_errno_t err) const {
  if (refused_ == Refused::head_too_large)
    return {Errc::recv_failed,
            fmt::format("Too large response headers: {} > {}", head_bytes_, kMaxHeadBytes)};
  if (refused_ == Refused::bad_status)
    return {Errc::bad_response, "Weird server reply: no valid status code in the status line"};
  const char* reason = llhttp_get_error_reason(&parser_);
  if (!head_done_)
    return {Errc::bad_response,
            fmt::format("Weird server reply: {}", reason ? reason : llhttp_errno_name(err))};
  return {Errc::recv_failed,
          fmt::format("Malformed response body: {}", reason ? reason : llhttp_errno_name(err))};
}

Result<void> ResponseParser::feed(std::span<const char> data, std::size_t& consumed) {
  consumed = 0;
  if (done_) return {};
  if (!raw_body_) {
    llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
    if (err == HPE_OK) {
      consumed = data.size();
      return {};
    }
    if (err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE) return std::unexpected(parse_error(err));
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data.data());
    if (!raw_body_ || done_ || switched_) return {};
  }
  feed_raw_body(data.subspan(consumed), consumed);
  return {};
}

Result<void> ResponseParser::finish() {
  if (done_) return {};
  if (!started_) return fail(Errc::empty_reply, "Empty reply from server");
  llhttp_errno_t err = llhttp_finish(&parser_);
  if (err == HPE_OK || err == HPE_PAUSED) {
    if (done_) return {};
  }
  if (!head_done_)
    return fail(Errc::recv_failed, "Connection closed before the response headers were complete");
  if (resp_.content_length)
    return fail(Errc::partial_body,
                fmt::format("transfer closed with {} bytes remaining to read",
                            *resp_.content_length - std::min(*resp_.content_length, body_bytes_)));
  return fail(Errc::partial_body, "transfer closed with outstanding read data remaining");
}

}  // namespace sluice
