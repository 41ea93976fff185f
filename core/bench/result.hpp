// Counters and latency histograms of a bench run: per worker while it runs,
// merged after the join, and merged again across machines (same code).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/bench/histogram.hpp"
#include "core/util/error.hpp"

namespace sluice::bench {

// What went wrong with a request, by kind. quic: the QUIC connection failed
// after its handshake (a CONNECTION_CLOSE with a transport error, an idle
// timeout); h3: the HTTP/3 layer (a framing or QPACK error, a stream reset).
enum class ErrorKind { connect, tls, read, timeout, status, protocol, quic, h3, count_ };
const char* error_kind_name(ErrorKind k);
ErrorKind classify(Errc code);

struct Counters {
  uint64_t requests = 0;     // responses completed (any status)
  uint64_t sent = 0;         // requests sent (each attempt; a retried one twice)
  uint64_t bytes = 0;        // response bytes (head + body)
  uint64_t connections = 0;  // connections opened
  // Sent, never processed (pipelined past a "Connection: close", above a
  // GOAWAY's last stream), and sent again on another connection.
  uint64_t retried = 0;
  uint64_t in_flight_at_stop = 0;  // still unanswered when the grace period ended
  uint64_t unsent = 0;             // open model: due before the stop, never sent
  uint64_t waited = 0;             // open model: due while no connection had room
  std::array<uint64_t, static_cast<size_t>(ErrorKind::count_)> errors{};
  std::map<int, uint64_t> status;  // status code -> count

  uint64_t error_total() const;
  void add(const Counters& o);
};

// One second of the measured window: what completed in it, and the latency of
// those requests (from due in the open model, from send in the closed one) as
// a 2-significant-digit histogram, encoded, so merges stay exact yet an hour
// of seconds stays small.
struct Second {
  uint64_t requests = 0, errors = 0;
  std::string histogram;  // HdrHistogram compressed base64; "" when empty
};

// Second-histograms: 1 us .. 1 h, 2 significant digits (1 % precision).
HistogramSettings second_histogram_settings();
// Connection timings use the same settings: a few hundred samples need no more.
inline Histogram connection_histogram() {
  return *Histogram::make(second_histogram_settings());
}
// Records what one connection negotiated into a run's summary of them.
void note_negotiated(std::string& seen, const std::string& value);
// Adds b's seconds into a, second by second (exact).
Result<void> merge_timeline(std::vector<Second>& a, const std::vector<Second>& b);

struct Results {
  Counters counters;
  Histogram latency = Histogram::make_default();            // from when each request was sent
  Histogram latency_corrected = Histogram::make_default();  // open model: from when it was due
  Histogram send_lag = Histogram::make_default();           // open model: sent minus due
  std::vector<Second> timeline;                             // per second of the window
  // New connections (2 significant digits, as h2load reports them): set-up
  // (connect start to ready for requests: TCP and TLS, or the QUIC
  // handshake), its TCP connect and TLS handshake parts (TCP only), and
  // connect start to the first response head.
  Histogram setup_time = connection_histogram();
  Histogram connect_time = connection_histogram();
  Histogram tls_time = connection_histogram();
  Histogram first_response_time = connection_histogram();
  // What was negotiated: "h3", "h2", "http/1.1"; "TLSv1.3"; the cipher. "mixed"
  // when connections (or merged shards) disagree, "" when none was opened.
  std::string protocol, tls_version, cipher;
  double cpu_user_s = 0, cpu_sys_s = 0;  // the measuring threads, in the measured window
  // The real measured window: first measured send to the last completion, or
  // to the stop if that came later. Every rate is divided by this.
  double window_s = 0;
  double wall_s = 0;  // the run as the user waited for it: start to exit (grace included)
  // Seconds from the start of measuring to the stop (-d, a signal); < 0 when
  // the run ended with -n. Timeline seconds after it are the grace period's.
  double stop_s = -1;
  int threads = 0;      // worker threads actually started
  int connections = 0;  // connections this run was given (its share of -c)
  int stopped_by = 0;   // the signal (SIGINT/SIGTERM) that cut the run short; 0: none

  Result<void> merge(const Results& o);  // window and wall: max; everything else summed
  bool partial() const { return stopped_by != 0; }
};

// Every histogram of a result with its name in the JSON's "histograms": the
// one list that merging, writing and reading go through.
struct NamedHistogram {
  const char* name;
  Histogram Results::*member;
};
inline constexpr NamedHistogram kResultHistograms[] = {
    {"latency", &Results::latency},        {"latency_corrected", &Results::latency_corrected},
    {"send_lag", &Results::send_lag},      {"connect", &Results::connect_time},
    {"tls_handshake", &Results::tls_time}, {"first_response", &Results::first_response_time},
    {"setup", &Results::setup_time},
};

}  // namespace sluice::bench
