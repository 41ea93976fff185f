// Bench results: the JSON round trip keeps every counter, histogram and
// second of the timeline; merges add timelines second by second, exactly.
#include <catch2/catch_test_macros.hpp>

#include "core/bench/hdr_codec.hpp"
#include "core/bench/result_json.hpp"

using namespace sluice::bench;

namespace {

std::string encoded(std::initializer_list<int64_t> values) {
  auto h = *Histogram::make(second_histogram_settings());
  for (auto v : values) h.record(v);
  return *encode_base64(h);
}

}  // namespace

TEST_CASE("bench timeline: merges add each second's counts and histograms", "[bench-result]") {
  std::vector<Second> a{{3, 0, encoded({10, 20, 30})}, {1, 1, encoded({40})}};
  std::vector<Second> b{{2, 0, encoded({1000, 2000})}, {0, 0, ""}, {5, 2, encoded({7})}};
  REQUIRE(merge_timeline(a, b));
  REQUIRE(a.size() == 3);
  CHECK(a[0].requests == 5);
  CHECK(a[1].errors == 1);
  CHECK(a[2].requests == 5);
  auto h0 = decode_base64(a[0].histogram);
  REQUIRE(h0);
  CHECK(h0->total_count() == 5);
  CHECK(h0->max() >= 2000);
  CHECK(a[1].histogram == encoded({40}));
}

TEST_CASE("bench JSON: a round trip keeps the new counters, lag and timeline", "[bench-result]") {
  Results r;
  r.counters.requests = 3;
  r.counters.sent = 5;
  r.counters.retried = 1;
  r.counters.in_flight_at_stop = 1;
  r.counters.unsent = 7;
  r.counters.waited = 2;
  for (int64_t v : {100, 200, 300}) r.latency.record(v);
  r.send_lag.record(1500);
  r.timeline = {{2, 0, encoded({100, 200})}, {1, 0, encoded({300})}};
  r.window_s = 1.25;
  r.threads = 2;
  r.connections = 4;
  r.stopped_by = 2;  // SIGINT
  RunInfo info{"{\"urls\":[]}", "abc", 0, 1, 1000, 2000, {}, {}};
  auto back = from_json(to_json(r, info));
  REQUIRE(back);
  const Results& b = back->first;
  CHECK(b.counters.retried == 1);
  CHECK(b.counters.in_flight_at_stop == 1);
  CHECK(b.counters.unsent == 7);
  CHECK(b.counters.waited == 2);
  CHECK(b.send_lag.total_count() == 1);
  CHECK(b.timeline.size() == 2);
  CHECK(b.timeline[1].histogram == r.timeline[1].histogram);
  CHECK(b.window_s == 1.25);
  CHECK(b.partial());
  CHECK(b.threads == 2);
}

TEST_CASE("bench errors: QUIC and HTTP/3 failures are kinds of their own", "[bench-result]") {
  CHECK(classify(sluice::Errc::quic_connect) == ErrorKind::quic);
  CHECK(classify(sluice::Errc::http3) == ErrorKind::h3);
  CHECK(classify(sluice::Errc::http2) == ErrorKind::protocol);
  CHECK(std::string(error_kind_name(ErrorKind::quic)) == "quic");
  CHECK(std::string(error_kind_name(ErrorKind::h3)) == "h3");
}

TEST_CASE("bench JSON: set-up times and the QUIC/h3 error kinds survive a round trip and a merge",
          "[bench-result]") {
  Results r;
  r.protocol = "h3";
  r.setup_time.record(1200);
  r.setup_time.record(900);
  r.counters.errors[static_cast<size_t>(ErrorKind::quic)] = 2;
  r.counters.errors[static_cast<size_t>(ErrorKind::h3)] = 1;
  RunInfo info{"{\"urls\":[]}", "abc", 0, 1, 1000, 2000, {}, {}};
  auto back = from_json(to_json(r, info));
  REQUIRE(back);
  Results b = back->first;
  CHECK(b.setup_time.total_count() == 2);
  CHECK(b.connect_time.total_count() == 0);
  CHECK(b.counters.errors[static_cast<size_t>(ErrorKind::quic)] == 2);
  CHECK(b.counters.errors[static_cast<size_t>(ErrorKind::h3)] == 1);
  CHECK(b.protocol == "h3");
  REQUIRE(b.merge(r));
  CHECK(b.setup_time.total_count() == 4);
  CHECK(b.counters.errors[static_cast<size_t>(ErrorKind::quic)] == 4);
}
