#include "cli/progress.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cmath>
#include <limits>

#include "cli/get_trace.hpp"
#include "core/fetch/speed_check.hpp"

using sluice::cli::ProgressMeter;

TEST_CASE("size5: plain byte counts below 100000", "[progress]") {
  CHECK(ProgressMeter::size5(0) == "    0");
  CHECK(ProgressMeter::size5(999) == "  999");
  CHECK(ProgressMeter::size5(12345) == "12345");
  CHECK(ProgressMeter::size5(99999) == "99999");
}

TEST_CASE("size5: curl's units, truncated", "[progress]") {
  constexpr uint64_t K = 1024, M = K * K, G = M * K, T = G * K;
  CHECK(ProgressMeter::size5(100000) == "  97k");  // 97.66k: curl never shows tenths of a k
  CHECK(ProgressMeter::size5(512 * K) == " 512k");
  CHECK(ProgressMeter::size5(M) == "1024k");
  CHECK(ProgressMeter::size5(10000 * K - 1) == "9999k");
  CHECK(ProgressMeter::size5(10240000) == " 9.7M");  // 9.77M
  CHECK(ProgressMeter::size5(12345678) == "11.7M");  // 11.77M
  CHECK(ProgressMeter::size5(100 * M) == " 100M");
  CHECK(ProgressMeter::size5(G) == "1024M");
  CHECK(ProgressMeter::size5(10000 * M) == " 9.7G");
  CHECK(ProgressMeter::size5(5632 * G) == "5632G");
  CHECK(ProgressMeter::size5(99 * T) == "  99T");
}

TEST_CASE("size5: always five characters", "[progress][bug]") {
  // The column layout of the meter depends on it.
  constexpr uint64_t K = 1024, M = K * K;
  auto bytes = GENERATE(uint64_t{0}, uint64_t{1}, uint64_t{99999}, uint64_t{100000}, 10000 * K - 1,
                        10000 * K, 100 * M - 1, 100 * M, 10000 * M - 1, uint64_t{1} << 50,
                        uint64_t{1} << 60, UINT64_MAX);
  INFO(bytes << " -> '" << ProgressMeter::size5(bytes) << "'");
  CHECK(ProgressMeter::size5(bytes).size() == 5);
}

TEST_CASE("hms: curl's eight columns", "[progress]") {
  CHECK(ProgressMeter::hms(1) == " 0:00:01");
  CHECK(ProgressMeter::hms(7) == " 0:00:07");
  CHECK(ProgressMeter::hms(59) == " 0:00:59");
  CHECK(ProgressMeter::hms(60) == " 0:01:00");
  CHECK(ProgressMeter::hms(3599) == " 0:59:59");
  CHECK(ProgressMeter::hms(3661) == " 1:01:01");
  CHECK(ProgressMeter::hms(99 * 3600 + 3599) == "99:59:59");
}

TEST_CASE("hms: days and hours past 99 hours", "[progress]") {
  CHECK(ProgressMeter::hms(100 * 3600 + 5) == "  4d 04h");
  CHECK(ProgressMeter::hms(999 * 86400 + 23 * 3600) == "999d 23h");
  CHECK(ProgressMeter::hms(1000 * 86400) == "   1000d");
  CHECK(ProgressMeter::hms(INT64_MAX) == "9999999d");  // capped to its eight columns
}

TEST_CASE("hms: none is unknown", "[progress]") {
  // curl shows whole seconds, and none spent yet (a sub-second transfer) as unknown.
  CHECK(ProgressMeter::hms(0) == "--:--:--");
  CHECK(ProgressMeter::hms(-1) == "--:--:--");
}

TEST_CASE("table_line: the lines curl prints for the same transfer", "[progress]") {
  // curl 7.88 and 8.14 fetching 1024 bytes dripped over about a second.
  ProgressMeter meter(false);
  sluice::fetch::Progress p;
  p.download_total = 1024;
  p.downloaded = 928;
  p.elapsed = 0.908;
  CHECK(meter.table_line(p) ==
        " 90  1024   90   928    0     0   1022      0  0:00:01 --:--:--  0:00:01  1022");
  p.downloaded = 1024;
  p.elapsed = 1.0085;
  p.final = true;
  CHECK(meter.table_line(p) ==
        "100  1024  100  1024    0     0   1015      0  0:00:01  0:00:01 --:--:--  1015");
}

TEST_CASE("table_line: Current Speed covers the last five seconds", "[progress]") {
  ProgressMeter meter(false);
  sluice::fetch::Progress p;
  std::string line;
  for (int half = 1; half <= 16; ++half) {  // 1000 B/s for 4 s, then 2000 B/s
    p.elapsed = half / 2.0;
    p.downloaded =
        p.elapsed <= 4 ? uint64_t(p.elapsed * 1000) : uint64_t(4000 + (p.elapsed - 4) * 2000);
    line = meter.table_line(p);
  }
  // At 8 s: (12000 - 3000) bytes since the sample at 3 s, over 5 s.
  CHECK(line.substr(line.size() - 5) == " 1800");
}

TEST_CASE("table_line: a download of unknown length reads 100% of what has come", "[progress]") {
  // curl counts an unknown size as the bytes so far: "100  292k    0  292k ..."
  ProgressMeter meter(false);
  sluice::fetch::Progress p;
  p.downloaded = 300000;
  p.elapsed = 0.5;
  CHECK(meter.table_line(p) ==
        "100  292k    0  292k    0     0   585k      0 --:--:-- --:--:-- --:--:--  585k");
}

TEST_CASE("table_line: an upload and its response", "[progress]") {
  // As curl -T 1 MiB answered by 37 bytes: both directions at 100%, speeds apart.
  ProgressMeter meter(false);
  sluice::fetch::Progress p;
  p.upload_total = p.uploaded = 1 << 20;
  p.download_total = p.downloaded = 37;
  p.elapsed = 0.25;
  CHECK(meter.table_line(p) ==
        "100 1024k  100    37  100 1024k    148  4096k --:--:-- --:--:-- --:--:-- 4096k");
}

TEST_CASE("table_line: Total and Left from the slower direction", "[progress]") {
  ProgressMeter meter(false);
  sluice::fetch::Progress p;
  p.download_total = 10000;
  p.downloaded = 1000;  // 500 B/s: 20 s in all
  p.upload_total = 3000;
  p.uploaded = 100;  // 50 B/s: 60 s in all, 58 left
  p.elapsed = 2;
  auto line = meter.table_line(p);
  CHECK(line.substr(46, 26) == " 0:01:00  0:00:02  0:00:58");
}

TEST_CASE("SpeedCheck: curl's low-speed rule over the last five seconds", "[progress][speed]") {
  using sluice::Millis;
  using sluice::fetch::SpeedCheck;
  sluice::TimePoint t0{};
  auto at = [&](int ms) { return t0 + Millis(ms); };
  SECTION("a stall from the start ends after the time, not before") {
    SpeedCheck c(100, Millis(3000));
    c.start(t0, 0);
    CHECK_FALSE(c.too_slow(at(1000), 0, false));
    CHECK_FALSE(c.too_slow(at(2000), 50, false));
    CHECK(c.too_slow(at(3000), 60, false));
  }
  SECTION("fast enough resets the clock; the window is five seconds") {
    SpeedCheck c(100, Millis(2000));
    c.start(t0, 0);
    uint64_t moved = 0;
    for (int s = 1; s <= 5; ++s) CHECK_FALSE(c.too_slow(at(s * 1000), moved += 1000, false));
    // Stalled from 5 s: the window still holds fast seconds until 9 s.
    for (int s = 6; s <= 9; ++s) CHECK_FALSE(c.too_slow(at(s * 1000), moved, false));
    CHECK_FALSE(c.too_slow(at(10000), moved, false));  // nothing in five seconds: slow from here
    CHECK_FALSE(c.too_slow(at(11000), moved, false));
    CHECK(c.too_slow(at(12000), moved, false));
  }
  SECTION("a transfer held back by its consumer is not judged") {
    SpeedCheck c(100, Millis(1000));
    c.start(t0, 0);
    for (int s = 1; s <= 10; ++s) CHECK_FALSE(c.too_slow(at(s * 1000), 0, true));
    CHECK_FALSE(c.too_slow(at(11000), 0, false));  // slow from here
    CHECK(c.too_slow(at(12000), 0, false));
  }
  SECTION("counts that go back (a retry started over) are no negative speed") {
    SpeedCheck c(1, Millis(5000));
    c.start(t0, 5000);
    CHECK_FALSE(c.too_slow(at(1000), 0, false));
  }
}

TEST_CASE("trace_block: curl's --trace and --trace-ascii dumps", "[progress][trace]") {
  using sluice::cli::trace_block;
  using sluice::cli::TraceStyle;
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  CHECK(trace_block("=> Send header", head, TraceStyle::ascii) ==
        "=> Send header, 27 bytes (0x1b)\n"
        "0000: GET / HTTP/1.1\n"
        "0010: Host: h\n"
        "0019: \n");
  CHECK(trace_block("<= Recv data", std::string("a\0b\xff", 4), TraceStyle::hex) ==
        "<= Recv data, 4 bytes (0x4)\n"
        "0000: 61 00 62 ff                                     a.b.\n");
  // 64 characters a line; a CRLF right at the width ends that line.
  std::string wide = std::string(64, 'x') + "\r\n" + std::string(70, 'y');
  CHECK(trace_block("<= Recv data", wide, TraceStyle::ascii) ==
        "<= Recv data, 136 bytes (0x88)\n"
        "0000: " +
            std::string(64, 'x') +
            "\n"
            "0042: " +
            std::string(64, 'y') +
            "\n"
            "0082: yyyyyy\n");
  CHECK(trace_block("=> Send data", std::string(17, 'z'), TraceStyle::hex) ==
        "=> Send data, 17 bytes (0x11)\n"
        "0000: 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a zzzzzzzzzzzzzzzz\n"
        "0010: 7a                                              z\n");
}
