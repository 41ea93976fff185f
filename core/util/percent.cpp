#include "core/util/percent.hpp"

namespace sluice {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // The text between escapes is copied a run at a time, not a byte at a
  // time: a request path is decoded on every request, and most hold no '%'.
  for (std::size_t at = 0;;) {
    std::size_t pct = s.find('%', at);
    out.append(s.substr(at, pct - at));
    if (pct == std::string_view::npos) return out;
    if (pct + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[pct + 1]), lo = hex_value(s[pct + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    at = pct + 3;
  }
}

std::string form_urlencode(std::string_view s) {
  return percent_encode(s, true);
}

std::string percent_encode(std::string_view s, bool space_as_plus) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace sluice
