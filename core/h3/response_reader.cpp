#include "core/h3/response_reader.hpp"

#include <algorithm>
#include <charconv>

#include "core/h2/request_fields.hpp"
#include "core/http/headers.hpp"

namespace sluice::h3 {

namespace {

// RFC 9114 4.3.2: three digits; 101 has no use in HTTP/3 (4.5 ff.).
int parse_status(std::string_view v) {
  if (v.size() != 3 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  int status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
  return status >= 100 && status != 101 ? status : 0;
}

std::optional<uint64_t> parse_length(std::string_view v) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
  return n;
}

// As curl takes them: no NUL, CR or LF (a stray blank at an end is kept).
bool valid_response_value(std::string_view v) {
  return !h2::has_nul_cr_lf(v);
}

}  // namespace

void ResponseReader::start(bool head_request) {
  rx_ = Rx::head;
  frame_.reset();
  ended_ = false;
  head_request_ = head_request;
  section_.reset();
  status_ = 0;
  regular_seen_ = false;
  content_length_.reset();
  body_bytes_ = 0;
  fault_ = {};
}

void ResponseReader::fail(uint64_t code, bool connection, std::string_view what) {
  if (!fault_.code) fault_ = {code, connection, what};
  rx_ = Rx::discard;
}

std::size_t ResponseReader::receive(std::span<const uint8_t> data, bool fin, qpack::Decoder& dec,
                                    Handler& h, ResponseMemo* memo) {
  std::size_t consumed = 0;
  while (!data.empty() && rx_ != Rx::discard) {
    if (!frame_.in_payload()) {
      if (!frame_.header(data, consumed)) break;
      if (!frame_start(frame_.type(), frame_.length())) break;
    }
    std::span<const uint8_t> piece;
    bool done = frame_.payload(data, piece);
    std::optional<std::string_view> section;  // a whole HEADERS payload
    if (frame_.type() == frame_type::kData) {
      body(piece, h);  // consumed as the caller's consumer takes it
    } else {
      consumed += piece.size();
      if (frame_.type() == frame_type::kHeaders) section = section_.add(piece, done);
    }
    if (!done) break;
    if (!section) continue;
    section_done(*section, dec, h, memo);
    section_.reset();
  }
  if (rx_ == Rx::discard) return consumed + data.size();  // the rest is dropped
  if (fin) stream_end();
  return consumed;
}

// What a frame's type means in the response's state: HEADERS (interim heads,
// the final head), DATA, trailing HEADERS; unknown types anywhere. False: a
// fault.
bool ResponseReader::frame_start(uint64_t type, uint64_t length) {
  switch (type) {
    case frame_type::kHeaders:
      if (rx_ == Rx::trailers) {
        fail(h3err::kFrameUnexpected, true, "a HEADERS frame after the trailers");
        return false;
      }
      if (length > kMaxHeadersFrame) {
        fail(h3err::kExcessiveLoad, false, "a response head over 256 KiB");
        return false;
      }
      return true;
    case frame_type::kData:
      if (rx_ == Rx::body) return true;
      fail(h3err::kFrameUnexpected, true,
           rx_ == Rx::head ? "DATA before the response head" : "DATA after the trailers");
      return false;
    case frame_type::kPushPromise:  // we allow no push (no MAX_PUSH_ID sent)
      fail(h3err::kIdError, true, "a PUSH_PROMISE, with no push allowed");
      return false;
    case frame_type::kCancelPush:
    case frame_type::kSettings:
    case frame_type::kGoaway:
    case frame_type::kMaxPushId:
      fail(h3err::kFrameUnexpected, true, "a control frame on a request stream");
      return false;
    default:
      if (!h2_only_frame(type)) return true;  // an extension frame: skipped
      fail(h3err::kFrameUnexpected, true, "an HTTP/2 frame type");
      return false;
  }
}

void ResponseReader::section_done(std::string_view section, qpack::Decoder& dec, Handler& h,
                                  ResponseMemo* memo) {
  bool trailers = rx_ == Rx::body;
  const TakenHead* same = !trailers && memo ? memo->find(section) : nullptr;
  TakenHead* taken = !same && !trailers && memo && memo->wants(section) ? &taken_ : nullptr;
  if (same) {
    replay(*same, h);
  } else if (!decode(section, dec, trailers, h, taken)) {
    return;
  }
  if (trailers) {
    if (!body_ends()) return;  // the body is over once trailers come
    rx_ = Rx::trailers;
    return h.on_section(0);
  }
  if (!status_) return fail(h3err::kMessage, false, "a response head without :status");
  if (taken) {
    taken->status = status_;
    taken->content_length = content_length_;
    memo->keep(section, *taken);
  }
  if (status_ >= 200) {
    rx_ = Rx::body;
    // No content: a response to HEAD, a 204 or a 304 (RFC 9110 6.4.1).
    if (head_request_ || status_ == 204 || status_ == 304) content_length_ = 0;
  }
  h.on_section(status_);
}

// The section's fields, checked and handed on (and gathered into taken):
// false on a fault.
bool ResponseReader::decode(std::string_view section, qpack::Decoder& dec, bool trailers,
                            Handler& h, TakenHead* taken) {
  if (!dec.begin(section)) {
    fail(h3err::kQpackDecompressionFailed, true, "QPACK");
    return false;
  }
  status_ = 0;
  regular_seen_ = false;
  if (!trailers) content_length_.reset();
  if (taken) taken->fields.clear();
  qpack::Field f;
  qpack::Decoder::Step step;
  while ((step = dec.next(f)) == qpack::Decoder::Step::field) {
    if (!field(f, trailers, h)) return false;
    if (taken && f.name[0] != ':') taken->fields.emplace_back(f.name, f.value);
  }
  if (step == qpack::Decoder::Step::error) {
    fail(h3err::kQpackDecompressionFailed, true, "QPACK");
    return false;
  }
  return true;
}

// A head kept by the memo, as decode() would have handed it on.
void ResponseReader::replay(const TakenHead& head, Handler& h) {
  status_ = head.status;
  regular_seen_ = !head.fields.empty();
  content_length_ = head.content_length;
  for (const auto& [name, value] : head.fields) h.on_field(name, value);
}

// One field (RFC 9114 4.3): false when it makes the response malformed.
bool ResponseReader::field(const qpack::Field& f, bool trailers, Handler& h) {
  std::string_view name = f.name, value = f.value;
  if ((!f.static_name && !h2::valid_field_name(name)) ||
      (!f.static_value && !valid_response_value(value))) {
    fail(h3err::kMessage, false, "an invalid field in the response");
    return false;
  }
  if (name[0] == ':') {
    if (name != ":status" || trailers || regular_seen_ || status_ ||
        !(status_ = parse_status(value))) {
      fail(h3err::kMessage, false, "a malformed :status or pseudo-header");
      return false;
    }
    return true;
  }
  regular_seen_ = true;
  if (!f.static_name && is_hop_by_hop(name)) {  // the static table holds none
    fail(h3err::kMessage, false, "a connection-specific field in the response");
    return false;
  }
  if (name == "content-length" && !trailers && status_ >= 200) {
    auto n = parse_length(value);
    if (!n || (content_length_ && *content_length_ != *n)) {
      fail(h3err::kMessage, false, "a malformed Content-Length");
      return false;
    }
    content_length_ = n;
  }
  h.on_field(name, value);
  return true;
}

// Body bytes, counted against Content-Length (4.1.2: a mismatch makes the
// response malformed).
void ResponseReader::body(std::span<const uint8_t> bytes, Handler& h) {
  body_bytes_ += bytes.size();
  if (content_length_ && body_bytes_ > *content_length_)
    return fail(h3err::kMessage, false, "a body longer than its Content-Length");
  if (!bytes.empty()) h.on_data(bytes);
}

void ResponseReader::stream_end() {
  ended_ = true;
  // A frame cut short by the stream's end is a connection error (7.1).
  if (frame_.cut()) return fail(h3err::kFrame, true, "a frame cut short by the stream's end");
  if (rx_ == Rx::body) body_ends();
}

// The body is over (trailers, or the stream's end): short of its
// Content-Length, it was cut. False then.
bool ResponseReader::body_ends() {
  if (!content_length_ || body_bytes_ >= *content_length_) return true;
  fail(h3err::kMessage, false, "a body shorter than its Content-Length");
  return false;
}

}  // namespace sluice::h3
