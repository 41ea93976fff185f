#include "core/h2/huffman.hpp"

#include <array>
#include <cstdint>

namespace sluice::hpack {

namespace {

constexpr int kSymbols = 257;  // 256 byte values and EOS
constexpr int kEos = 256;
constexpr int kMinLength = 5, kMaxLength = 30;

// Code lengths in bits, by symbol: RFC 7541 Appendix B. The code is
// canonical (codes of one length are consecutive, in symbol order, and
// shorter codes come first), so the lengths alone define every code; the
// unit test checks codes the RFC lists against the ones derived here.
constexpr std::array<uint8_t, kSymbols> kLength = {
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 6,  10, 10, 12, 13, 6,  8,  11, 10, 10, 8,  11, 8,  6,  6,  6,
    5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8,  15, 6,  12, 10, 13, 6,  7,  7,  7,  7,  7,  7,
    7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8,  13, 19, 13, 14, 6,
    15, 5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5,  6,  7,  6,  5,  5,  6,  7,  7,
    7,  7,  7,  15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21,
    23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24,
    21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30};

struct Tables {
  std::array<uint32_t, kSymbols> code{};  // right-aligned, kLength[s] bits
  // Decoding, per length L: the first code of that length, how many there
  // are, and where their symbols start in `sorted` (symbols by (length, value)).
  std::array<uint32_t, kMaxLength + 1> first{}, count{}, offset{};
  std::array<uint16_t, kSymbols> sorted{};
  // Codes of at most 8 bits by their top byte: symbol and length (0: longer).
  std::array<uint16_t, 256> short_symbol{};
  std::array<uint8_t, 256> short_length{};
};

Tables build() {
  Tables t;
  for (int s = 0; s < kSymbols; ++s) ++t.count[kLength[s]];
  uint32_t code = 0;
  uint32_t at = 0;
  for (int len = kMinLength; len <= kMaxLength; ++len) {
    t.first[len] = code;
    t.offset[len] = at;
    for (int s = 0; s < kSymbols; ++s)
      if (kLength[s] == len) {
        t.code[s] = code++;
        t.sorted[at++] = static_cast<uint16_t>(s);
      }
    code <<= 1;
  }
  for (int s = 0; s < kSymbols; ++s) {
    int len = kLength[s];
    if (len > 8) continue;
    uint32_t top = t.code[s] << (8 - len);
    for (uint32_t low = 0; low < (1u << (8 - len)); ++low) {
      t.short_symbol[top | low] = static_cast<uint16_t>(s);
      t.short_length[top | low] = static_cast<uint8_t>(len);
    }
  }
  return t;
}

const Tables& tables() {
  static const Tables t = build();
  return t;
}

}  // namespace

std::size_t huffman_size(std::string_view s) {
  std::size_t bits = 0;
  for (unsigned char c : s) bits += kLength[c];
  return (bits + 7) / 8;
}

void huffman_encode(std::string_view s, std::string& out) {
  const Tables& t = tables();
  uint64_t acc = 0;  // pending bits, right-aligned
  int n = 0;
  for (unsigned char c : s) {
    acc = (acc << kLength[c]) | t.code[c];
    n += kLength[c];
    while (n >= 8) {
      n -= 8;
      out += static_cast<char>(acc >> n);
    }
    acc &= (uint64_t{1} << n) - 1;
  }
  if (n > 0) out += static_cast<char>((acc << (8 - n)) | (0xffu >> n));  // EOS prefix
}

namespace {

// Decodes into memory at p (room for in.size() * 8 / 5 bytes: the shortest
// code is 5 bits); p ends past the last byte written.
bool decode_into(std::string_view in, char*& p) {
  const Tables& t = tables();
  uint64_t bits = 0;  // left-aligned: the next bit is bit 63
  int have = 0;
  std::size_t at = 0;
  for (;;) {
    while (have <= 56 && at < in.size()) {
      bits |= uint64_t{static_cast<unsigned char>(in[at++])} << (56 - have);
      have += 8;
    }
    if (have == 0) return true;
    int len = t.short_length[bits >> 56];
    uint32_t sym = t.short_symbol[bits >> 56];
    if (len == 0) {
      uint32_t window = static_cast<uint32_t>(bits >> (64 - kMaxLength));
      for (len = 9; len <= kMaxLength; ++len) {
        uint32_t code = window >> (kMaxLength - len);
        if (code - t.first[len] < t.count[len]) {
          sym = t.sorted[t.offset[len] + code - t.first[len]];
          break;
        }
      }
    }
    if (len > have) {
      // The tail: at most 7 bits, all ones (a prefix of EOS).
      uint64_t mask = ~uint64_t{0} << (64 - have);
      return have <= 7 && (bits & mask) == mask;
    }
    if (sym == kEos) return false;
    *p++ = static_cast<char>(sym);
    bits <<= len;
    have -= len;
  }
}

}  // namespace

// Written through a pointer into room made up front, not appended byte by
// byte.
bool huffman_decode(std::string_view in, std::string& out) {
  std::size_t base = out.size();
  out.resize(base + in.size() * 8 / 5);
  char* p = out.data() + base;
  bool ok = decode_into(in, p);
  out.resize(static_cast<std::size_t>(p - out.data()));
  return ok;
}

}  // namespace sluice::hpack
