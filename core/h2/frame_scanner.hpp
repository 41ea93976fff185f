// Finds the frame headers in a client's HTTP/2 byte stream (after the 24-byte
// connection preface), without buffering it: the server session uses it to
// look at a frame's header while everything before that frame has been
// processed, and before nghttp2 acts on the frame.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::h2 {

struct FrameHeader {
  uint32_t length = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  int32_t stream = 0;
};

class FrameScanner {
 public:
  static constexpr std::size_t kPreface = 24;  // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
  static constexpr std::size_t kHeader = 9;

  struct Found {
    std::size_t last_byte;  // offset in the data of the header's final byte
    FrameHeader header;
  };

  // Scans data (the bytes after those of earlier calls) up to the next
  // complete frame header. Nothing found: all of data was payload, preface or
  // the start of a header, and the next call goes on from there.
  std::optional<Found> next(std::string_view data) {
    std::size_t at = 0;
    while (at < data.size()) {
      if (skip_ > 0) {
        std::size_t n = std::min<std::size_t>(skip_, data.size() - at);
        skip_ -= n;
        at += n;
        continue;
      }
      header_[have_++] = static_cast<uint8_t>(data[at]);
      if (have_ == kHeader) {
        have_ = 0;
        FrameHeader h = decode();
        skip_ = h.length;
        return Found{at, h};
      }
      ++at;
    }
    return std::nullopt;
  }

 private:
  FrameHeader decode() const {
    const auto& b = header_;
    FrameHeader h;
    h.length = (uint32_t{b[0]} << 16) | (uint32_t{b[1]} << 8) | b[2];
    h.type = b[3];
    h.flags = b[4];
    h.stream = static_cast<int32_t>(
        ((uint32_t{b[5]} << 24) | (uint32_t{b[6]} << 16) | (uint32_t{b[7]} << 8) | b[8]) &
        0x7fffffffu);
    return h;
  }

  std::size_t skip_ = kPreface;  // bytes that are no frame header: preface, then payloads
  std::array<uint8_t, kHeader> header_{};
  std::size_t have_ = 0;
};

}  // namespace sluice::h2
