// Conditional requests on a file (RFC 9110 13): its validators, the ETag
// nginx would give it, and the order in which the preconditions are checked.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "core/h1/server_session.hpp"  // RequestHead

namespace sluice::serve {

struct Validators {
  std::time_t mtime = 0;
  uint64_t size = 0;
  std::string etag;  // strong, as nginx makes it: "<mtime hex>-<size hex>", quoted
};

Validators validators_for(std::time_t mtime, uint64_t size);

enum class Precondition {
  proceed,       // serve the resource (maybe a range of it)
  not_modified,  // 304
  failed,        // 412
};

// If-Match (strong), else If-Unmodified-Since; then If-None-Match (weak),
// else If-Modified-Since (GET and HEAD only). Unparseable dates are ignored.
Precondition evaluate_preconditions(const RequestHead& req, const Validators& v);

// Whether a Range may be honoured: true without If-Range, else only when
// If-Range names exactly this representation (a strong ETag match, or a date
// equal to Last-Modified). False means the whole body, with 200.
bool if_range_allows(const RequestHead& req, const Validators& v);

// Whether a comma-separated If-Match / If-None-Match list holds etag ("*"
// holds any); weak compares ignoring a W/ prefix, strong never matches a weak tag.
bool etag_list_matches(std::string_view list, std::string_view etag, bool weak);

}  // namespace sluice::serve
