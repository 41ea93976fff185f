#include "core/serve/pattern.hpp"

#include <algorithm>
#include <array>

namespace sluice::serve {

namespace {
// One period of slack past the largest slice: any offset maps into it.
constexpr std::size_t kPeriod = kPatternAlphabet.size();
constexpr auto kTable = [] {
  std::array<char, kPatternMaxSlice + kPeriod> t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = kPatternAlphabet[i % kPeriod];
  return t;
}();
}  // namespace

std::string_view pattern_slice(uint64_t offset, std::size_t n) {
  n = std::min(n, kPatternMaxSlice);
  return std::string_view(kTable.data() + offset % kPeriod, n);
}

}  // namespace sluice::serve
