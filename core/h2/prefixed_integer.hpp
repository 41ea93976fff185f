// RFC 7541 5.1's prefixed integer, which HPACK and QPACK (RFC 9204 4.1.1)
// both use: flags in the first byte's top bits, the value in its low
// prefix_bits, and 7 bits per byte after while the top bit is set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::hpack {

// Appends v after flags (built in a few bytes, then appended at once).
inline void append_prefixed_integer(std::string& out, uint8_t flags, int prefix_bits, uint64_t v) {
  uint64_t max_prefix = (uint64_t{1} << prefix_bits) - 1;
  char bytes[12];
  std::size_t n = 0;
  if (v < max_prefix) {
    bytes[n++] = static_cast<char>(flags | v);
  } else {
    bytes[n++] = static_cast<char>(flags | max_prefix);
    for (v -= max_prefix; v >= 0x80; v >>= 7) bytes[n++] = static_cast<char>(0x80 | (v & 0x7f));
    bytes[n++] = static_cast<char>(v);
  }
  out.append(bytes, n);
}

// Reads one from in at `at` (advancing it). False when it is cut short or
// over 2^32: no index, length or table size is larger, and five
// continuation bytes already exceed it (more would be 0x80 padding pushing
// the shift past 63, which is undefined).
inline bool read_prefixed_integer(std::string_view in, std::size_t& at, int prefix_bits,
                                  uint64_t& value) {
  constexpr uint64_t kMaxInteger = uint64_t{1} << 32;
  if (at >= in.size()) return false;
  uint64_t max_prefix = (uint64_t{1} << prefix_bits) - 1;
  value = static_cast<uint8_t>(in[at++]) & max_prefix;
  if (value < max_prefix) return true;
  for (int shift = 0; at < in.size() && shift <= 28; shift += 7) {
    uint8_t b = static_cast<uint8_t>(in[at++]);
    value += uint64_t{b & 0x7fu} << shift;
    if (value > kMaxInteger) return false;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace sluice::hpack
