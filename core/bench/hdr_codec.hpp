// HdrHistogram's standard V2 compressed encoding, the format of the
// `--json` histograms: what Java's encodeIntoCompressedByteBuffer (and
// HdrHistogram_c's hdr_log_encode, hdr-histogram-js's encodeIntoCompressedBase64)
// write, so existing HdrHistogram tools read sluice results and vice versa.
//
//   compressed: int32 cookie 0x1c849314 | int32 length | zlib(deflate(encoding))
//   encoding:   int32 cookie 0x1c849313 | int32 payload length | int32 normalizing
//               index offset (0) | int32 significant digits | int64 lowest |
//               int64 highest | double int-to-double ratio (1.0) | payload
//   payload:    counts up to the max value's index, each a ZigZag LEB128 varint
//               (at most 9 bytes); a run of n > 1 zero counts is written as -n.
// All integers big-endian. The 0x10 in the cookies is the "word size" nibble the
// reference implementations set; decoders compare the cookie with it masked off.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench/histogram.hpp"
#include "core/util/error.hpp"

namespace sluice::bench {

inline constexpr std::uint32_t kV2EncodingCookie = 0x1c849303 | 0x10;
inline constexpr std::uint32_t kV2CompressedCookie = 0x1c849304 | 0x10;

// The uncompressed V2 encoding (header + payload), and its inverse.
std::vector<std::uint8_t> encode_v2(const Histogram& h);
Result<Histogram> decode_v2(std::span<const std::uint8_t> bytes);

// The compressed wrapper around encode_v2 (zlib stream, default level).
Result<std::vector<std::uint8_t>> encode_compressed(const Histogram& h);
Result<Histogram> decode_compressed(std::span<const std::uint8_t> bytes);

// Base64 (standard alphabet, padded) of encode_compressed: "HISTFAAA...".
Result<std::string> encode_base64(const Histogram& h);
Result<Histogram> decode_base64(std::string_view text);

// Standard base64, exposed for the tests.
std::string base64_encode(std::span<const std::uint8_t> bytes);
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace sluice::bench
