#include "core/h1/response_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace sluice {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Length {
  bool valid = true;
  std::optional<uint64_t> bytes;  // none: the body runs to the close
};

// Content-Length as curl 8 reads it: every field a list of decimal numbers,
// all of them equal ("5, 5" twice is 5); invalid when they are not. No length
// when there is none, or when it does not fit in 63 bits (as in curl).
Length content_length(const Headers& headers) {
  std::optional<uint64_t> length;
  bool overflow = false;
  for (const auto& [name, value] : headers.list()) {
    if (!iequals(name, "content-length")) continue;
    if (value.empty()) return {false, {}};
    for (std::string_view rest = value; !rest.empty();) {
      std::string_view item = next_list_item(rest);
      if (item.empty() || !std::all_of(item.begin(), item.end(), is_digit)) return {false, {}};
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
      if (ec != std::errc() || n > uint64_t{INT64_MAX}) {
        overflow = true;
        continue;
      }
      if (length && *length != n) return {false, {}};
      length = n;
    }
  }
  return {true, overflow ? std::nullopt : length};
}

}  // namespace

ResponseParser::ResponseParser(Events ev) : ev_(std::move(ev)) {
  reset();
}

void ResponseParser::reset() {
  state_ = State::status_line;
  resp_ = Response{};
  line_.clear();
  lines_in_head_ = 0;
  started_ = head_done_ = done_ = keep_alive_ = switched_ = chunked_ = false;
  after_informational_ = false;
  raw_remaining_ = chunk_remaining_ = body_bytes_ = 0;
  head_bytes_ = 0;
  failed_.reset();
}

Result<void> ResponseParser::refuse(Errc code, std::string message) {
  failed_ = Error{code, std::move(message)};
  state_ = State::done;
  return std::unexpected(*failed_);
}

Result<void> ResponseParser::feed(std::span<const char> data, std::size_t& consumed) {
  consumed = 0;
  if (failed_) return std::unexpected(*failed_);
  if (!data.empty()) started_ = true;
  while (consumed < data.size() && !done_ && !switched_) {
    auto rest = data.subspan(consumed);
    switch (state_) {
      case State::status_line:
      case State::header_line:
      case State::chunk_size:
      case State::trailer_line:
        if (auto r = feed_line(rest, consumed); !r) return r;
        break;
      case State::chunk_data_end:
        ++consumed;
        if (auto r = on_chunk_data_end(rest[0]); !r) return r;
        break;
      case State::chunk_data:
      case State::raw_body:
      case State::close_body:
        consumed += take_body(rest);
        break;
      case State::done:
        return {};
    }
  }
  return {};
}

// Takes bytes of a line; a whole line is handed to on_line() without its end.
Result<void> ResponseParser::feed_line(std::span<const char> data, std::size_t& consumed) {
  std::size_t n = take_line(data);
  consumed += n;
  if (state_ == State::status_line && !has_http_prefix())
    return after_informational_
               ? refuse(Errc::bad_response, "Weird server reply: Invalid status line")
               : refuse(Errc::unsupported_protocol, "Received HTTP/0.9 when not allowed");
  bool whole = data[n - 1] == '\n';
  if (auto r = check_line_limits(n, whole); !r) return r;
  if (!whole) return {};
  if (state_ == State::status_line || state_ == State::header_line) {
    resp_.header_bytes += line_.size() + 1;
    if (keep_raw_) resp_.raw_head.append(line_).push_back('\n');
  }
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto r = on_line(line);
  line_.clear();
  return r;
}

// curl 8's limits, as it checks them: one line's length as its bytes come
// (100 KiB in a head, 4 KiB for a trailer: both "too large"), the heads'
// total (300 KiB, curl's 56) at each line's end. Memory stays bounded by the
// line limit until then.
Result<void> ResponseParser::check_line_limits(std::size_t taken, bool whole) {
  std::size_t length = line_.size() - (!line_.empty() && line_.back() == '\r');
  if (state_ == State::chunk_size) {
    if (length <= kMaxLineBytes) return {};
    return refuse(Errc::recv_failed, "chunk size line too long");
  }
  if (state_ == State::trailer_line && length > kMaxTrailerLineBytes)
    return refuse(Errc::too_large, "Out of memory in chunked-encoding: a trailer line over 4 KiB");
  if (length > kMaxLineBytes)
    return refuse(Errc::too_large,
                  fmt::format("Response header line longer than {} bytes", kMaxLineBytes));
  head_bytes_ += taken;
  if (whole && state_ != State::trailer_line && head_bytes_ > kMaxHeadBytes)
    return refuse(Errc::recv_failed,
                  fmt::format("Too large response headers: {} > {}", head_bytes_, kMaxHeadBytes));
  return {};
}

std::size_t ResponseParser::take_line(std::span<const char> data) {
  const auto* lf = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
  std::size_t n = lf ? static_cast<std::size_t>(lf - data.data()) + 1 : data.size();
  line_.append(data.data(), lf ? n - 1 : n);
  return n;
}

std::size_t ResponseParser::take_body(std::span<const char> data) {
  std::size_t n = data.size();
  if (state_ == State::chunk_data)
    n = static_cast<std::size_t>(std::min<uint64_t>(n, chunk_remaining_));
  if (state_ == State::raw_body)
    n = static_cast<std::size_t>(std::min<uint64_t>(n, raw_remaining_));
  body_bytes_ += n;
  if (ev_.body && n > 0) ev_.body(data.first(n));
  if (state_ == State::chunk_data) {
    chunk_remaining_ -= n;
    if (chunk_remaining_ == 0) state_ = State::chunk_data_end;
  } else if (state_ == State::raw_body) {
    raw_remaining_ -= n;
    if (raw_remaining_ == 0) complete();
  }
  return n;
}

// curl's test for HTTP/0.9: the first bytes are not (a prefix of) "HTTP/".
bool ResponseParser::has_http_prefix() const {
  constexpr std::string_view kPrefix = "HTTP/";
  std::size_t n = std::min(line_.size(), kPrefix.size());
  return iequals(std::string_view(line_).substr(0, n), kPrefix.substr(0, n));
}

Result<void> ResponseParser::on_line(std::string_view line) {
  switch (state_) {
    case State::status_line:
      return on_status_line(line);
    case State::header_line:
      if (line.empty()) return on_head_end();
      return on_header_line(line, resp_.headers);
    case State::chunk_size:
      return on_chunk_size(line);
    case State::trailer_line:
      if (line.empty()) {
        complete();
        return {};
      }
      return on_header_line(line, resp_.trailers);
    default:
      return {};
  }
}

// curl 8's status line: "HTTP/1.0" or "HTTP/1.1" (or "HTTP/2", "HTTP/3"),
// one space, three digits; what follows them is the reason, whatever it is
// ("2000" is 200). Another version, or a line that does not fit, is exit 1.
Result<void> ResponseParser::on_status_line(std::string_view line) {
  std::string_view v = line.substr(std::min<std::size_t>(line.size(), 5));  // after "HTTP/"
  bool minor = v.size() >= 3 && v[0] == '1' && v[1] == '.' && (v[2] == '0' || v[2] == '1');
  bool major_only = v.size() >= 2 && (v[0] == '2' || v[0] == '3') && v[1] == ' ';
  std::string_view code = v.substr(std::min<std::size_t>(v.size(), minor ? 4 : 2));
  std::size_t space = minor ? 3 : 1;
  bool fine = (minor || major_only) && v.size() > space && v[space] == ' ' && code.size() >= 3 &&
              is_digit(code[0]) && is_digit(code[1]) && is_digit(code[2]);
  if (!fine)
    return refuse(Errc::unsupported_protocol, !v.empty() && v[0] == '1'
                                                  ? "Unsupported HTTP/1 subversion in response"
                                                  : "Unsupported HTTP version in response");
  resp_.version_major = v[0] - '0';
  resp_.version_minor = minor ? v[2] - '0' : 0;
  resp_.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  code.remove_prefix(3);
  if (!code.empty() && code.front() == ' ') code.remove_prefix(1);
  resp_.reason = std::string(code);
  state_ = State::header_line;
  lines_in_head_ = 0;
  return {};
}

// "Name: value". A line that starts with a space or tab continues the last
// value (obsolete folding, unfolded as curl does). As in curl, a line
// without a colon, a CR inside a line or a NUL byte is a weird reply.
Result<void> ResponseParser::on_header_line(std::string_view line, Headers& into) {
  if (++lines_in_head_ > kMaxHeaders)
    return refuse(Errc::too_large,
                  fmt::format("Too many response headers, {} is max", kMaxHeaders));
  if (line.find('\r') != std::string_view::npos)
    return refuse(Errc::bad_response, "Weird server reply: Carriage return found in header");
  if (line.find('\0') != std::string_view::npos)
    return refuse(Errc::bad_response, "Weird server reply: Nul byte in header");
  bool folded = line.front() == ' ' || line.front() == '\t';
  auto colon = line.find(':');
  if (folded ? into.empty() : colon == std::string_view::npos)
    return refuse(Errc::bad_response, "Weird server reply: Header without colon");
  if (folded) {
    if (auto more = trim_ows(line); !more.empty()) into.extend_last(more);
    return {};
  }
  into.add_copy(line.substr(0, colon), trim_ows(line.substr(colon + 1)));
  return {};
}

Result<void> ResponseParser::on_head_end() {
  Response& r = resp_;
  if (r.status >= 100 && r.status < 200) {  // no body, whatever the head says (RFC 9110 15.2)
    if (ev_.informational) ev_.informational(r);
    if (r.status == 101) {
      switched_ = true;  // the bytes after this head are not HTTP/1.1
      return {};
    }
    std::size_t bytes = r.header_bytes;  // the final response's size counts every head
    r = Response{};
    r.header_bytes = bytes;
    state_ = State::status_line;
    after_informational_ = true;
    return {};
  }
  auto codings = r.headers.items("transfer-encoding");
  chunked_ = !codings.empty() && iequals(codings.back(), "chunked");
  if (r.status != 204 && r.status != 304) {  // curl reads no length on those
    auto length = content_length(r.headers);
    if (!length.valid)
      return refuse(Errc::bad_response, "Weird server reply: Invalid Content-Length: value");
    if (!chunked_) r.content_length = length.bytes;  // chunked wins, as in curl
  }
  head_done_ = true;
  keep_alive_ = r.version_minor >= 1 ? !r.headers.has_token("connection", "close")
                                     : r.headers.has_token("connection", "keep-alive");
  if (ev_.headers) ev_.headers(r);
  return choose_body();
}

Result<void> ResponseParser::choose_body() {
  const Response& r = resp_;
  // HEAD answers carry the headers of a GET but no body; 204 and 304 never
  // have content, whatever Content-Length says (RFC 9110).
  if (head_request_ || r.status == 204 || r.status == 304) {
    complete();
  } else if (chunked_) {
    state_ = State::chunk_size;
  } else if (r.content_length) {
    raw_remaining_ = *r.content_length;
    state_ = State::raw_body;
    if (raw_remaining_ == 0) complete();
  } else {
    keep_alive_ = false;  // the close ends the body
    state_ = State::close_body;
  }
  return {};
}

// curl's chunk size: hex digits (at most 16), then anything up to the line
// end is an extension and ignored.
Result<void> ResponseParser::on_chunk_size(std::string_view line) {
  uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
    if (i == 16) return refuse(Errc::recv_failed, "chunk hex-length longer than 16");
    size = size * 16 + static_cast<uint64_t>(hex_value(line[i]));
  }
  if (i == 0)
    return refuse(Errc::recv_failed,
                  fmt::format("chunk hex-length char not a hex digit: {:#x}",
                              line.empty() ? 0 : static_cast<unsigned char>(line[0])));
  if (size == 0) {
    state_ = State::trailer_line;  // its lines count with the head's, as in curl
  } else {
    chunk_remaining_ = size;
    state_ = State::chunk_data;
  }
  return {};
}

// After a chunk's data: CR (any number, as curl) then LF, nothing else.
Result<void> ResponseParser::on_chunk_data_end(char c) {
  if (c == '\n') {
    state_ = State::chunk_size;
    return {};
  }
  if (c == '\r') return {};
  return refuse(Errc::recv_failed, "Malformed encoding found in chunked-encoding");
}

void ResponseParser::complete() {
  done_ = true;
  state_ = State::done;
  raw_remaining_ = 0;
  if (!resp_.trailers.empty() && ev_.trailers) ev_.trailers(resp_.trailers);
  if (ev_.complete) ev_.complete();
}

void ResponseParser::body_moved(uint64_t n) {
  if (state_ != State::raw_body) return;
  n = std::min(n, raw_remaining_);
  raw_remaining_ -= n;
  body_bytes_ += n;
  if (raw_remaining_ == 0) complete();
}

Result<void> ResponseParser::finish() {
  if (done_) return {};
  if (failed_) return std::unexpected(*failed_);
  if (!started_) return fail(Errc::empty_reply, "Empty reply from server");
  if (state_ == State::close_body) {
    complete();
    return {};
  }
  if (!head_done_)
    return fail(Errc::recv_failed, "Connection closed before the response headers were complete");
  if (resp_.content_length && !chunked_)
    return fail(Errc::partial_body,
                fmt::format("transfer closed with {} bytes remaining to read",
                            *resp_.content_length - std::min(*resp_.content_length, body_bytes_)));
  return fail(Errc::partial_body, "transfer closed with outstanding read data remaining");
}

}  // namespace sluice
