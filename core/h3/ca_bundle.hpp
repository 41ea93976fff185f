// Checking a QUIC server's certificate chain against the system's CA bundle
// without loading the bundle. GnuTLS's system trust parses all of Debian's
// /etc/ssl/certs/ca-certificates.crt (about 140 CAs) into memory: 3.5 MiB of
// RSS for an HTTP/3 fetch that otherwise peaks near 11 MiB. Here the bundle
// is scanned once per handshake and only the CAs that issued a certificate of
// the peer's chain are kept, as OpenSSL's CA directory lookup does over TCP.
#pragma once

#include <gnutls/gnutls.h>

#include <string>

namespace sluice::h3 {

// $SSL_CERT_FILE when set, else Debian's bundle; "" when it cannot be read
// (the caller then falls back to GnuTLS's system trust).
std::string system_ca_bundle();

// Verifies the peer chain of session against the CAs in bundle and the
// server's name (a DNS name or an IP literal). Returns GnuTLS's verification
// status bits: 0 when trusted.
unsigned verify_with_bundle(gnutls_session_t session, const std::string& bundle,
                            const std::string& host);

}  // namespace sluice::h3
