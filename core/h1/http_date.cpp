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
  std::string copy(s);  // strptime wants a NUL-terminated string
  std::tm tm{};
  const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return ::timegm(&tm);
}

}  // namespace sluice
