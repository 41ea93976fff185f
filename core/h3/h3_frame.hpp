// HTTP/3 framing (RFC 9114 7) and QUIC's variable-length integers (RFC 9000
// 16): the frame, stream and setting types and the error codes the server's
// own HTTP/3 layer reads and writes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::h3 {

namespace frame_type {
inline constexpr uint64_t kData = 0x00, kHeaders = 0x01, kCancelPush = 0x03, kSettings = 0x04,
                          kPushPromise = 0x05, kGoaway = 0x07, kMaxPushId = 0x0d;
}  // namespace frame_type

// HTTP/2's frame types that HTTP/3 reserves: receiving one is an error (7.2.8).
constexpr bool h2_only_frame(uint64_t type) {
  return type == 0x02 || type == 0x06 || type == 0x08 || type == 0x09;
}

namespace uni_type {
inline constexpr uint64_t kControl = 0x00, kPush = 0x01, kQpackEncoder = 0x02, kQpackDecoder = 0x03;
}  // namespace uni_type

// The error codes (RFC 9114 8.1, RFC 9204 6), as application error codes of
// QUIC's CONNECTION_CLOSE and RESET_STREAM.
namespace h3err {
inline constexpr uint64_t kNoError = 0x100, kGeneralProtocol = 0x101, kInternal = 0x102,
                          kStreamCreation = 0x103, kClosedCriticalStream = 0x104,
                          kFrameUnexpected = 0x105, kFrame = 0x106, kExcessiveLoad = 0x107,
                          kIdError = 0x108, kSettings = 0x109, kMissingSettings = 0x10a,
                          kRequestRejected = 0x10b, kRequestCancelled = 0x10c,
                          kRequestIncomplete = 0x10d, kMessage = 0x10e,
                          kQpackDecompressionFailed = 0x200, kQpackEncoderStream = 0x201,
                          kQpackDecoderStream = 0x202;
}  // namespace h3err

// Stream IDs by who opened them and which way they go (RFC 9000 2.1): the
// client's bidirectional streams carry requests; the server's
// unidirectional ones its control and QPACK streams.
constexpr bool client_bidi(int64_t id) {
  return (id & 0x3) == 0;
}
constexpr bool server_uni(int64_t id) {
  return (id & 0x3) == 3;
}

// A varint's size from its first byte.
constexpr std::size_t varint_length(uint8_t first) {
  return std::size_t{1} << (first >> 6);
}

constexpr std::size_t varint_size(uint64_t v) {
  return v < 64 ? 1 : v < 16384 ? 2 : v < (uint64_t{1} << 30) ? 4 : 8;
}

// Writes v (below 2^62) at p; returns the end.
inline uint8_t* put_varint(uint8_t* p, uint64_t v) {
  std::size_t n = varint_size(v);
  for (std::size_t i = n; i-- > 0; v >>= 8) p[i] = static_cast<uint8_t>(v);
  p[0] |= static_cast<uint8_t>((n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3) << 6);
  return p + n;
}

// Writes a frame's header (type, then payload length) at p, which has room
// for 16 bytes; returns the end.
inline uint8_t* put_frame_header(uint8_t* p, uint64_t type, uint64_t length) {
  return put_varint(put_varint(p, type), length);
}

// Reads a varint from the front of in; 0 when in holds only part of it.
inline std::size_t get_varint(std::span<const uint8_t> in, uint64_t& v) {
  if (in.empty()) return 0;
  std::size_t n = varint_length(in[0]);
  if (in.size() < n) return 0;
  v = in[0] & 0x3fu;
  for (std::size_t i = 1; i < n; ++i) v = (v << 8) | in[i];
  return n;
}

// A frame header (type, length) that may arrive split across stream reads:
// its bytes are gathered here until both varints are whole.
class FrameHeader {
 public:
  // Takes the header's bytes from the front of in; true once it is complete
  // (type() and length() are then valid until reset()).
  bool feed(std::span<const uint8_t>& in) {
    if (len_ == 0) {  // the usual case: the whole header is there
      std::size_t t = get_varint(in, type_);
      std::size_t l = t ? get_varint(in.subspan(t), length_) : 0;
      if (l) {
        in = in.subspan(t + l);
        len_ = t + l;
        return true;
      }
    }
    while (!in.empty() && !whole()) {
      bytes_[len_++] = in[0];
      in = in.subspan(1);
    }
    if (!whole()) return false;
    std::span<const uint8_t> b(bytes_, len_);
    std::size_t t = get_varint(b, type_);
    get_varint(b.subspan(t), length_);
    return true;
  }
  bool started() const { return len_ > 0; }
  void reset() { len_ = 0; }
  uint64_t type() const { return type_; }
  uint64_t length() const { return length_; }

 private:
  bool whole() const {
    if (len_ == 0) return false;
    std::size_t t = varint_length(bytes_[0]);
    return len_ > t && len_ == t + varint_length(bytes_[t]);
  }

  uint8_t bytes_[16]{};
  std::size_t len_ = 0;
  uint64_t type_ = 0, length_ = 0;
};

// Where a request stream's reader is among its frames: gathering a frame's
// header, or inside its payload. Both request-stream readers (the server's
// RequestStream, the client's ResponseReader) walk their bytes with it:
//   while (!data.empty()) {
//     if (!cur.in_payload()) {
//       if (!cur.header(data, consumed)) break;  // the rest of a header is to come
//       ...the frame's type may come here?
//     }
//     bool done = cur.payload(data, piece);  // up to the payload's end
//     ...use piece; if (!done) break;
//   }
class FrameCursor {
 public:
  // Takes header bytes from the front of data (added to taken); true once
  // the next frame's header is whole: type() and length() are then its.
  bool header(std::span<const uint8_t>& data, std::size_t& taken) {
    std::size_t before = data.size();
    bool whole = header_.feed(data);
    taken += before - data.size();
    if (!whole) return false;
    type_ = header_.type();
    length_ = remaining_ = header_.length();
    header_.reset();
    in_payload_ = true;
    return true;
  }
  // The next piece of the payload from the front of data; true when it
  // reaches the payload's end (the next call reads a header again).
  bool payload(std::span<const uint8_t>& data, std::span<const uint8_t>& piece) {
    std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(remaining_, data.size()));
    piece = data.first(take);
    data = data.subspan(take);
    remaining_ -= take;
    if (remaining_ > 0) return false;
    in_payload_ = false;
    return true;
  }
  bool in_payload() const { return in_payload_; }
  // The stream ended inside a frame: a connection error (RFC 9114 7.1).
  bool cut() const { return in_payload_ || header_.started(); }
  uint64_t type() const { return type_; }
  uint64_t length() const { return length_; }
  void reset() {
    header_.reset();
    in_payload_ = false;
    type_ = length_ = remaining_ = 0;
  }

 private:
  FrameHeader header_;
  bool in_payload_ = false;
  uint64_t type_ = 0, length_ = 0, remaining_ = 0;
};

// A HEADERS frame's payload, for decoding: where it lies when it came in one
// piece (nearly always; no copy), else gathered across reads.
class FieldSection {
 public:
  // piece: the next part of the payload; done: it reaches the payload's end.
  // Then the whole section (valid until the next call or reset()).
  std::optional<std::string_view> add(std::span<const uint8_t> piece, bool done) {
    std::string_view bytes(reinterpret_cast<const char*>(piece.data()), piece.size());
    if (done && gathered_.empty()) return bytes;
    gathered_.append(bytes);
    if (!done) return std::nullopt;
    return std::string_view(gathered_);
  }
  // After a section is decoded, and for a stream taken anew (one reset inside
  // a HEADERS frame leaves a part gathered).
  void reset() {
    if (!gathered_.empty()) gathered_.clear();
  }

 private:
  std::string gathered_;
};

}  // namespace sluice::h3
