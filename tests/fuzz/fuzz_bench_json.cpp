// libFuzzer target "bench_json": `bench merge`'s reader of --json results
// (from_json), its writer (to_json) and merge_runs. Input: one result, or
// two separated by a NUL byte (merged as `bench merge A B` does).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bench/result_json.hpp"

namespace {

namespace bench = sluice::bench;
using Run = std::pair<bench::Results, bench::RunInfo>;

// What from_json accepts, to_json writes in a form from_json reads back to
// the same result: a merge's output can be merged again.
std::string check_round_trip(const Run& run) {
  std::string text = bench::to_json(run.first, run.second);
  auto again = bench::from_json(text);
  if (!again) __builtin_trap();
  if (bench::to_json(again->first, again->second) != text) __builtin_trap();
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nul = input.find('\0');
  auto a = bench::from_json(std::string(input.substr(0, nul)));
  if (!a) return 0;
  check_round_trip(*a);
  if (nul == std::string_view::npos) return 0;
  auto b = bench::from_json(std::string(input.substr(nul + 1)));
  if (!b) return 0;
  check_round_trip(*b);
  int64_t before = a->first.latency.total_count();
  if (!bench::merge_runs(*a, *b)) return 0;
  // Merged counts add up (when they fit), and the merge is a result too.
  int64_t sum = 0;
  if (!__builtin_add_overflow(before, b->first.latency.total_count(), &sum) &&
      a->first.latency.total_count() != sum)
    __builtin_trap();
  check_round_trip(*a);
  return 0;
}
