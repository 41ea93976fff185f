// A throw-away self-signed certificate for `serve --tls` without --cert/--key.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "core/util/error.hpp"

namespace sluice {

struct KeyPair {
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
};

// EC P-256, valid for a year, SAN: localhost, 127.0.0.1, ::1.
Result<KeyPair> make_self_signed();
std::string cert_fingerprint(X509* cert);  // SHA-256, colon-separated hex

}  // namespace sluice
