#include "core/serve/encoded.hpp"

#include <brotli/encode.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <limits>

#include "core/http/status.hpp"
#include "core/serve/fixed_response.hpp"
#include "core/serve/pattern.hpp"
#include "core/serve/request_target.hpp"

namespace sluice::serve {

namespace {

constexpr uint64_t kMaxSize = std::numeric_limits<int64_t>::max();
constexpr int kSlicesPerPull = 4;  // bound the work one pull() does for one connection

// A streaming encoder: input in, whatever compressed bytes are ready out.
class Encoder {
 public:
  virtual ~Encoder() = default;
  virtual void add(std::string_view in, std::string& out) = 0;
  virtual void finish(std::string& out) = 0;
};

class ZlibEncoder final : public Encoder {
 public:
  explicit ZlibEncoder(bool gzip) {
    deflateInit2(&z_, Z_BEST_SPEED, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS, 8,
                 Z_DEFAULT_STRATEGY);
  }
  ~ZlibEncoder() override { deflateEnd(&z_); }
  ZlibEncoder(const ZlibEncoder&) = delete;
  ZlibEncoder& operator=(const ZlibEncoder&) = delete;
  void add(std::string_view in, std::string& out) override { run(in, out, Z_NO_FLUSH); }
  void finish(std::string& out) override { run({}, out, Z_FINISH); }

 private:
  void run(std::string_view in, std::string& out, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    int rv;
    do {
      char buf[16384];
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof buf;
      rv = deflate(&z_, flush);
      out.append(buf, sizeof buf - z_.avail_out);
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rv == Z_OK));
  }
  z_stream z_{};
};

// libbrotlienc, opened on the first /encoded/br request instead of linked:
// serve's synthetic endpoint is its only user, and a linked copy (with libm,
// which it needs) would be loaded by every run of every subcommand, ~0.45 MiB
// of RSS for a plain `get`.
struct BrotliEncApi {
  decltype(&BrotliEncoderCreateInstance) create;
  decltype(&BrotliEncoderSetParameter) set_parameter;
  decltype(&BrotliEncoderCompressStream) compress_stream;
  decltype(&BrotliEncoderHasMoreOutput) has_more_output;
  decltype(&BrotliEncoderIsFinished) is_finished;
  decltype(&BrotliEncoderDestroyInstance) destroy;
};

constexpr const char* kBrotliEncLib = "libbrotlienc.so.1";

// The API, or why it is not available (loaded once, kept for the process).
const Result<BrotliEncApi>& brotli_enc() {
  static const Result<BrotliEncApi> api = []() -> Result<BrotliEncApi> {
    void* lib = ::dlopen(kBrotliEncLib, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return fail(Errc::internal, ::dlerror());
    auto sym = [lib](const char* name) { return ::dlsym(lib, name); };
    BrotliEncApi a{
        reinterpret_cast<decltype(a.create)>(sym("BrotliEncoderCreateInstance")),
        reinterpret_cast<decltype(a.set_parameter)>(sym("BrotliEncoderSetParameter")),
        reinterpret_cast<decltype(a.compress_stream)>(sym("BrotliEncoderCompressStream")),
        reinterpret_cast<decltype(a.has_more_output)>(sym("BrotliEncoderHasMoreOutput")),
        reinterpret_cast<decltype(a.is_finished)>(sym("BrotliEncoderIsFinished")),
        reinterpret_cast<decltype(a.destroy)>(sym("BrotliEncoderDestroyInstance"))};
    if (!a.create || !a.set_parameter || !a.compress_stream || !a.has_more_output ||
        !a.is_finished || !a.destroy)
      return fail(Errc::internal, fmt::format("{} lacks the encoder API", kBrotliEncLib));
    return a;
  }();
  return api;
}

class BrotliEncoder final : public Encoder {
 public:
  explicit BrotliEncoder(const BrotliEncApi& api)
      : api_(api), s_(api.create(nullptr, nullptr, nullptr)) {
    api_.set_parameter(s_, BROTLI_PARAM_QUALITY, 1);  // fast: this is a test source
  }
  ~BrotliEncoder() override { api_.destroy(s_); }
  BrotliEncoder(const BrotliEncoder&) = delete;
  BrotliEncoder& operator=(const BrotliEncoder&) = delete;
  void add(std::string_view in, std::string& out) override {
    run(in, out, BROTLI_OPERATION_PROCESS);
  }
  void finish(std::string& out) override { run({}, out, BROTLI_OPERATION_FINISH); }

 private:
  void run(std::string_view in, std::string& out, BrotliEncoderOperation op) {
    auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    do {
      uint8_t buf[16384];
      uint8_t* next_out = buf;
      std::size_t avail_out = sizeof buf;
      api_.compress_stream(s_, op, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
    } while (avail_in > 0 || api_.has_more_output(s_) ||
             (op == BROTLI_OPERATION_FINISH && !api_.is_finished(s_)));
  }
  const BrotliEncApi& api_;
  BrotliEncoderState* s_;
};

class ZstdEncoder final : public Encoder {
 public:
  ZstdEncoder() : c_(ZSTD_createCCtx()) { ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, 1); }
  ~ZstdEncoder() override { ZSTD_freeCCtx(c_); }
  ZstdEncoder(const ZstdEncoder&) = delete;
  ZstdEncoder& operator=(const ZstdEncoder&) = delete;
  void add(std::string_view in, std::string& out) override { run(in, out, ZSTD_e_continue); }
  void finish(std::string& out) override { run({}, out, ZSTD_e_end); }

 private:
  void run(std::string_view in, std::string& out, ZSTD_EndDirective mode) {
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    std::size_t left;
    do {
      char buf[16384];
      ZSTD_outBuffer dst{buf, sizeof buf, 0};
      left = ZSTD_compressStream2(c_, &dst, &src, mode);
      out.append(buf, dst.pos);
      if (ZSTD_isError(left)) return;
    } while (src.pos < src.size || (mode == ZSTD_e_end && left > 0));
  }
  ZSTD_CCtx* c_;
};

std::unique_ptr<Encoder> make_encoder(std::string_view coding) {
  if (coding == "gzip") return std::make_unique<ZlibEncoder>(true);
  if (coding == "deflate") return std::make_unique<ZlibEncoder>(false);
  if (coding == "br")
    return brotli_enc() ? std::make_unique<BrotliEncoder>(*brotli_enc()) : nullptr;
  if (coding == "zstd") return std::make_unique<ZstdEncoder>();
  return nullptr;
}

class EncodedPattern final : public Endpoint {
 public:
  EncodedPattern(std::string coding, std::unique_ptr<Encoder> e, uint64_t total)
      : coding_(std::move(coding)), encoder_(std::move(e)), left_(total) {}

  Pull pull(ResponseWriter& w) override {
    if (!started_) {
      started_ = true;
      Headers h;
      h.add("Content-Type", "application/octet-stream");
      h.add("Content-Encoding", coding_);
      h.add("Vary", "Accept-Encoding");
      w.head(200, h, std::nullopt);
    }
    for (int i = 0; i < kSlicesPerPull && left_ > 0 && w.has_room(); ++i) {
      std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(left_, kPatternMaxSlice));
      out_.clear();
      encoder_->add(pattern_slice(offset_, n), out_);
      offset_ += n;
      left_ -= n;
      if (!out_.empty()) w.write(out_);
    }
    if (left_ > 0) return Pull::more;
    out_.clear();
    encoder_->finish(out_);
    if (!out_.empty()) w.write(out_);
    w.end();
    return Pull::done;
  }

 private:
  std::string coding_;
  std::unique_ptr<Encoder> encoder_;
  uint64_t offset_ = 0, left_;
  std::string out_;
  bool started_ = false;
};

std::unique_ptr<Endpoint> bad(std::string_view why, int status = 400) {
  Headers h;
  h.add("Content-Type", std::string(kPlainTextType));
  return std::make_unique<FixedResponse>(status, std::move(h), std::string(why));
}

}  // namespace

std::unique_ptr<Endpoint> encoded(std::string_view rest) {
  auto slash = rest.find('/');
  std::string coding(rest.substr(0, slash));
  if (coding == "br" && !brotli_enc())
    return bad(fmt::format("/encoded/br: brotli is not available here: {}\n",
                           brotli_enc().error().message),
               501);
  auto e = make_encoder(coding);
  if (!e) return bad("/encoded/CODING/N: CODING is gzip, deflate, br or zstd\n");
  auto n = slash == std::string_view::npos ? std::nullopt : parse_u64(rest.substr(slash + 1));
  if (!n || *n > kMaxSize) return bad("/encoded/CODING/N: N must be a byte count below 2^63\n");
  return std::make_unique<EncodedPattern>(std::move(coding), std::move(e), *n);
}

std::unique_ptr<Endpoint> encoded_text(std::string_view coding, std::string_view text,
                                       std::string_view content_type) {
  if (coding == "br" && !brotli_enc())
    return bad(fmt::format("br: brotli is not available here: {}\n", brotli_enc().error().message),
               501);
  auto e = make_encoder(coding);
  if (!e) return bad("unknown coding\n", 500);
  std::string body;
  e->add(text, body);
  e->finish(body);
  Headers h;
  h.add("Content-Type", std::string(content_type));
  h.add("Content-Encoding", std::string(coding));
  return std::make_unique<FixedResponse>(200, std::move(h), std::move(body));
}

}  // namespace sluice::serve
