#include "core/http/stream_fields.hpp"

#include <charconv>

namespace sluice {

namespace {

// The Host field when the request has one; the URL's authority is built only
// when it has not (value_or would build it for every request).
std::string authority_of(const Request& req) {
  auto host = req.headers.get("host");
  return host ? std::string(*host) : req.url.authority();
}

std::string length_of(const Request& req) {
  auto n = body_length(req);
  return n ? std::to_string(*n) : std::string();
}

}  // namespace

RequestFields::RequestFields(const Request& req)
    : authority_(authority_of(req)),
      length_(length_of(req)),
      method_(req.method),
      target_(req.target()) {
  const auto& fields = req.headers.list();
  names_.reserve(fields.size());  // no reallocation: list_ holds views of them
  list_.reserve(fields.size() + 5);
  list_.emplace_back(":method", req.method);
  list_.emplace_back(":scheme", req.url.scheme);
  list_.emplace_back(":authority", authority_);
  list_.emplace_back(":path", target_);
  for (const auto& [n, v] : fields) {
    if (is_connection_specific(n)) continue;
    names_.push_back(ascii_lower(n));
    list_.emplace_back(names_.back(), v);
  }
  if (req.has_body && !length_.empty() && !req.headers.has("content-length"))
    list_.emplace_back("content-length", length_);
}

std::string RequestFields::trace_text(std::string_view version) const {
  std::string head = fmt::format("{} {} {}\r\n", method_, target_, version);
  for (std::size_t i = 2; i < list_.size(); ++i)
    if (i != 3)  // :path is on the request line
      head += fmt::format("{}: {}\r\n", list_[i].first, list_[i].second);
  return head;
}

namespace {

void read_content_length(Response& resp, std::string_view value) {
  uint64_t v = 0;
  if (std::from_chars(value.data(), value.data() + value.size(), v).ec == std::errc())
    resp.content_length = v;
}

}  // namespace

void take_response_field(Response& resp, bool head_done, bool keep_fields, std::string_view name,
                         std::string_view value) {
  resp.header_bytes += name.size() + value.size() + 4;  // as if "name: value\r\n"
  if (keep_fields)
    (head_done ? resp.trailers : resp.headers).add_copy(name, value);
  else if (!head_done && name == "content-length")
    read_content_length(resp, value);
}

void complete_header_section(Response& resp, bool& head_done, ResponseSink* sink) {
  if (head_done) {
    if (sink) sink->on_trailers(resp.trailers);
    return;
  }
  if (resp.status >= 100 && resp.status < 200) {
    if (sink) sink->on_informational(resp);
    resp.headers.clear();
    resp.content_length.reset();  // one an interim head had, read without the fields
    return;
  }
  head_done = true;
  resp.header_bytes += 15;  // curl's "HTTP/2 200 \r\n" (13, the reason left empty) + "\r\n"
  if (auto cl = resp.headers.get("content-length")) read_content_length(resp, *cl);
  if (sink) sink->on_headers(resp);
}

}  // namespace sluice
