// e2e: `sluice bench` tells the truth when the target or the generator falls
// behind: rates over the real window, a hard stop at -d plus --grace, a
// partial report on SIGINT/SIGTERM, refused bad numbers, warm-up kept out of
// -n, retries of requests a server closed on unprocessed, a spread schedule,
// --fail-if, --hgrm, the timeline, and merge checks. Properties, not speeds.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "bench_helpers.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

using Seconds = std::chrono::duration<double>;

// Every request sent is accounted for exactly once.
void check_accounting(const std::string& json) {
  double sent = num(json, "d['counters']['sent']");
  double accounted = num(json,
                         "d['counters']['requests'] + sum(d['counters']['errors'].values()) - "
                         "d['counters']['errors']['status'] + d['counters']['retried'] + "
                         "d['counters']['in_flight_at_stop']");
  CHECK(sent == accounted);
}

// The reported rate is the count over the reported window, nothing else.
void check_rate(const std::string& json) {
  double window = num(json, "d['window_us']") / 1e6;
  double requests = num(json, "d['counters']['requests']");
  REQUIRE(window > 0);
  CHECK(std::abs(num(json, "d['rates']['requests_per_s']") - requests / window) < 0.01);
}

}  // namespace

TEST_CASE("bench: rates come from the real window, not from -d", "[bench][honest][serial]") {
  Server s;
  std::string json = tmpdir() + "/window.json";
  // Each request takes 1.5 s: sending stops at 1 s, the answers come at 1.5 s
  // (inside the 2 s grace), so the window is 1.5 s and the rate 2/1.5, not 2/1.
  auto t0 = std::chrono::steady_clock::now();
  auto r =
      sh(bench("-c 2 -t 1 -d 1s --grace 2s --json " + json + " " + s.base + "/delay/1500"), 60);
  double took = Seconds(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['requests']") == "2");
  CHECK(num(json, "d['window_us']") >= 1.45e6);
  check_rate(json);
  check_accounting(json);
  CHECK(took < 1 + 2 + 1 + 2);  // -d + grace + 1 s, plus the preflight and start-up
  CHECK_THAT(r.out, ContainsSubstring("requests: 2 in 1.5"));
}

TEST_CASE("bench: -d bounds the run; what is still in flight is counted as such",
          "[bench][honest][serial]") {
  Server s;
  std::string json = tmpdir() + "/stalled.json";
  auto t0 = std::chrono::steady_clock::now();
  auto r = sh(bench("-c 3 -t 1 -d 1s --grace 500ms --timeout 30s --json " + json + " " + s.base +
                    "/delay/60000"),
              60);
  double took = Seconds(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r.exit_code == 0);
  CHECK(took < 1 + 0.5 + 1 + 1);
  CHECK(field(json, "d['counters']['requests']") == "0");
  CHECK(field(json, "d['counters']['in_flight_at_stop']") == "3");
  CHECK(field(json, "sum(d['counters']['errors'].values())") == "0");
  CHECK(field(json, "d['counters']['status']") == "{}");  // an object, never null
  check_accounting(json);
  CHECK_THAT(r.out, ContainsSubstring("3 in flight"));
}

TEST_CASE("bench: an overloaded open model reports what was really sent and why it lagged",
          "[bench][honest][open][serial]") {
  Server s;
  std::string json = tmpdir() + "/overload.json";
  // Two connections that each take 20 ms per request can carry ~100/s, not 100000/s.
  auto r = sh(bench("-c 2 -t 1 -m 1 --rate 100000 -d 1s --grace 1s --json " + json + " " + s.base +
                    "/delay/20"),
              60);
  REQUIRE(r.exit_code == 0);
  check_rate(json);
  check_accounting(json);
  double requests = num(json, "d['counters']['requests']");
  CHECK(requests < 200);
  CHECK(num(json, "d['rates']['requests_per_s']") < 200);
  CHECK(num(json, "d['counters']['unsent']") > 50000);
  CHECK(num(json, "d['counters']['waited']") >= requests - 2);
  CHECK(num(json, "d['summary']['send_lag']['max_us']") > 100000);
  CHECK_THAT(r.out, ContainsSubstring("BEHIND: the target did not keep up"));
}

TEST_CASE("bench: the open model's schedule starts once the connections are up",
          "[bench][honest][open][serial]") {
  // A target that answers at once never makes a request wait: before, the
  // first due request waited for the handshakes, and a healthy server was
  // reported as "BEHIND". Over TLS the handshakes take longest.
  for (bool tls : {false, true}) {
    INFO((tls ? "https" : "http"));
    Server s("", tls);
    std::string json = tmpdir() + "/schedule.json";
    auto r =
        sh(bench("-k -c 8 -t 1 --rate 20 -d 1s --json " + json + " " + s.base + "/bytes/10"), 60);
    REQUIRE(r.exit_code == 0);
    CHECK(field(json, "d['counters']['sent']") == "20");  // rate x duration, exactly
    CHECK(field(json, "d['counters']['requests']") == "20");
    CHECK(field(json, "d['counters']['waited']") == "0");
    CHECK(num(json, "d['counters']['connections']") == 8);
    // (A loaded machine may still run the generator late, and it says so.)
    CHECK_THAT(r.out, !ContainsSubstring("BEHIND: the target"));
    check_accounting(json);
  }
}

TEST_CASE("bench: SIGINT and SIGTERM stop the run with a partial report and JSON",
          "[bench][honest][signal]") {
  Server s;
  for (auto [sig, code, name] : {std::tuple{SIGINT, 130, "SIGINT"}, {SIGTERM, 143, "SIGTERM"}}) {
    INFO(name);
    std::string json = tmpdir() + "/partial.json";
    std::remove(json.c_str());
    Process b(bench("-c 2 -t 1 -d 60s --progress --json " + json + " " + s.base + "/bytes/10"));
    // Ready once the first progress line is out: load is flowing.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (b.log().find("req/s") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE_THAT(b.log(), ContainsSubstring("req/s"));
    b.signal(sig);
    REQUIRE(b.wait(10) == code);
    CHECK(field(json, "d['partial']") == "True");
    CHECK(field(json, "d['stopped_by']") == name);
    CHECK(num(json, "d['counters']['requests']") > 0);
    check_rate(json);
    check_accounting(json);
    CHECK_THAT(b.out(), ContainsSubstring("PARTIAL: stopped by"));
  }
}

TEST_CASE("bench: bad numbers are refused before any load, each with its reason",
          "[bench][honest][exit]") {
  Server s;
  long before = server_requests(s);
  for (const char* args :
       {"-n -1", "-n 0", "-n abc", "-d 0s", "--rate 0", "--rate -5", "--timeout 0", "-m 0",
        "--grace -1s", "--fail-if p99", "--fail-if 'x>1'", "--fail-if 'p99>fast'"}) {
    INFO(args);
    auto r = sh(bench(std::string(args) + " " + s.base + "/"), 20);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, ContainsSubstring("sluice bench"));
  }
  auto unwritable = sh(bench("-d 5s --json /nonexistent-dir/x.json " + s.base + "/"), 20);
  CHECK(unwritable.exit_code == 23);
  CHECK_THAT(unwritable.err, ContainsSubstring("/nonexistent-dir/x.json"));
  CHECK(server_requests(s) - before == 1);  // only our own /stats request below
}

TEST_CASE("bench: warm-up requests are not taken from -n and not counted",
          "[bench][honest][serial]") {
  Server s;
  std::string json = tmpdir() + "/warm.json";
  long before = server_requests(s);
  auto r =
      sh(bench("-c 2 -t 1 -n 500 --warmup 500ms --json " + json + " " + s.base + "/bytes/8"), 60);
  REQUIRE(r.exit_code == 0);
  long served = server_requests(s) - before - 1;
  CHECK(field(json, "d['counters']['requests']") == "500");
  CHECK(field(json, "d['counters']['sent']") == "500");
  CHECK(field(json, "d['summary']['latency']['count']") == "500");
  CHECK(served > 500);  // the warm-up's requests came on top
  // The CPU figure covers the measured window only: at most every thread busy throughout.
  double cpu = num(json, "d['cpu_us']['user'] + d['cpu_us']['system']");
  CHECK(cpu <= num(json, "d['window_us']") * 1.2 + 20000);

  std::string timed = tmpdir() + "/warm_d.json";
  REQUIRE(
      sh(bench("-c 2 -t 1 -d 1s --warmup 500ms --json " + timed + " " + s.base + "/bytes/8"), 60)
          .exit_code == 0);
  CHECK(num(timed, "d['counters']['requests']") <= num(timed, "d['counters']['sent']"));
  check_accounting(timed);
}

TEST_CASE("bench: --no-keepalive opens a connection per request over h2 too", "[bench][honest]") {
  Server s;
  std::string json = tmpdir() + "/h2nk.json";
  auto r = sh(bench("--http2-prior-knowledge --no-keepalive -c 2 -t 1 -n 50 --json " + json + " " +
                    s.base + "/bytes/8"),
              60);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['requests']") == "50");
  CHECK(field(json, "d['counters']['connections']") == "50");
}

TEST_CASE("bench: requests a server closes on unprocessed are retried, not failed",
          "[bench][honest][retry]") {
  // nginx's keepalive_requests: after 7 requests, h1 says Connection: close
  // (pipelined requests behind it are never answered) and h2 sends GOAWAY.
  Server s("--keepalive-requests 7");
  for (const std::string flags : {"-c 2 -t 1 -m 5", "--http2-prior-knowledge -c 2 -t 1 -m 5"}) {
    INFO(flags);
    std::string json = tmpdir() + "/retry.json";
    long before = server_requests(s);
    auto r = sh(bench(flags + " -n 300 --json " + json + " " + s.base + "/bytes/8"), 60);
    REQUIRE(r.exit_code == 0);
    long served = server_requests(s) - before - 1;
    CHECK(field(json, "d['counters']['requests']") == "300");
    CHECK(field(json, "sum(d['counters']['errors'].values())") == "0");
    CHECK(num(json, "d['counters']['retried']") > 0);
    CHECK(served == 300);  // retries add up with the server's own count
    check_accounting(json);
  }
}

TEST_CASE("bench: a low rate is one schedule across threads, not one per thread",
          "[bench][honest][open][serial]") {
  Server s;
  std::string json = tmpdir() + "/low.json";
  auto r = sh(bench("-c 4 -t 2 --rate 1 -d 1s --json " + json + " " + s.base + "/bytes/8"), 30);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['sent']") == "1");
  auto half = sh(bench("-c 1 --rate 0.5 -d 1s " + s.base + "/bytes/8"), 30);
  CHECK_THAT(half.out, ContainsSubstring("0.5/s requested"));
}

TEST_CASE("bench: a connection the server closes while idle is replaced, not counted as lag",
          "[bench][honest][open][serial]") {
  // Each connection waits about a second between requests; the server closes
  // it after 0.1 s idle, so every request after the first needs a new one.
  // (One due while both are being replaced waits for a connect: that is real.)
  Server s("--keepalive-timeout 0.1");
  for (std::string proto : {"", "--http2-prior-knowledge"}) {
    INFO(proto);
    std::string json = tmpdir() + "/idle" + std::to_string(proto.size()) + ".json";
    long connections_before = s.stat("connections");
    auto r = sh(
        bench("-c 2 -t 1 --rate 2 -d 3s " + proto + " --json " + json + " " + s.base + "/bytes/8"),
        30);
    REQUIRE(r.exit_code == 0);
    CHECK(num(json, "d['counters']['sent']") >= 5);  // 6 due
    CHECK(num(json, "d['counters']['unsent']") <= 1);
    CHECK(field(json, "sum(d['counters']['errors'].values())") == "0");
    CHECK(field(json, "d['counters']['requests']") == field(json, "d['counters']['sent']"));
    check_accounting(json);
    // The requests came over new connections (the /stats requests count theirs).
    CHECK(s.stat("connections") - connections_before >= 4);
  }
}

TEST_CASE("bench: the header shows the threads and connections really used", "[bench][honest]") {
  Server s;
  std::string json = tmpdir() + "/header.json";
  auto r = sh(bench("-c 1 -t 4 -n 10 --json " + json + " " + s.base + "/bytes/8"), 30);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("(1 connections, 1 threads, closed model)"));
  // With a live line (a terminal, or --progress) the header comes first, on stderr.
  auto live = sh(bench("-c 1 -t 4 -n 10 --progress " + s.base + "/bytes/8"), 30);
  CHECK(live.err.starts_with("sluice bench: " + s.base + "/bytes/8 (1 connections, 1 threads"));
  CHECK(field(json, "d['threads']") == "1");
  auto shard = sh(bench("-c 5 -t 1 -n 10 --shard 1/2 " + s.base + "/bytes/8"), 30);
  CHECK_THAT(shard.out, ContainsSubstring("shard 1/2: 2 of 5 connections"));
  // With the JSON on stdout, the report goes to stderr.
  auto piped = sh(bench("-c 1 -n 5 --json - " + s.base + "/bytes/8"), 30);
  CHECK_THAT(piped.err, ContainsSubstring("sluice bench: "));
  CHECK_THAT(piped.out, ContainsSubstring("\"schema_version\""));
}

TEST_CASE("bench: --fail-if fails the run with exit 99 and names the condition",
          "[bench][honest][thresholds]") {
  Server s;
  std::string json = tmpdir() + "/thresholds.json";
  auto failed = sh(bench("-c 1 -n 50 --fail-if 'rps<100000000,errors>5' --json " + json + " " +
                         s.base + "/bytes/8"),
                   30);
  CHECK(failed.exit_code == 99);
  CHECK_THAT(failed.err, ContainsSubstring("rps<100000000"));
  CHECK_FALSE(failed.err.find("errors>5") != std::string::npos);
  CHECK(field(json, "d['counters']['requests']") == "50");  // the JSON is still written
  auto passed = sh(bench("-c 1 -n 50 --fail-if 'p99>60s,errors>1%' " + s.base + "/bytes/8"), 30);
  CHECK(passed.exit_code == 0);
  auto status = sh(bench("-c 1 -n 20 --fail-if 'errors>0' " + s.base + "/status/503"), 30);
  CHECK(status.exit_code == 99);
}

TEST_CASE("bench: --hgrm writes HdrHistogram's percentile distribution; the timeline adds up",
          "[bench][honest]") {
  Server s;
  std::string hgrm = tmpdir() + "/run.hgrm", json = tmpdir() + "/timeline.json";
  auto r = sh(bench("-c 2 -t 1 -d 2s --rate 300 --hgrm " + hgrm + " --json " + json + " " + s.base +
                    "/bytes/8"),
              30);
  REQUIRE(r.exit_code == 0);
  std::string text = slurp(hgrm);
  CHECK_THAT(text, ContainsSubstring("Value"));
  CHECK_THAT(text, ContainsSubstring("Percentile"));
  CHECK_THAT(text, ContainsSubstring("#[Mean"));
  CHECK(field(json, "sum(p['requests'] for p in d['timeline']['points'])") ==
        field(json, "d['counters']['requests']"));
  CHECK(num(json, "len(d['timeline']['points'])") >= 2);
  CHECK(num(json, "d['timeline']['points'][0]['p99_us']") > 0);
}

TEST_CASE("bench merge: checks its inputs and says what is missing", "[bench][merge]") {
  Server s;
  std::string a = tmpdir() + "/m0.json", b = tmpdir() + "/m1.json", m = tmpdir() + "/mm.json";
  std::string common = "-c 4 -t 2 -n 400 " + s.base + "/bytes/8";
  REQUIRE(sh(bench("--shard 0/3 --json " + a + " " + common)).exit_code == 0);
  REQUIRE(sh(bench("--shard 1/3 --json " + b + " " + common)).exit_code == 0);
  auto r = sh(bench("merge " + a + " " + b + " --json " + m));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, ContainsSubstring("shard(s) 2 of 3 missing"));
  CHECK(field(m, "'shard' in d") == "False");
  CHECK(field(m, "d['merged_shards']") == "[0, 1]");
  CHECK(num(m, "d['connections']") == num(a, "d['connections']") + num(b, "d['connections']"));
  CHECK(num(m, "d['threads']") == num(a, "d['threads']") + num(b, "d['threads']"));
  // A file whose counters disagree with its histogram is refused.
  std::string bad = tmpdir() + "/bad.json";
  sh(SLUICE_PYTHON3 " -c \"import json; d=json.load(open('" + b +
     "')); d['counters']['requests'] += 1; json.dump(d, open('" + bad + "', 'w'))\"");
  auto refused = sh(bench("merge " + a + " " + bad));
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, ContainsSubstring("histogram"));
  sh(SLUICE_PYTHON3 " -c \"import json; d=json.load(open('" + b +
     "')); d['histograms']['unit'] = 'ms'; json.dump(d, open('" + bad + "', 'w'))\"");
  CHECK(sh(bench("merge " + a + " " + bad)).exit_code == 2);
  // Shards that started far apart are merged with a warning.
  sh(SLUICE_PYTHON3 " -c \"import json; d=json.load(open('" + b +
     "')); d['start_ms'] += 5000; json.dump(d, open('" + bad + "', 'w'))\"");
  auto apart = sh(bench("merge " + a + " " + bad));
  CHECK(apart.exit_code == 0);
  CHECK_THAT(apart.err, ContainsSubstring("apart"));
}

TEST_CASE("bench: connection timings and what was negotiated, as h2load reports them",
          "[bench][honest]") {
  Server s("", true);
  std::string json = tmpdir() + "/conn.json";
  // -d, not -n: with a few requests the first connection could take them all,
  // and another would never see a response.
  auto r = sh(bench("-k -c 3 -t 1 -d 1s --json " + json + " " + s.base + "/bytes/8"), 30);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['connection']['protocol']") == "h2");
  CHECK(field(json, "d['connection']['tls_version']").starts_with("TLSv1."));
  CHECK(!field(json, "d['connection']['cipher']").empty());
  for (const char* t : {"setup", "connect", "tls_handshake", "first_response"}) {
    INFO(t);
    CHECK(field(json, std::string("d['connection']['") + t + "']['count']") == "3");
  }
  // First response comes after the set-up, which is the TCP connect and the
  // TLS handshake.
  CHECK(num(json, "d['connection']['first_response']['min_us']") >=
        num(json, "d['connection']['setup']['min_us']"));
  CHECK(num(json, "d['connection']['setup']['max_us']") >=
        num(json, "d['connection']['connect']['max_us']"));
  CHECK_THAT(r.out, ContainsSubstring("connections opened: 3, h2, TLSv1."));
  CHECK_THAT(r.out, ContainsSubstring("TLS handshake p50"));
  Server h1;
  auto plain = sh(bench("--http1.1 -c 1 -n 5 " + h1.base + "/bytes/8"), 30);
  CHECK_THAT(plain.out, ContainsSubstring("connections opened: 1, http/1.1\n"));
}
