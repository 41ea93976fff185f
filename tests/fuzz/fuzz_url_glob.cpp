// libFuzzer target "url_glob": `sluice get`'s URL globbing (UrlGlob: {a,b},
// [1-9], [a-z:2], escapes, IPv6 literals) and -o's "#N" (glob_file_name).
// Input: one URL. Expansion is bounded: at most kWalk of the URLs are made,
// the first ones, the last one and some spread between.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/url_glob.hpp"

namespace {

using sluice::cli::UrlGlob;

constexpr uint64_t kWalk = 64;

// The i-th URL is its glob values with the literal text between: -o "#1#2..."
// gives the values back, each glob once, in order.
void check_one(const UrlGlob& g, uint64_t i, std::size_t& globs) {
  std::vector<std::string> values;
  std::string url = g.at(i, &values);
  if (i == 0) globs = values.size();
  if (values.size() != globs) __builtin_trap();
  std::string tmpl, joined;
  for (std::size_t k = 0; k < values.size(); ++k) {
    tmpl += "#" + std::to_string(k + 1) + "\x01";
    joined += values[k] + "\x01";
  }
  if (sluice::cli::glob_file_name(tmpl, values) != joined) __builtin_trap();
  std::size_t total = 0;
  for (const auto& v : values) total += v.size();
  if (total > url.size() || g.at(i) != url) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 2048) return 0;
  std::string_view url(reinterpret_cast<const char*>(data), size);
  auto g = UrlGlob::parse(url);
  if (!g) return 0;
  // A URL makes at least one URL, and text without glob syntax makes itself.
  if (g->count() == 0) __builtin_trap();
  if (url.find_first_of("{}[]\\") == std::string_view::npos && (g->count() != 1 || g->at(0) != url))
    __builtin_trap();
  std::size_t globs = 0;
  uint64_t n = g->count();
  for (uint64_t i = 0; i < std::min(n, kWalk); ++i) check_one(*g, i, globs);
  uint64_t step = std::max<uint64_t>(1, n / kWalk);
  for (uint64_t i = kWalk; i < n && i < kWalk * step; i += step) check_one(*g, i, globs);
  check_one(*g, n - 1, globs);
  return 0;
}
