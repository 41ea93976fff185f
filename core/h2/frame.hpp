// HTTP/2 frame vocabulary (RFC 9113 6, 7 and 11): types, flags, settings and
// error codes, and the 9-byte frame header, for the server's own framing
// layer. (The client side speaks through nghttp2, which has its own names.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::h2 {

enum FrameType : uint8_t {
  kData = 0,
  kHeaders = 1,
  kPriority = 2,
  kRstStream = 3,
  kSettings = 4,
  kPushPromise = 5,
  kPing = 6,
  kGoaway = 7,
  kWindowUpdate = 8,
  kContinuation = 9,
};

enum Flag : uint8_t {
  kEndStream = 0x1,
  kAck = 0x1,
  kEndHeaders = 0x4,
  kPadded = 0x8,
  kPriorityFlag = 0x20,
};

enum Setting : uint16_t {
  kHeaderTableSize = 1,
  kEnablePush = 2,
  kMaxConcurrentStreams = 3,
  kInitialWindowSize = 4,
  kMaxFrameSize = 5,
  kMaxHeaderListSize = 6,
  kNoRfc7540Priorities = 9,
};

enum ErrorCode : uint32_t {
  kNoError = 0,
  kProtocolError = 1,
  kInternalError = 2,
  kFlowControlError = 3,
  kSettingsTimeout = 4,
  kStreamClosed = 5,
  kFrameSizeError = 6,
  kRefusedStream = 7,
  kCancel = 8,
  kCompressionError = 9,
  kConnectError = 10,
  kEnhanceYourCalm = 11,
  kInadequateSecurity = 12,
  kHttp11Required = 13,
};

inline constexpr std::size_t kFrameHeaderSize = 9;
inline constexpr uint32_t kDefaultWindow = 65535;
inline constexpr uint32_t kMaxWindow = 0x7fffffff;
inline constexpr uint32_t kMinMaxFrameSize = 16384, kMaxMaxFrameSize = (1u << 24) - 1;

inline uint32_t read_u32(const char* p) {
  auto b = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// The payload length in a frame header's first three bytes.
inline std::size_t frame_length(const char* header) {
  auto b = reinterpret_cast<const uint8_t*>(header);
  return (std::size_t{b[0]} << 16) | (std::size_t{b[1]} << 8) | b[2];
}

inline void write_u32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

inline void write_frame_header(char* p, std::size_t length, uint8_t type, uint8_t flags,
                               int32_t stream) {
  p[0] = static_cast<char>(length >> 16);
  p[1] = static_cast<char>(length >> 8);
  p[2] = static_cast<char>(length);
  p[3] = static_cast<char>(type);
  p[4] = static_cast<char>(flags);
  write_u32(p + 5, static_cast<uint32_t>(stream));
}

// Appends a whole frame: header and payload.
inline void append_frame(std::string& out, uint8_t type, uint8_t flags, int32_t stream,
                         std::string_view payload = {}) {
  char h[kFrameHeaderSize];
  write_frame_header(h, payload.size(), type, flags, stream);
  out.append(h, sizeof h);
  out.append(payload);
}

}  // namespace sluice::h2
