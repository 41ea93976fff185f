// base64 (RFC 4648): the standard alphabet with '=' padding (Basic auth,
// histograms as java.util.Base64 and hdr-histogram-js write them) and the
// URL-safe one without padding (the HTTP2-Settings header of an h2c upgrade,
// RFC 7540 3.2.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);
// nullopt for a character outside the alphabet or an impossible length.
// Trailing '=' padding is accepted (and may be missing) in both.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sluice
