// Percent-decoding (RFC 3986 2.1): request paths on the server, user
// information of URLs on the client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// "%41" -> "A". nullopt on a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view s);

// application/x-www-form-urlencoded, as curl 8's --data-urlencode writes it:
// ALPHA, DIGIT and "-._~" stay, a space becomes '+', every other byte %XX.
std::string form_urlencode(std::string_view s);

// ALPHA, DIGIT and "-._~" stay, every other byte becomes %XX (a space '+'
// with space_as_plus), as curl_easy_escape: -T's file name added to a URL.
std::string percent_encode(std::string_view s, bool space_as_plus = false);

}  // namespace sluice
