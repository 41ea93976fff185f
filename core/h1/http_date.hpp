// HTTP dates: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for Date and
// Last-Modified, and the parser for conditional request headers.
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

// The three formats RFC 9110 5.6.7 says a recipient must accept:
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete RFC 850 form
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
// nullopt for anything else.
std::optional<std::time_t> parse_http_date(std::string_view s);

}  // namespace sluice
