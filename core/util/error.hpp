// The one error type core returns. cli/ maps Errc to curl-compatible exit codes.
#pragma once

#include <fmt/format.h>

#include <expected>
#include <string>

namespace sluice {

enum class Errc {
  unsupported_protocol,  // scheme we do not speak
  bad_url,               // URL could not be parsed
  resolve_failed,        // host name did not resolve
  bad_proxy,             // the proxy URL is unusable or its host did not resolve (curl's 5)
  connect_failed,        // TCP connect refused/unreachable
  http_status,           // HTTP >= 400 with --fail
  write_failed,          // consumer (stdout/file) refused bytes
  binary_to_terminal,    // a body with a NUL byte for a terminal on stdout (curl's 23)
  read_failed,           // a local file (e.g. --data @file) could not be read
  rewind_failed,         // a body to send again (-T - on a redirect) cannot be read again
  timeout,               // connect/overall/idle deadline passed
  tls_handshake,         // TLS handshake failed
  cert_verify,           // peer certificate not trusted / wrong host
  ca_file,               // --cacert could not be read
  too_many_redirects,    // --max-redirs exceeded
  empty_reply,           // connection closed before any response byte
  partial_body,          // closed before Content-Length / last chunk
  recv_failed,           // error while receiving
  http2,                 // HTTP/2 framing layer error (connection level)
  http2_stream,          // HTTP/2 stream reset or not closed cleanly
  send_failed,           // error while sending
  upload_failed,         // a body this request cannot carry (curl's 25)
  bad_response,          // malformed HTTP response
  filesize_exceeded,     // --max-filesize
  bad_encoding,          // an unknown or broken Content-/Transfer-Encoding (curl's 61)
  range_error,           // -C: the server does not do ranges (curl's 33)
  client_cert,           // --cert/--key could not be used (curl's 58)
  pinned_key,            // --pinnedpubkey did not match (curl's 90)
  bad_argument,          // invalid option value
  option_syntax,         // a malformed option entry curl names 49 (--connect-to)
  address_in_use,        // bind failed
  interface_failed,      // --interface/--local-port: the local end could not be bound (curl's 45)
  cancelled,             // stopped by a signal
  aborted,               // stopped by --fail-early after another transfer failed (curl's 42)
  h3_unavailable,        // the HTTP/3 module is missing, broken or from another build
  tls_unavailable,       // the TLS module (OpenSSL) is missing, broken or from another build
  http3,                 // HTTP/3 layer error (curl's CURLE_HTTP3)
  quic_connect,          // QUIC connection failed (curl's CURLE_QUIC_CONNECT_ERROR)
  too_large,             // a response header line or head count past curl 8's limits (curl's 100)
  internal,
};

struct Error {
  Errc code = Errc::internal;
  std::string message;  // one line, human readable, no trailing newline
  int sys = 0;          // errno where one applies; for cert_verify the X509 verify result
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message, int sys = 0) {
  return std::unexpected(Error{code, std::move(message), sys});
}

}  // namespace sluice

template <>
struct fmt::formatter<sluice::Error> : fmt::formatter<std::string_view> {
  auto format(const sluice::Error& e, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(e.message, ctx);
  }
};
