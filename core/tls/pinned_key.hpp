// --pinnedpubkey: the server's public key must hash (SHA-256 of its DER
// SubjectPublicKeyInfo) to one of the pins, as curl checks it; a pin is
// "sha256//BASE64" (several joined with ';') or a PEM or DER public key file.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/util/error.hpp"

namespace sluice {

// The pins of an argument, each as the base64 of a SHA-256 digest.
Result<std::vector<std::string>> parse_pins(std::string_view arg);

// base64(SHA-256(DER SubjectPublicKeyInfo)) of the peer's certificate; empty
// when it has none.
std::string peer_key_pin(SSL* ssl);

}  // namespace sluice
