// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for Date and Last-Modified.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

std::string http_date(std::time_t t);

// The current time, formatted once per second per thread: a busy server
// stamps every response, so formatting must not cost per request.
std::string_view current_http_date();

// IMF-fixdate only (what every current client sends); nullopt otherwise.
std::optional<std::time_t> parse_http_date(std::string_view s);

}  // namespace sluice
