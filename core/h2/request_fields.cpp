#include "core/h2/request_fields.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>

#include "core/http/headers.hpp"

namespace sluice::h2 {

namespace {

// tchar (RFC 9110 5.6.2) without upper-case letters.
constexpr std::array<bool, 256> kNameChar = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

bool valid_field_name(std::string_view name) {
  if (!name.empty() && name[0] == ':') name.remove_prefix(1);
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!kNameChar[c]) return false;
  return true;
}

bool valid_field_value(std::string_view value) {
  for (char c : value)
    if (c == '\0' || c == '\r' || c == '\n') return false;
  if (value.empty()) return true;
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  return !space(value.front()) && !space(value.back());
}

void RequestFieldCheck::reset(bool trailers) {
  seen_ = 0;
  regular_ = connect_ = options_ = asterisk_ = slash_ = content_length_ = false;
  trailers_ = trailers;
}

FieldKind RequestFieldCheck::pseudo(std::string_view name, std::string_view value) {
  if (regular_ || trailers_) return FieldKind::malformed;
  auto [which, kind] = name == ":method"   ? std::pair{unsigned{kMethod}, FieldKind::method}
                       : name == ":scheme" ? std::pair{unsigned{kScheme}, FieldKind::scheme}
                       : name == ":path"   ? std::pair{unsigned{kPath}, FieldKind::path}
                       : name == ":authority"
                           ? std::pair{unsigned{kAuthority}, FieldKind::authority}
                           : std::pair{0u, FieldKind::malformed};
  if (which == 0 || (seen_ & which)) return FieldKind::malformed;  // unknown, or twice
  seen_ |= which;
  if (which == kMethod) {
    connect_ = value == "CONNECT";
    options_ = value == "OPTIONS";
  } else if (which == kPath) {
    asterisk_ = value == "*";
    slash_ = value.starts_with('/');
  }
  bool must_have_value = which == kMethod || which == kPath;
  return must_have_value && value.empty() ? FieldKind::malformed : kind;
}

FieldKind RequestFieldCheck::field(std::string_view name, std::string_view value) {
  if (!valid_field_name(name) || !valid_field_value(value)) return FieldKind::malformed;
  if (name[0] == ':') return pseudo(name, value);
  regular_ = true;
  // Connection-specific fields have no place in HTTP/2 (8.2.2).
  if (is_hop_by_hop(name)) return FieldKind::malformed;
  if (name == "te") return value == "trailers" ? FieldKind::regular : FieldKind::malformed;
  if (name == "content-length" && !trailers_) {
    if (content_length_ || !all_digits(value)) return FieldKind::malformed;
    content_length_ = true;
    return FieldKind::content_length;
  }
  return FieldKind::regular;
}

bool RequestFieldCheck::complete() const {
  if (trailers_) return true;
  if (!(seen_ & kMethod)) return false;
  if (connect_) return (seen_ & kAuthority) && !(seen_ & (kScheme | kPath));
  if ((seen_ & (kScheme | kPath)) != (kScheme | kPath)) return false;
  // origin-form, or asterisk-form for OPTIONS (8.3.1)
  return slash_ || (asterisk_ && options_);
}

void add_request_field(RequestHead& h, FieldKind kind, std::string_view name,
                       std::string_view value) {
  switch (kind) {
    case FieldKind::method:
      h.method = value;
      return;
    case FieldKind::path:
      h.target = value;
      return;
    case FieldKind::authority:
      h.headers.add("host", std::string(value));
      return;
    case FieldKind::scheme:
    case FieldKind::malformed:
      return;
    case FieldKind::content_length: {
      // The check has made sure it is digits; one that overflows is no length.
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec == std::errc() && end == value.data() + value.size() && !value.empty())
        h.content_length = v;
      break;
    }
    case FieldKind::regular:
      if (name == "expect" && value.size() == 12 &&
          std::equal(value.begin(), value.end(), "100-continue",
                     [](char x, char y) { return (x | 0x20) == (y | 0x20); }))
        h.expect_continue = true;
      break;
  }
  h.headers.add(std::string(name), std::string(value));
}

}  // namespace sluice::h2
