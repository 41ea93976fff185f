#include "core/serve/conditional.hpp"

#include <fmt/format.h>

#include "core/h1/http_date.hpp"
#include "core/http/headers.hpp"

namespace sluice::serve {

namespace {

bool is_weak(std::string_view tag) {
  return tag.starts_with("W/");
}
std::string_view opaque(std::string_view tag) {
  return is_weak(tag) ? tag.substr(2) : tag;
}

bool modified_since(const RequestHead& req, std::string_view header, std::time_t mtime,
                    bool& present) {
  auto value = req.headers.get(header);
  auto t = value ? parse_http_date(*value) : std::nullopt;
  present = t.has_value();
  return t && mtime > *t;
}

}  // namespace

Validators validators_for(std::time_t mtime, uint64_t size) {
  return {mtime, size, fmt::format("\"{:x}-{:x}\"", static_cast<uint64_t>(mtime), size)};
}

bool etag_list_matches(std::string_view list, std::string_view etag, bool weak) {
  if (trim_ows(list) == "*") return true;
  // Entity tags are quoted and may not hold a comma, so splitting on commas is exact.
  while (!list.empty()) {
    std::string_view tag = next_list_item(list);
    if (weak ? opaque(tag) == opaque(etag) : (!is_weak(tag) && tag == etag)) return true;
  }
  return false;
}

Precondition evaluate_preconditions(const RequestHead& req, const Validators& v) {
  if (auto im = req.headers.get("If-Match")) {
    if (!etag_list_matches(*im, v.etag, false)) return Precondition::failed;
  } else {
    bool present = false;
    if (modified_since(req, "If-Unmodified-Since", v.mtime, present)) return Precondition::failed;
  }
  bool safe = req.method == "GET" || req.method == "HEAD";
  if (auto inm = req.headers.get("If-None-Match")) {
    if (!etag_list_matches(*inm, v.etag, true)) return Precondition::proceed;
    return safe ? Precondition::not_modified : Precondition::failed;
  }
  bool present = false;
  if (safe && !modified_since(req, "If-Modified-Since", v.mtime, present) && present)
    return Precondition::not_modified;
  return Precondition::proceed;
}

bool if_range_allows(const RequestHead& req, const Validators& v) {
  auto ir = req.headers.get("If-Range");
  if (!ir) return true;
  std::string_view value = trim_ows(*ir);
  if (value.starts_with('"') || value.starts_with("W/")) return value == v.etag;
  auto t = parse_http_date(value);
  return t && *t == v.mtime;
}

}  // namespace sluice::serve
