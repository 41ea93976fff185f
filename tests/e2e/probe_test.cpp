// e2e: `sluice udp-probe` on loopback. A closed port costs (almost) no CPU
// while the error queue is drained; a sender and a --listen receiver agree on
// the counts with zero loss at a modest rate, on IPv4 and IPv6.
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <regex>
#include <thread>

#include "support.hpp"

using namespace e2e;

namespace {

std::string probe(const std::string& args) {
  return std::string(sluice_bin()) + " udp-probe " + args;
}

// A number field of the one-line JSON report.
double field(const std::string& json, const std::string& key) {
  std::smatch m;
  REQUIRE(std::regex_search(json, m, std::regex("\"" + key + "\":(-?[0-9.]+)")));
  return std::stod(m[1]);
}

bool wait_for_log(const Process& p, const std::string& needle, int timeout_ms = 5000) {
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    if (p.log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void zero_loss(const std::string& listen_addr, const std::string& target) {
  constexpr int n = 2000;
  Process receiver(
      probe("--listen " + listen_addr + " --count " + std::to_string(n) + " --duration 15 --json"));
  REQUIRE(wait_for_log(receiver, "listening on"));

  auto sender =
      sh(probe(target + " --count " + std::to_string(n) + " --rate 2000 --linger 0.5 --json"), 30);
  INFO(sender.out << sender.err);
  REQUIRE(sender.exit_code == 0);
  CHECK(field(sender.out, "sent") == n);
  CHECK(field(sender.out, "send_errors") == 0);
  CHECK(field(sender.out, "received") == n);  // every echo came back
  CHECK(field(sender.out, "icmp_errors") == 0);

  REQUIRE(receiver.wait(20) == 0);
  std::string rjson = receiver.out();
  INFO(rjson);
  CHECK(field(rjson, "received") == n);
  CHECK(field(rjson, "bytes_received") == n * 64);
  CHECK(field(rjson, "sent") == n);
  CHECK(field(rjson, "echo_dropped") == 0);
}

}  // namespace

TEST_CASE("udp-probe to a closed port: drained, lingering costs under 10 % CPU",
          "[probe][serial]") {
  for (const char* target : {"127.0.0.1:1", "[::1]:1"}) {
    auto r = sh(probe(std::string(target) + " --count 1 --linger 1 --json"), 30);
    INFO(target << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(field(r.out, "sent") == 1);
    CHECK(field(r.out, "icmp_errors") == 1);
    CHECK(field(r.out, "errno") == 111);  // ECONNREFUSED
    CHECK(field(r.out, "wall_s") >= 1.0);
    // A property, with a generous margin: the spin would be close to 100 %.
    CHECK(field(r.out, "cpu_share") < 0.10);
  }
}

TEST_CASE("udp-probe --listen and a sender on 127.0.0.1 agree with zero loss", "[probe][serial]") {
  int port = free_port();
  zero_loss("127.0.0.1:" + std::to_string(port), "127.0.0.1:" + std::to_string(port));
}

TEST_CASE("udp-probe --listen and a sender on ::1 agree with zero loss", "[probe][serial]") {
  int port = free_port();
  zero_loss("[::1]:" + std::to_string(port), "[::1]:" + std::to_string(port));
}
