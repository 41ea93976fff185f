#include "core/bench/result.hpp"

#include "core/bench/hdr_codec.hpp"

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
    case ErrorKind::quic:
      return "quic";
    case ErrorKind::h3:
      return "h3";
    case ErrorKind::count_:
      break;
  }
  return "?";
}

ErrorKind classify(Errc code) {
  switch (code) {
    case Errc::connect_failed:
    case Errc::resolve_failed:
    case Errc::bad_proxy:
    case Errc::address_in_use:
      return ErrorKind::connect;
    case Errc::tls_handshake:
    case Errc::cert_verify:
    case Errc::ca_file:
      return ErrorKind::tls;
    case Errc::timeout:
      return ErrorKind::timeout;
    case Errc::bad_response:
    case Errc::unsupported_protocol:  // HTTP/0.9, a version or status line curl refuses
    case Errc::too_large:             // a header line or head count past curl's limits
    case Errc::http2:
    case Errc::http2_stream:
      return ErrorKind::protocol;
    case Errc::quic_connect:
      return ErrorKind::quic;
    case Errc::http3:
      return ErrorKind::h3;
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
  retried += o.retried;
  in_flight_at_stop += o.in_flight_at_stop;
  unsent += o.unsent;
  waited += o.waited;
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
  for (auto [code, n] : o.status) status[code] += n;
}

HistogramSettings second_histogram_settings() {
  HistogramSettings s;
  s.significant_digits = 2;
  return s;
}

namespace {

Result<std::string> add_encoded(const std::string& a, const std::string& b) {
  if (b.empty()) return a;
  if (a.empty()) return b;
  auto ha = decode_base64(a);
  if (!ha) return std::unexpected(ha.error());
  auto hb = decode_base64(b);
  if (!hb) return std::unexpected(hb.error());
  if (auto m = ha->merge(*hb); !m) return std::unexpected(m.error());
  return encode_base64(*ha);
}

}  // namespace

Result<void> merge_timeline(std::vector<Second>& a, const std::vector<Second>& b) {
  if (a.size() < b.size()) a.resize(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    a[i].requests += b[i].requests;
    a[i].errors += b[i].errors;
    auto h = add_encoded(a[i].histogram, b[i].histogram);
    if (!h) return std::unexpected(h.error());
    a[i].histogram = std::move(*h);
  }
  return {};
}

void note_negotiated(std::string& seen, const std::string& value) {
  if (value.empty() || seen == value) return;
  seen = seen.empty() ? value : "mixed";
}

Result<void> Results::merge(const Results& o) {
  for (const auto& h : kResultHistograms)
    if (auto r = (this->*h.member).merge(o.*h.member); !r) return r;
  note_negotiated(protocol, o.protocol);
  note_negotiated(tls_version, o.tls_version);
  note_negotiated(cipher, o.cipher);
  if (auto r = merge_timeline(timeline, o.timeline); !r) return r;
  counters.add(o.counters);
  cpu_user_s += o.cpu_user_s;
  cpu_sys_s += o.cpu_sys_s;
  window_s = std::max(window_s, o.window_s);
  wall_s = std::max(wall_s, o.wall_s);
  stop_s = std::max(stop_s, o.stop_s);
  threads += o.threads;
  connections += o.connections;
  if (!stopped_by) stopped_by = o.stopped_by;
  return {};
}

}  // namespace sluice::bench
