#include "core/h1/http_date.hpp"

namespace sluice {

std::string http_date(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::string_view current_http_date() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached = http_date(now);
    cached_second = now;
  }
  return cached;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  // strptime's %d skips leading spaces (asctime's " 6"), and %y maps 69-99 to
  // the 1900s and 00-68 to the 2000s, RFC 850's two-digit years.
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %d %H:%M:%S %Y",       // asctime
  };
  if (s.size() > 64) return std::nullopt;
  std::string copy(s);  // strptime wants a NUL-terminated string
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = ::strptime(copy.c_str(), format, &tm);
    if (end && *end == '\0') return ::timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace sluice
