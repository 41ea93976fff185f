// The body of /bytes/N and /drip: byte i is kPatternAlphabet[i % 36].
// Deterministic and position-dependent, so a test recomputes the sha256 of
// any prefix or range, e.g. in python:
//   bytes(A[i % 36] for i in range(first, last + 1))
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::serve {

inline constexpr std::string_view kPatternAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::size_t kPatternMaxSlice = 16 * 1024;

// n (<= kPatternMaxSlice) bytes of the pattern starting at absolute offset.
std::string_view pattern_slice(uint64_t offset, std::size_t n);

}  // namespace sluice::serve
