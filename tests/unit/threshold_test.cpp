#include "core/bench/threshold.hpp"

#include <catch2/catch_test_macros.hpp>

using namespace sluice::bench;

namespace {

Results threshold_sample() {
  Results r;
  for (int i = 1; i <= 100; ++i) r.latency.record(i * 1000);  // 1..100 ms
  r.counters.requests = 100;
  r.counters.errors[static_cast<size_t>(ErrorKind::timeout)] = 2;
  r.window_s = 2.0;
  return r;
}

std::vector<std::string> failed(const std::string& spec) {
  auto t = parse_thresholds(spec);
  REQUIRE(t);
  return failed_thresholds(*t, threshold_sample(), false);
}

}  // namespace

TEST_CASE("thresholds: each metric, unit and operator", "[thresholds]") {
  CHECK(failed("p99>50ms").size() == 1);
  CHECK(failed("p99>100ms").empty());    // 99 ms (3 significant digits)
  CHECK(failed("p50<=51").size() == 1);  // a bare number is ms
  CHECK(failed("p50<50000us").empty());
  CHECK(failed("max>=0.1s").size() == 1);
  CHECK(failed("mean>60ms").empty());
  CHECK(failed("errors>1").size() == 1);
  CHECK(failed("errors>2").empty());
  CHECK(failed("errors>1.9%").size() == 1);  // 2 of 102 attempts
  CHECK(failed("errors>2%").empty());
  CHECK(failed("rps<50.1").size() == 1);  // 100 in 2 s
  CHECK(failed("rps<50").empty());
  CHECK(failed("requests<101").size() == 1);
  auto both = failed("p99.9>1ms, rps<1000");
  REQUIRE(both.size() == 2);
  CHECK(both[0].starts_with("p99.9>1ms (measured "));
}

TEST_CASE("thresholds: the open model is judged on corrected latency", "[thresholds]") {
  Results r = threshold_sample();
  r.latency_corrected.record(5'000'000);
  auto t = parse_thresholds("max>1s");
  REQUIRE(t);
  CHECK(failed_thresholds(*t, r, true).size() == 1);
  CHECK(failed_thresholds(*t, r, false).empty());
}

TEST_CASE("thresholds: malformed conditions are refused with a reason", "[thresholds]") {
  for (const char* bad : {"", "p99", ">5", "p99>", "p99>fast", "p0>1", "p101>1", "latency>1",
                          "errors>x%", "p99>-1ms", "rps<1,", "rps<1,,p99>1"}) {
    INFO(bad);
    auto t = parse_thresholds(bad);
    REQUIRE_FALSE(t);
    CHECK(t.error().message.find("--fail-if") != std::string::npos);
  }
}
