#include "cli/exit_codes.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"

namespace sluice::cli {

int exit_code(Errc code) {
  switch (code) {
    case Errc::unsupported_protocol:
    case Errc::h3_unavailable:
    case Errc::tls_unavailable:  // curl built without TLS says 1 for https:// too
      return 1;
    case Errc::bad_argument:
      return 2;
    case Errc::option_syntax:
      return 49;
    case Errc::bad_url:
      return 3;
    case Errc::bad_proxy:
      return 5;
    case Errc::resolve_failed:
      return 6;
    case Errc::connect_failed:
      return 7;
    case Errc::bad_response:
      return 8;
    case Errc::partial_body:
      return 18;
    case Errc::http_status:
      return 22;
    case Errc::write_failed:
    case Errc::binary_to_terminal:
      return 23;
    case Errc::read_failed:
      return 26;
    case Errc::timeout:
      return 28;
    case Errc::rewind_failed:
      return 65;
    case Errc::tls_handshake:
      return 35;
    case Errc::too_many_redirects:
      return 47;
    case Errc::empty_reply:
      return 52;
    case Errc::send_failed:
      return 55;
    case Errc::upload_failed:
      return 25;
    case Errc::recv_failed:
      return 56;
    case Errc::cert_verify:
      return 60;
    case Errc::bad_encoding:
      return 61;
    case Errc::range_error:
      return 33;
    case Errc::client_cert:
      return 58;
    case Errc::pinned_key:
      return 90;
    case Errc::too_large:
      return 100;
    case Errc::filesize_exceeded:
      return 63;
    case Errc::http2:
      return 16;
    case Errc::http2_stream:
      return 92;
    case Errc::http3:
      return 95;
    case Errc::quic_connect:
      return 96;
    case Errc::ca_file:
      return 77;
    case Errc::address_in_use:
      return 7;
    case Errc::interface_failed:
      return 45;
    case Errc::aborted:
      return 42;
    case Errc::cancelled:
      return 130;
    case Errc::internal:
      return 2;
  }
  return 2;
}

int print_failure(std::string_view who, const Error& e) {
  fmt::print(stderr, "{}: {}\n", who, e.message);
  return exit_code(e.code);
}

int print_coded_failure(std::string_view who, const Error& e) {
  int code = exit_code(e.code);
  fmt::print(stderr, "{}: ({}) {}\n", who, code, e.message);
  return code;
}

const std::string& exit_code_table() {
  static const std::string table =
      "0    success\n"
      "1    unsupported protocol (only http:// and https://), or no HTTP/3 module\n"
      "2    bad command line or internal error\n"
      "3    malformed URL\n"
      "5    could not resolve the proxy's host (-x, http_proxy, ...)\n"
      "6    could not resolve host\n"
      "7    could not connect (or, for serve, could not listen)\n"
      "8    weird server reply (malformed response head)\n"
      "16   HTTP/2 framing layer error (GOAWAY)\n"
      "18   partial body: connection closed before the announced length\n"
      "22   HTTP status >= 400 with -f/--fail\n"
      "23   write error (output file or closed pipe), or binary output refused for a terminal\n"
      "25   upload refused: a body of unknown length over HTTP/1.0 (-0 -T -)\n"
      "26   read error (--data @file, -T FILE)\n"
      "28   timeout (--connect-timeout, -m/--max-time)\n"
      "33   -C: the server cannot resume (it answered without a range)\n"
      "35   TLS handshake failed\n"
      "42   aborted: with -Z --fail-early, a transfer still running when another failed\n"
      "45   could not bind the local end (--interface, --local-port)\n"
      "47   too many redirects (--max-redirs)\n"
      "49   malformed option entry (--connect-to)\n"
      "52   empty reply from server\n"
      "55   send failure\n"
      "56   receive failure, or the proxy refused CONNECT (a non-2xx answer)\n"
      "58   the client certificate or key (--cert, --key) could not be used\n"
      "60   certificate verification failed\n"
      "61   unknown or broken Content-Encoding (--compressed) or Transfer-Encoding\n"
      "63   maximum file size exceeded (--max-filesize)\n"
      "65   a body to send again on a redirect or retry could not be rewound (-T -)\n"
      "77   the --cacert file could not be read\n"
      "90   the server's public key did not match --pinnedpubkey\n"
      "92   HTTP/2 stream error (RST_STREAM, or the stream was not closed cleanly)\n"
      "95   HTTP/3 error (an H3_* error code from the server, or a stream cut)\n"
      "96   QUIC connection error (transport error, idle timeout during the transfer)\n"
      "130  interrupted (SIGINT/SIGTERM)";
  return table;
}

}  // namespace sluice::cli
