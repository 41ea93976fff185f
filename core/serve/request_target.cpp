#include "core/serve/request_target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice::serve {

std::optional<RequestTarget> split_target(std::string_view t) {
  // A fragment is the client's business (RFC 9110 7.1): never part of what is asked for.
  t = t.substr(0, t.find('#'));
  if (!t.starts_with('/')) {
    // absolute-form: a client talking to us as if we were a proxy; keep the path.
    auto scheme_end = t.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    auto slash = t.find('/', scheme_end + 3);
    t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
  }
  RequestTarget out;
  auto q = t.find('?');
  out.path = t.substr(0, q);
  if (q != std::string_view::npos) out.query = t.substr(q + 1);
  return out;
}

// Segments are appended to the output as they come and ".." cuts the last
// one off again, so the path is built in one string (it runs per request).
std::optional<std::string> normalize_absolute_path(std::string_view decoded) {
  if (decoded.find('\0') != std::string_view::npos) return std::nullopt;
  std::string out = "/";
  out.reserve(decoded.size() + 1);
  while (!decoded.empty()) {
    auto slash = decoded.find('/');
    std::string_view seg = decoded.substr(0, slash);
    decoded = slash == std::string_view::npos ? std::string_view() : decoded.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (out.size() == 1) return std::nullopt;  // would leave the root
      out.resize(std::max<std::size_t>(out.rfind('/'), 1));
      continue;
    }
    if (out.size() > 1) out += '/';
    out += seg;
  }
  return out;
}

bool is_normal_path(std::string_view raw) {
  if (raw.empty() || raw[0] != '/') return false;
  if (raw.size() == 1) return true;
  if (raw.back() == '/') return false;  // a trailing empty segment
  // Every request's path comes here: no branch per byte. Not normal: a '%'
  // or NUL anywhere, or a '/' before '/' (an empty segment) or before '.'
  // (a segment that starts with a dot, "." and ".." among them).
  bool odd = false;
  for (std::size_t i = 0; i + 1 < raw.size(); ++i) {
    char c = raw[i], next = raw[i + 1];
    odd |= (c == '%') | (c == '\0') | ((c == '/') & ((next == '/') | (next == '.')));
  }
  char last = raw.back();
  odd |= (last == '%') | (last == '\0');
  return !odd;
}

std::optional<std::string> normalize_path(std::string_view decoded) {
  auto path = normalize_absolute_path(decoded);
  if (!path) return std::nullopt;
  return path->substr(1);
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool path_within(std::string_view path, std::string_view base) {
  if (base == "/") return path.starts_with('/');
  if (!path.starts_with(base)) return false;
  return path.size() == base.size() || path[base.size()] == '/';
}

std::string percent_encode_path(std::string_view decoded) {
  static constexpr std::string_view kKeep = "-._~!$&'()*+,;=:@/";
  std::string out;
  for (char c : decoded) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || kKeep.find(c) != std::string_view::npos)
      out += c;
    else
      out += fmt::format("%{:02X}", u);
  }
  return out;
}

}  // namespace sluice::serve
