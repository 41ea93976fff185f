// base64url without padding (RFC 4648 section 5): the encoding of the
// HTTP2-Settings header of an h2c upgrade (RFC 7540 3.2.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

std::string base64url_encode(std::string_view bytes);
// nullopt for a character outside the alphabet or an impossible length.
// Trailing '=' padding is accepted, as some peers send it.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sluice
