// Compatibility for real: histograms sluice encodes are decoded by npm's
// hdr-histogram-js (its JS and its WebAssembly implementation), and histograms
// it encodes are decoded by sluice. The package is installed by
// `scripts/setup.sh --test` into build/node; without it (or node) these fail.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/bench/hdr_codec.hpp"
#include "core/bench/histogram.hpp"
#include "core/bench/histogram_spectrum.hpp"
#include "support.hpp"

using sluice::bench::Histogram;

namespace {

const std::string kNodeModules = std::string(SLUICE_SOURCE_DIR) + "/build/node/node_modules";

// The same deterministic samples on both sides (exact in JS doubles): dense
// small values, a spread over several decades, repeated counts, and values
// near the 1 h ceiling.
constexpr const char* kValuesJs = R"(
function samples(record) {
  for (let i = 0; i < 20000; i++) record((i * i * 37) % 500000000 + 1, 1);
  for (let i = 1; i <= 2000; i++) record(i, 3);
  record(3500000000, 2);
  record(3599999999, 1);
}
)";

void samples(Histogram& h) {
  for (std::int64_t i = 0; i < 20000; ++i) h.record((i * i * 37) % 500000000 + 1);
  for (std::int64_t i = 1; i <= 2000; ++i) h.record(i, 3);
  h.record(3500000000, 2);
  h.record(3599999999, 1);
}

// decode IMPL FILE: prints a flat JSON summary, writes the text distribution to FILE.dist.
// encode IMPL: prints the base64 of the samples recorded with hdr-histogram-js.
constexpr const char* kScript = R"(
const hdr = require('hdr-histogram-js');
const fs = require('fs');
const [mode, impl, file] = process.argv.slice(2);
const wasm = impl === 'wasm';
(async () => {
  if (wasm) await hdr.initWebAssembly();
  if (mode === 'decode') {
    const h = hdr.decodeFromCompressedBase64(fs.readFileSync(file, 'utf8').trim(), 32, wasm);
    const out = { totalCount: h.totalCount, min: h.minNonZeroValue, max: h.maxValue,
                  mean: h.mean, stdev: h.stdDeviation };
    for (const p of [50, 75, 90, 99, 99.9, 99.99, 100]) out['p' + p] = h.getValueAtPercentile(p);
    fs.writeFileSync(file + '.dist', h.outputPercentileDistribution());
    console.log(JSON.stringify(out));
  } else {
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600000000,
                          numberOfSignificantValueDigits: 3, useWebAssembly: wasm });
    samples((v, n) => h.recordValueWithCount(v, n));
    console.log(h.encodeIntoCompressedBase64());
  }
})().catch((e) => { console.error(e); process.exit(1); });
)";

std::string write_script() {
  const std::string path = e2e::tmpdir() + "/hdr_cross.js";
  std::ofstream(path) << kScript << kValuesJs;
  return path;
}

e2e::RunResult node(const std::string& args) {
  static const std::string script = write_script();
  auto r = e2e::sh("NODE_PATH='" + kNodeModules + "' node '" + script + "' " + args, 60);
  INFO("node stderr: " << r.err << "\n(hdr-histogram-js comes from `scripts/setup.sh --test`)");
  REQUIRE(r.exit_code == 0);
  return r;
}

// A number from flat JSON output: "key":123.4
double json_number(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  INFO("key " << key << " in " << json);
  REQUIRE(at != std::string::npos);
  return std::stod(json.substr(at + key.size() + 3));
}

struct Row {
  std::string value;
  double percentile = 0;
  long long count = 0;
};

// The numeric rows of an outputPercentileDistribution text (header and
// "#[" footer skipped).
std::vector<Row> spectrum_rows(const std::string& text) {
  std::vector<Row> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    Row r;
    if (line.starts_with("#") || !(cells >> r.value >> r.percentile >> r.count)) continue;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST_CASE("hdr-histogram-js is installed for the cross-decode tests", "[histogram]") {
  INFO("missing " << kNodeModules << "/hdr-histogram-js: run scripts/setup.sh --test");
  CHECK(e2e::sh("test -f '" + kNodeModules + "/hdr-histogram-js/package.json'").exit_code == 0);
}

TEST_CASE("hdr-histogram-js decodes what sluice encodes", "[histogram]") {
  Histogram h;
  samples(h);
  auto b64 = sluice::bench::encode_base64(h);
  REQUIRE(b64);
  const std::string file = e2e::tmpdir() + "/sluice.hdr";
  std::ofstream(file) << *b64;
  for (const char* impl : {"js", "wasm"}) {
    INFO("implementation " << impl);
    const auto out = node(std::string("decode ") + impl + " " + file).out;
    CHECK(json_number(out, "totalCount") == static_cast<double>(h.total_count()));
    CHECK(h.equivalent(static_cast<std::int64_t>(json_number(out, "min")), h.min()));
    CHECK(h.equivalent(static_cast<std::int64_t>(json_number(out, "max")), h.max()));
    for (double p : {50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      std::ostringstream key;
      key << "p" << p;
      INFO(key.str());
      CHECK(json_number(out, key.str()) == static_cast<double>(h.value_at_percentile(p)));
    }
    CHECK_THAT(json_number(out, "mean"), Catch::Matchers::WithinRel(h.mean(), 1e-9));
    CHECK_THAT(json_number(out, "stdev"), Catch::Matchers::WithinRel(h.stdev(), 1e-9));
    // The percentile spectrum: same points, values and counts. Compared as
    // numbers: hdr-histogram-js mis-formats some 1/(1-p) cells ("19.100" for
    // 19.99...), and rounds ties of the 12th percentile digit differently.
    auto theirs = spectrum_rows(e2e::slurp(file + ".dist"));
    auto ours = spectrum_rows(sluice::bench::format_percentile_distribution(h));
    REQUIRE(theirs.size() == ours.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      INFO("row " << i);
      CHECK(theirs[i].value == ours[i].value);
      CHECK_THAT(theirs[i].percentile, Catch::Matchers::WithinAbs(ours[i].percentile, 2e-12));
      CHECK(theirs[i].count == ours[i].count);
    }
  }
}

TEST_CASE("sluice decodes what hdr-histogram-js encodes", "[histogram]") {
  Histogram expected;
  samples(expected);
  for (const char* impl : {"js", "wasm"}) {
    INFO("implementation " << impl);
    const auto b64 = node(std::string("encode ") + impl).out;
    auto h = sluice::bench::decode_base64(b64);
    INFO((h ? std::string() : h.error().message));
    REQUIRE(h);
    CHECK(h->settings() == expected.settings());
    CHECK(std::ranges::equal(h->counts(), expected.counts()));
    CHECK(h->total_count() == expected.total_count());
    CHECK(h->value_at_percentile(99.9) == expected.value_at_percentile(99.9));
    CHECK(h->max() == expected.max());
  }
}
