// libFuzzer target "content_decoder": `get --compressed`'s Content-Encoding
// decoders (gzip, deflate, br, zstd: make_content_decoder). Input: a byte
// that picks the coding, a byte that seeds the split sizes, then the body as
// the server sent it. It is decoded twice: whole, with a large output cap per
// call, and in random pieces with random caps (0 included).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/content_decoder.hpp"

namespace {

constexpr std::size_t kTotalCap = 1 << 20;  // a bomb stops here, in both runs
constexpr std::string_view kCodings[] = {"gzip", "deflate", "br", "zstd"};

struct Outcome {
  std::string out;
  bool ok = true;
  bool capped = false;  // stopped at kTotalCap
  bool finished = false;
};

struct Run {
  std::string_view coding;
  uint32_t rng = 0;  // 0: whole

  uint32_t next(uint32_t bound) {
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) % bound;
  }

  // One decode call: it appends at most max_out bytes and only ever takes
  // bytes from the front of its input. True when it moved anything.
  bool step(sluice::ContentDecoder& d, std::string_view& in, Outcome& o, std::size_t max_out) {
    std::string_view before = in;
    std::size_t had = o.out.size();
    auto r = d.decode(in, o.out, max_out);
    if (o.out.size() < had || o.out.size() - had > max_out) __builtin_trap();
    if (in.size() > before.size() || in.data() != before.data() + (before.size() - in.size()))
      __builtin_trap();
    if (!r) o.ok = false;
    if (o.out.size() >= kTotalCap) o.capped = true;
    return in.size() != before.size() || o.out.size() != had;
  }

  // Decodes what is in `in` until the decoder takes and gives nothing more.
  void drain(sluice::ContentDecoder& d, std::string_view& in, Outcome& o) {
    while (o.ok && !o.capped) {
      std::size_t cap = rng ? 1 + next(4096) : 64 * 1024;
      if (!step(d, in, o, cap)) break;
    }
  }

  Outcome decode(std::string_view body) {
    Outcome o;
    auto d = sluice::make_content_decoder(coding);
    if (!d) __builtin_trap();
    std::string pending;  // bytes a decoder left unread, fed again with the next piece
    for (std::size_t pos = 0; pos < body.size() && o.ok && !o.capped;) {
      std::size_t n = rng ? std::min<std::size_t>(1 + next(64), body.size() - pos) : body.size();
      pending.append(body.substr(pos, n));
      pos += n;
      std::string_view in = pending;
      if (rng) step(*d, in, o, next(3) == 0 ? 0 : next(4096));  // a call with no room at all
      drain(*d, in, o);
      pending.erase(0, pending.size() - in.size());
    }
    if (body.empty()) {
      std::string_view in;
      drain(*d, in, o);
    }
    o.finished = d->finished();
    return o;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view coding = kCodings[data[0] % std::size(kCodings)];
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  Outcome whole = Run{coding, 0}.decode(body);
  Outcome split = Run{coding, 1u + data[1]}.decode(body);
  if (whole.capped || split.capped) return 0;  // each stopped where its calls happened to end
  // However the body arrives and however little room each call has, it
  // decodes to the same bytes, fails the same way, and ends the same way.
  if (whole.ok != split.ok) __builtin_trap();
  if (whole.ok && (whole.out != split.out || whole.finished != split.finished)) __builtin_trap();
  return 0;
}
