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

}  // namespace sluice
