#include "core/bench/result.hpp"

namespace sluice::bench {

const char* error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::tls:
      return "tls";
    case ErrorKind::read:
      return "read";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::status:
      return "status";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::count_:
      break;
  }
  return "?";
}

ErrorKind classify(Errc code) {
  switch (code) {
    case Errc::connect_failed:
    case Errc::resolve_failed:
    case Errc::address_in_use:
      return ErrorKind::connect;
    case Errc::tls_handshake:
    case Errc::cert_verify:
    case Errc::ca_file:
      return ErrorKind::tls;
    case Errc::timeout:
      return ErrorKind::timeout;
    case Errc::bad_response:
    case Errc::http2:
    case Errc::http2_stream:
      return ErrorKind::protocol;
    default:
      return ErrorKind::read;
  }
}

uint64_t Counters::error_total() const {
  uint64_t n = 0;
  for (auto e : errors) n += e;
  return n;
}

void Counters::add(const Counters& o) {
  requests += o.requests;
  sent += o.sent;
  bytes += o.bytes;
  connections += o.connections;
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
  for (auto [code, n] : o.status) status[code] += n;
}

Result<void> Results::merge(const Results& o) {
  if (auto r = latency.merge(o.latency); !r) return r;
  if (auto r = latency_corrected.merge(o.latency_corrected); !r) return r;
  counters.add(o.counters);
  cpu_user_s += o.cpu_user_s;
  cpu_sys_s += o.cpu_sys_s;
  wall_s = std::max(wall_s, o.wall_s);
  return {};
}

}  // namespace sluice::bench
