#include "core/h2/request_fields.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
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

// Every field of every request is checked: these loops have no early exit
// and no branch per byte (a branch per byte cost 7 to 9 instructions a
// byte), and has_nul_cr_lf looks at eight bytes at a time.
bool valid_field_name(std::string_view name) {
  if (!name.empty() && name[0] == ':') name.remove_prefix(1);
  if (name.empty()) return false;
  bool ok = true;
  for (unsigned char c : name) ok &= kNameChar[c];
  return ok;
}

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;

// High bit set in each byte of v that is zero (exact for the lowest such
// byte, which is all a "has any" test needs).
constexpr uint64_t zero_bytes(uint64_t v) {
  return (v - kOnes) & ~v & (kOnes << 7);
}

constexpr bool nul_cr_lf_in(uint64_t v) {
  return zero_bytes(v) | zero_bytes(v ^ (kOnes * '\r')) | zero_bytes(v ^ (kOnes * '\n'));
}

}  // namespace

// Whole words, the last one overlapping the one before it; a value shorter
// than a word, a byte at a time.
bool has_nul_cr_lf(std::string_view s) {
  if (s.size() < 8) {
    bool found = false;
    for (char c : s) found |= c == '\0' || c == '\r' || c == '\n';
    return found;
  }
  uint64_t v;
  for (std::size_t i = 0; i + 8 < s.size(); i += 8) {
    std::memcpy(&v, s.data() + i, 8);
    if (nul_cr_lf_in(v)) return true;
  }
  std::memcpy(&v, s.data() + s.size() - 8, 8);
  return nul_cr_lf_in(v);
}

bool valid_field_value(std::string_view value) {
  if (value.empty()) return true;
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  return !space(value.front()) && !space(value.back()) && !has_nul_cr_lf(value);
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

FieldKind RequestFieldCheck::field(std::string_view name, std::string_view value, Vouched vouched) {
  if (!vouched.name && !valid_field_name(name)) return FieldKind::malformed;
  if (!vouched.value && !valid_field_value(value)) return FieldKind::malformed;
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
      h.headers.add_copy("host", value);
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
  h.headers.add_copy(name, value);
}

}  // namespace sluice::h2
