// libFuzzer target "hdr_histogram": the HdrHistogram V2 decoders `bench
// merge` reads histograms with (decode_v2, decode_compressed, decode_base64).
// Input: a byte that picks the form (0: raw V2 encoding, 1: compressed, 2:
// base64 text), then the bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bench/hdr_codec.hpp"

namespace {

namespace bench = sluice::bench;

bool same(const bench::Histogram& a, const bench::Histogram& b) {
  auto ca = a.counts(), cb = b.counts();
  return a.settings() == b.settings() && a.total_count() == b.total_count() &&
         std::equal(ca.begin(), ca.end(), cb.begin(), cb.end());
}

// A histogram that decodes holds what its counts add up to, and encodes
// (raw, compressed, base64) to forms that decode to it again.
void check(const bench::Histogram& h) {
  int64_t sum = 0;
  for (int64_t c : h.counts()) {
    if (c < 0 || __builtin_add_overflow(sum, c, &sum)) __builtin_trap();
  }
  if (sum != h.total_count()) __builtin_trap();
  if (h.total_count() > 0 && h.min() > h.max()) __builtin_trap();
  auto raw = bench::decode_v2(bench::encode_v2(h));
  if (!raw || !same(*raw, h)) __builtin_trap();
  auto text = bench::encode_base64(h);
  if (!text) __builtin_trap();
  auto back = bench::decode_base64(*text);
  if (!back || !same(*back, h)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> bytes(data + 1, size - 1);
  sluice::Result<bench::Histogram> h;
  switch (data[0] % 3) {
    case 0:
      h = bench::decode_v2(bytes);
      break;
    case 1:
      h = bench::decode_compressed(bytes);
      break;
    default:
      h = bench::decode_base64(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  if (h) check(*h);
  return 0;
}
