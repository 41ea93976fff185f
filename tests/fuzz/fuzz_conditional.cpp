// libFuzzer target "conditional": the HTTP date parser of conditional
// requests (parse_http_date) and the checks serve makes with its result and
// with entity-tag lists (core/serve/conditional.*). Input: one header value.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "core/h1/http_date.hpp"
#include "core/serve/conditional.hpp"

namespace {

namespace serve = sluice::serve;

// 10000-01-01T00:00:00Z: from there on a year has five digits, which no
// HTTP date format can hold (a seconds field of 60 or 61 can get there).
constexpr std::time_t kYear10000 = 253402300800;

sluice::RequestHead get_with(std::string_view field, std::string_view value) {
  sluice::RequestHead req;
  req.method = "GET";
  req.headers.add(std::string(field), std::string(value));
  return req;
}

// A date that parses is a point in time: written as an IMF-fixdate it reads
// back the same, and a file last modified at exactly that time is "not
// modified since", "unmodified since", and the representation If-Range names.
void check_date(std::string_view value) {
  auto t = sluice::parse_http_date(value);
  if (!t) return;
  if (*t < kYear10000 && sluice::parse_http_date(sluice::http_date(*t)) != t) __builtin_trap();
  std::string_view v = sluice::trim_ows(value);
  if (v.starts_with('"') || v.starts_with("W/")) return;  // an If-Range of that shape is an ETag
  auto file = serve::validators_for(*t, 100);
  if (serve::evaluate_preconditions(get_with("If-Modified-Since", value), file) !=
      serve::Precondition::not_modified)
    __builtin_trap();
  if (serve::evaluate_preconditions(get_with("If-Unmodified-Since", value), file) !=
      serve::Precondition::proceed)
    __builtin_trap();
  if (!serve::if_range_allows(get_with("If-Range", value), file)) __builtin_trap();
}

// A strong comparison that matches is a weak match too (RFC 9110 8.8.3.2).
void check_etags(std::string_view list) {
  for (std::string_view etag : {"\"5f5e100-64\"", "W/\"5f5e100-64\"", "\"\""}) {
    if (serve::etag_list_matches(list, etag, false) && !serve::etag_list_matches(list, etag, true))
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  check_date(value);
  check_etags(value);
  return 0;
}
