// e2e: `sluice bench` against `sluice serve` on loopback: counts agree with the
// server's own, the open model corrects for coordinated omission, shards merge
// exactly, and bad input fails before any load is sent. Every run is bounded.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_helpers.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("bench counts equal the server's for h1, h1 pipelined, h2 and no keep-alive", "[bench]") {
  Server s;
  struct Case {
    const char* name;
    std::string flags;
  };
  for (const auto& c : {Case{"h1", "-c 4 -t 2"}, Case{"h1 pipelined", "-c 2 -t 1 -m 8"},
                        Case{"h2 multiplexed", "-c 2 -t 2 -m 10 --http2-prior-knowledge"},
                        Case{"no keep-alive", "-c 4 -t 1 --no-keepalive"}}) {
    INFO(c.name);
    std::string json = tmpdir() + "/counts.json";
    long before = server_requests(s);
    auto r = sh(bench(c.flags + " -n 2000 --json " + json + " " + s.base + "/bytes/64"), 120);
    REQUIRE(r.exit_code == 0);
    long after = server_requests(s);
    CHECK(field(json, "d['counters']['requests']") == "2000");
    CHECK(field(json, "d['counters']['status']['200']") == "2000");
    CHECK(after - before - 1 == 2000);  // minus our own /stats request
    if (std::string(c.name) == "no keep-alive")
      CHECK(field(json, "d['counters']['connections']") == "2000");
    CHECK_THAT(r.out, ContainsSubstring("requests: 2000"));
  }
}

TEST_CASE("bench open model: corrected percentiles show a stall that uncorrected ones hide",
          "[bench][open][serial]") {
  Server s;
  std::string json = tmpdir() + "/open.json";
  Process b(bench("-c 2 -t 1 --rate 200 -d 4s --timeout 10s --json " + json + " " + s.base +
                  "/bytes/10"));
  // The stall starts once the server has answered half a second of the load
  // (100 requests at 200/s, not counting our own /stats requests), however
  // long the bench took to start.
  REQUIRE(s.wait_requests(100));
  ::kill(s.proc.pid(), SIGSTOP);  // the server stalls for a second mid-run
  // The stall is what is measured, so this sleep is its length, not a wait for
  // anything. A longer one (a slow machine) only makes the stall longer: more
  // corrected latency, the same uncorrected latency, the same load sent.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ::kill(s.proc.pid(), SIGCONT);
  CHECK(b.running());  // the stall fell inside the run, not after it
  REQUIRE(b.wait(60) == 0);
  long corrected_p90 = std::stol(field(json, "d['summary']['latency_corrected']['p90_us']"));
  long uncorrected_p90 = std::stol(field(json, "d['summary']['latency']['p90_us']"));
  INFO("p90 corrected " << corrected_p90 << " us, uncorrected " << uncorrected_p90 << " us");
  CHECK(corrected_p90 > 200000);    // about a quarter of the run waited up to a second
  CHECK(uncorrected_p90 < 100000);  // only the requests in flight saw the stall
  CHECK(std::stol(field(json, "d['counters']['requests']")) > 600);
}

TEST_CASE("bench merge of two shards equals one run; mismatched configurations are refused",
          "[bench][merge]") {
  Server s;
  std::string a = tmpdir() + "/shard0.json", b = tmpdir() + "/shard1.json",
              m = tmpdir() + "/merged.json";
  std::string common = "-c 4 -t 1 -n 1001 " + s.base + "/bytes/32";
  REQUIRE(sh(bench("--shard 0/2 --json " + a + " " + common)).exit_code == 0);
  REQUIRE(sh(bench("--shard 1/2 --json " + b + " " + common)).exit_code == 0);
  CHECK(field(a, "d['counters']['requests']") == "501");
  CHECK(field(b, "d['counters']['requests']") == "500");
  auto r = sh(bench("merge " + a + " " + b + " --json " + m));
  REQUIRE(r.exit_code == 0);
  CHECK(field(m, "d['counters']['requests']") == "1001");
  CHECK(field(m, "d['merged_shards']") == "[0, 1]");
  // The merged histogram holds every sample.
  CHECK(field(m, "d['summary']['latency']['count']") == "1001");
  auto twice = sh(bench("merge " + a + " " + a));
  CHECK(twice.exit_code == 2);
  std::string other = tmpdir() + "/other.json";
  REQUIRE(sh(bench("--shard 1/2 -c 6 -t 1 -n 1001 --json " + other + " " + s.base + "/bytes/32"))
              .exit_code == 0);
  auto mismatch = sh(bench("merge " + a + " " + other));
  CHECK(mismatch.exit_code == 2);
  CHECK_THAT(mismatch.err, ContainsSubstring("different test configurations"));
}

TEST_CASE("bench refuses bad input before sending load", "[bench][exit]") {
  Server s;
  auto code = [](const std::string& args) { return sh(bench(args), 30).exit_code; };
  CHECK(code("'http://[::1/'") == 3);
  CHECK(code("ftp://127.0.0.1/") == 1);
  CHECK(code("-c 0 " + s.base + "/") == 2);
  CHECK(code("--rate 100 " + s.base + "/") == 2);  // an open model needs -d or -n
  CHECK(code("http://127.0.0.1:" + std::to_string(free_port()) + "/") == 7);
  CHECK(code("-d 1x " + s.base + "/") == 2);
  CHECK(code("--shard 2/2 " + s.base + "/") == 2);
}

TEST_CASE("bench keeps going and reports when the target dies mid-run", "[bench]") {
  auto s = std::make_unique<Server>();
  std::string base = s->base, json = tmpdir() + "/dies.json";
  Process b(bench("-c 4 -t 1 -d 3s --timeout 1s --json " + json + " " + base + "/bytes/10"));
  // The server dies once the bench's load reaches it (100 requests besides our
  // own /stats ones), while the run still has most of its 3 s to go.
  REQUIRE(s->wait_requests(100));
  REQUIRE(b.running());
  s.reset();  // the server is killed
  REQUIRE(b.wait(30) == 0);
  CHECK(std::stol(field(json, "d['counters']['requests']")) > 0);
  long errors = std::stol(field(json, "sum(d['counters']['errors'].values())"));
  CHECK(errors > 0);
}
