// e2e: `sluice bench report` turns real bench results into one HTML page that
// headless Chromium (from `scripts/setup.sh --test`) really draws: its script
// runs, and every chart has one non-empty line per run, with axis labels. The
// page must need nothing from the network, and bad input must leave no page.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <filesystem>
#include <regex>
#include <set>
#include <utility>

#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

std::string sluice(const std::string& args) {
  return std::string(sluice_bin()) + " " + args;
}

// The page's DOM after its scripts ran. Without these flags Chromium reaches for
// the network (component updates, sync, QUIC probes), which is closed here.
std::string rendered_dom(const std::string& html_path) {
  std::string profile = tmpdir() + "/chromium-profile";
  auto r =
      sh("timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic "
         "--no-first-run --disable-background-networking --disable-component-update "
         "--disable-sync --user-data-dir=" +
             profile + " --dump-dom 'file://" + html_path + "' 2>/dev/null",
         120);
  INFO("chromium comes from `scripts/setup.sh --test`");
  REQUIRE(r.exit_code == 0);
  sh("rm -rf '" + profile + "'");
  return r.out;
}

// (run, kind) of every chart line the script drew through two points or more.
std::set<std::pair<int, std::string>> drawn_lines(const std::string& dom) {
  static const std::regex line(
      R"re(<path class="series" data-run="(\d+)" data-kind="([a-z0-9-]+)"[^>]*? d="(M[^"]+)")re");
  std::set<std::pair<int, std::string>> out;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), line); it != std::sregex_iterator();
       ++it)
    if ((*it)[3].str().find('L') != std::string::npos) out.emplace(std::stoi((*it)[1]), (*it)[2]);
  return out;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A copy of a result with a per-second timeline and a measured window, as
// newer `sluice bench --json` writes them (hand-made: this bench has none yet),
// and a URL that would end the page's data block if it were not escaped.
void add_timeline(const std::string& from, const std::string& to) {
  auto r = sh(SLUICE_PYTHON3 " -c \"import json; d=json.load(open('" + from +
              "')); d['config']['urls'][0] += '?</script><i>x</i>'; "
              "d['window_us']=3000000; d['timeline']={'interval_ms': 1000, 'points': ["
              "{'t_s': 0, 'requests': 900, 'errors': 0, 'p50_us': 110, 'p99_us': 950}, "
              "{'t_s': 1, 'requests': 1100, 'errors': 3, 'p50_us': 120, 'p99_us': 2400}, "
              "{'t_s': 2, 'requests': 1000, 'errors': 1, 'p50_us': None, 'p99_us': None}]}; "
              "json.dump(d, open('" +
              to + "', 'w'))\"");
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("bench report draws closed, open-model and timeline runs in a self-contained page",
          "[bench][report]") {
  Server s;
  std::string dir = tmpdir() + "/report", a = dir + "/closed.json", b = dir + "/open.json",
              c = dir + "/timeline.json", page = dir + "/r.html",
              old = std::string(SLUICE_SOURCE_DIR) + "/tests/e2e/data/bench_result.json";
  std::filesystem::create_directories(dir);
  REQUIRE(sh(sluice("bench -n 2000 -c 2 -t 1 --json " + a + " " + s.base + "/bytes/64"), 120)
              .exit_code == 0);
  REQUIRE(
      sh(sluice("bench --rate 500 -d 2s -c 2 -t 1 --json " + b + " " + s.base + "/bytes/64"), 120)
          .exit_code == 0);
  add_timeline(a, c);
  // The last file is a schema-1 result from before the timeline.
  auto r = sh(sluice("bench report " + a + " " + b + " " + c + " " + old + " -o " + page));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string html = slurp(page);
  REQUIRE(!html.empty());

  {  // The page loads nothing from elsewhere. Its data holds the benchmarked URLs.
    auto data = html.find("id=\"bench-data\"");
    REQUIRE(data != std::string::npos);
    std::string page_only = html.substr(0, data) + html.substr(html.find("</script>", data));
    for (const char* ref : {"http://", "https://", "//cdn", "src=", "<link", "@import", "url("}) {
      INFO(ref);
      CHECK(page_only.find(ref) == std::string::npos);
    }
  }

  {  // Chromium draws every chart, one line per run, with labelled axes.
    std::string dom = rendered_dom(page);
    REQUIRE_THAT(dom, ContainsSubstring("data-rendered=\"ok\""));
    auto lines = drawn_lines(dom);
    for (int run : {0, 1, 2}) CHECK(lines.contains({run, "spectrum"}));
    // Only the open-model run has latency from due time.
    CHECK(lines.contains({1, "spectrum-corrected"}));
    CHECK(!lines.contains({0, "spectrum-corrected"}));
    CHECK(lines.contains({1, "co-due"}));
    CHECK(lines.contains({1, "co-send"}));
    CHECK(count_of(dom, "data-chart=\"corrected\"") == 1);
    // Runs have a timeline (the real open-model run and the hand-made one draw
    // it); the schema-1 file has none and says so in its place.
    for (const char* kind : {"rate", "errors", "p99", "p50"}) {
      INFO(kind);
      CHECK(lines.contains({2, kind}));
      CHECK(!lines.contains({3, kind}));
    }
    CHECK(lines.contains({1, "rate"}));
    CHECK(count_of(dom, ": no timeline in this file</p>") == 1);
    // Axis ticks: percentiles on x, latency with units on y; legends name the files.
    for (const char* tick : {">90%</text>", ">99%</text>", ">max</text>", " ms</text>"}) {
      INFO(tick);
      CHECK(dom.find(tick) != std::string::npos);
    }
    for (const char* label : {">closed.json</button>", ">open.json</button>", ">timeline.json<"})
      CHECK(dom.find(label) != std::string::npos);
    // Summary cards: the requests of the closed run, a rate from window_us.
    CHECK_THAT(dom, ContainsSubstring("<b>2,000</b><span>requests</span>"));
    CHECK_THAT(dom, ContainsSubstring("<b>667/s</b><span>in 3 s</span>"));
    CHECK_THAT(dom, ContainsSubstring("?&lt;/script&gt;&lt;i&gt;x&lt;/i&gt;</p>"));
  }
}

TEST_CASE("bench report refuses bad input and leaves no page", "[bench][report]") {
  std::string dir = tmpdir() + "/report-bad", page = dir + "/r.html";
  std::filesystem::create_directories(dir);
  std::string good = dir + "/good.json";
  add_timeline(std::string(SLUICE_SOURCE_DIR) + "/tests/e2e/data/bench_result.json", good);
  auto report = [&](const std::string& files) {
    return sh(sluice("bench report " + files + " -o " + page), 30);
  };
  struct Case {
    std::string file, content, message;
  };
  for (const auto& c :
       {Case{dir + "/missing.json", "", "cannot read"},
        Case{dir + "/text.json", "hello", "not JSON"},
        Case{dir + "/other.json", R"({"schema_version": 7})", "not a sluice bench result"},
        Case{dir + "/partial.json", R"({"schema_version": 1, "config": {}, "counters": {}})",
             "counters.requests is missing"}}) {
    INFO(c.file);
    if (!c.content.empty()) sh("printf '%s' '" + c.content + "' > " + c.file);
    auto r = report(good + " " + c.file);
    CHECK(r.exit_code == 2);
    CHECK(count_of(r.err, "\n") == 1);
    CHECK_THAT(r.err, ContainsSubstring(c.file + ": " + c.message));
    CHECK(!std::filesystem::exists(page));
    CHECK(!std::filesystem::exists(page + ".partial"));
  }
  auto no_output = sh(sluice("bench report " + good), 30);
  CHECK(no_output.exit_code == 2);
  CHECK_THAT(no_output.err, ContainsSubstring("-o FILE is required"));
  auto to_stdout = sh(sluice("bench report " + good + " -o -"), 30);
  CHECK(to_stdout.exit_code == 0);
  CHECK(to_stdout.out.starts_with("<!DOCTYPE html>"));
  CHECK(sh(sluice("bench -o " + page + " http://127.0.0.1:9/"), 30).exit_code == 2);
}
