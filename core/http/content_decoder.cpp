#include "core/http/content_decoder.hpp"

#include <brotli/decode.h>
#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>

#include "core/http/headers.hpp"

namespace sluice {

namespace {

Error corrupt(std::string_view coding, std::string_view why) {
  return Error{Errc::bad_encoding,
               fmt::format("Error while processing content unencoding: {} ({})", why, coding)};
}

// gzip and deflate. deflate is meant to be zlib-wrapped (RFC 9110 8.4.1.2),
// but some servers send raw deflate: the first two bytes tell which (a zlib
// header names method 8 and is a multiple of 31), as curl and browsers decide.
class ZlibDecoder final : public ContentDecoder {
 public:
  explicit ZlibDecoder(bool gzip) : gzip_(gzip) {
    if (gzip) init(16 + MAX_WBITS);
  }
  ~ZlibDecoder() override {
    if (ready_) inflateEnd(&z_);
  }
  ZlibDecoder(const ZlibDecoder&) = delete;
  ZlibDecoder& operator=(const ZlibDecoder&) = delete;

  Result<void> decode(std::string_view& in, std::string& out, std::size_t max_out) override {
    // No room: nothing read either. deflate's first two bytes, once taken
    // from `in`, must go through inflate in this same call.
    if (max_out == 0) return {};
    std::size_t start = out.size();
    if (!ready_) {
      while (head_.size() < 2 && !in.empty()) {
        head_ += in.front();
        in.remove_prefix(1);
      }
      if (head_.size() < 2) return {};
      auto b0 = static_cast<uint8_t>(head_[0]), b1 = static_cast<uint8_t>(head_[1]);
      bool wrapped = (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
      init(wrapped ? MAX_WBITS : -MAX_WBITS);
      std::string_view head = head_;
      if (auto r = inflate_some(head, out, max_out); !r) return r;
    }
    return inflate_some(in, out, max_out - (out.size() - start));
  }
  bool finished() const override { return done_; }

 private:
  void init(int window_bits) {
    inflateInit2(&z_, window_bits);
    ready_ = true;
  }

  // Inflates from in into out, out growing by at most max_out in all.
  Result<void> inflate_some(std::string_view& in, std::string& out, std::size_t max_out) {
    if (done_ || max_out == 0) return {};
    std::size_t start = out.size();
    out.resize(start + max_out);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), 1u << 30));
    z_.next_out = reinterpret_cast<Bytef*>(out.data() + start);
    z_.avail_out = static_cast<uInt>(max_out);
    uInt fed = z_.avail_in;
    int rv = inflate(&z_, Z_NO_FLUSH);
    in.remove_prefix(fed - z_.avail_in);
    out.resize(out.size() - z_.avail_out);
    if (rv == Z_STREAM_END) done_ = true;
    if (rv != Z_OK && rv != Z_STREAM_END && rv != Z_BUF_ERROR)
      return std::unexpected(corrupt(gzip_ ? "gzip" : "deflate", z_.msg ? z_.msg : "bad data"));
    return {};
  }

  z_stream z_{};
  bool gzip_;
  bool ready_ = false, done_ = false;
  std::string head_;  // deflate's first two bytes, until they tell zlib from raw
};

class BrotliDecoder final : public ContentDecoder {
 public:
  BrotliDecoder() : s_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliDecoder() override { BrotliDecoderDestroyInstance(s_); }
  BrotliDecoder(const BrotliDecoder&) = delete;
  BrotliDecoder& operator=(const BrotliDecoder&) = delete;

  Result<void> decode(std::string_view& in, std::string& out, std::size_t max_out) override {
    if (done_ || max_out == 0) return {};
    std::size_t start = out.size();
    out.resize(start + max_out);
    auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    auto* next_out = reinterpret_cast<uint8_t*>(out.data() + start);
    std::size_t avail_out = max_out;
    auto rv =
        BrotliDecoderDecompressStream(s_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    in.remove_prefix(in.size() - avail_in);
    out.resize(out.size() - avail_out);
    if (rv == BROTLI_DECODER_RESULT_SUCCESS) done_ = true;
    if (rv == BROTLI_DECODER_RESULT_ERROR)
      return std::unexpected(
          corrupt("br", BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s_))));
    return {};
  }
  bool finished() const override { return done_; }

 private:
  BrotliDecoderState* s_;
  bool done_ = false;
};

// A frame's first four bytes: RFC 8878's magic number or a skippable
// frame's. libzstd also takes its pre-1.0 "legacy" frames, but only when the
// magic number arrives in one piece: split across reads, the same bytes fail.
// HTTP's zstd coding is RFC 8878's, so only its frames are taken, however the
// body is split.
bool is_rfc8878_magic(std::string_view four) {
  uint32_t magic = 0;
  for (int i = 3; i >= 0; --i) magic = magic << 8 | static_cast<unsigned char>(four[i]);
  return magic == 0xFD2FB528u || (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

class ZstdDecoder final : public ContentDecoder {
 public:
  ZstdDecoder() : s_(ZSTD_createDStream()) {
    // RFC 8878 7.2: a window over 8 MiB need not be accepted over HTTP;
    // that bounds what one response can make us hold.
    ZSTD_DCtx_setParameter(s_, ZSTD_d_windowLogMax, 23);
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(s_); }
  ZstdDecoder(const ZstdDecoder&) = delete;
  ZstdDecoder& operator=(const ZstdDecoder&) = delete;

  Result<void> decode(std::string_view& in, std::string& out, std::size_t max_out) override {
    if (max_out == 0) return {};
    if (at_frame_start_) {
      if (!take_magic(in)) return {};
      if (!is_rfc8878_magic(magic_))
        return std::unexpected(corrupt("zstd", "not an RFC 8878 frame (unknown magic number)"));
      at_frame_start_ = false;
      magic_unfed_ = kMagicSize;
    }
    if (magic_unfed_ > 0) {  // libzstd has not taken all of the magic number yet
      std::string_view magic = std::string_view(magic_).substr(kMagicSize - magic_unfed_);
      std::size_t had = out.size();
      auto r = feed(magic, out, max_out);
      magic_unfed_ = magic.size();
      if (!r || magic_unfed_ > 0) return r;
      magic_.clear();
      max_out -= out.size() - had;
      if (max_out == 0) return {};
    }
    return feed(in, out, max_out);
  }
  bool finished() const override { return frame_done_; }

 private:
  static constexpr std::size_t kMagicSize = 4;

  // Gathers a frame's magic number from the front of `in`; true once whole.
  bool take_magic(std::string_view& in) {
    while (magic_.size() < kMagicSize && !in.empty()) {
      magic_ += in.front();
      in.remove_prefix(1);
      frame_done_ = false;
    }
    return magic_.size() == kMagicSize;
  }

  Result<void> feed(std::string_view& in, std::string& out, std::size_t max_out) {
    std::size_t start = out.size();
    out.resize(start + max_out);
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    ZSTD_outBuffer dst{out.data() + start, max_out, 0};
    std::size_t rv = ZSTD_decompressStream(s_, &dst, &src);
    in.remove_prefix(src.pos);
    out.resize(start + dst.pos);
    if (ZSTD_isError(rv)) return std::unexpected(corrupt("zstd", ZSTD_getErrorName(rv)));
    // 0: a frame ended and everything of it was flushed (libzstd stops
    // there). Another frame may follow: zstd streams can be concatenated.
    // A call that moved nothing (asked for output that was not there) says
    // nothing new about the frame.
    if (src.pos > 0 || dst.pos > 0) frame_done_ = rv == 0;
    if (frame_done_) at_frame_start_ = true;
    return {};
  }

  ZSTD_DStream* s_;
  std::string magic_;  // a frame's first bytes, checked before libzstd sees them
  bool at_frame_start_ = true;
  std::size_t magic_unfed_ = 0;  // of magic_, what libzstd has still to take
  bool frame_done_ = false;
};

}  // namespace

std::unique_ptr<ContentDecoder> make_content_decoder(std::string_view coding) {
  if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
    return std::make_unique<ZlibDecoder>(true);
  if (iequals(coding, "deflate")) return std::make_unique<ZlibDecoder>(false);
  if (iequals(coding, "br")) return std::make_unique<BrotliDecoder>();
  if (iequals(coding, "zstd")) return std::make_unique<ZstdDecoder>();
  return nullptr;
}

}  // namespace sluice
