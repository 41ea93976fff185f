#include "core/bench/hdr_codec.hpp"

#include <zlib.h>

#include <bit>
#include <cstring>
#include <limits>

namespace sluice::bench {

namespace {

constexpr std::uint32_t kCookieMask = ~std::uint32_t{0xf0};  // drops the word-size nibble
constexpr std::size_t kHeaderSize = 40;
constexpr std::size_t kMaxVarint = 9;

void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// ZigZag, then LEB128 in HdrHistogram's variant: 7 bits per byte for eight
// bytes, and a ninth byte (if needed) carrying the last 8 bits whole.
void put_varint(std::vector<std::uint8_t>& out, std::int64_t value) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out.push_back(static_cast<std::uint8_t>(v));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Bounds-checked big-endian reads; `ok` turns false on the first overrun.
struct Reader {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;
  bool ok = true;

  std::size_t left() const { return in.size() - pos; }
  std::uint64_t be(int bytes) {
    if (left() < static_cast<std::size_t>(bytes)) ok = false;
    if (!ok) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | in[pos++];
    return v;
  }
  std::int64_t varint() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      const auto b = be(1);
      v |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return decode_zigzag(v);
    }
    return decode_zigzag(v | (be(1) << 56));
  }
  static std::int64_t decode_zigzag(std::uint64_t v) {
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
};

struct Header {
  std::uint32_t payload_size = 0;
  HistogramSettings settings;
};

Result<Header> read_header(Reader& r) {
  const auto cookie = static_cast<std::uint32_t>(r.be(4));
  Header h;
  h.payload_size = static_cast<std::uint32_t>(r.be(4));
  // The normalizing index offset is ignored, as the C and JS decoders do:
  // hdr-histogram-js writes 1 there for unshifted histograms.
  r.be(4);
  h.settings.significant_digits = static_cast<std::int32_t>(r.be(4));
  h.settings.lowest = static_cast<std::int64_t>(r.be(8));
  h.settings.highest = static_cast<std::int64_t>(r.be(8));
  r.be(8);  // integer-to-double ratio: meaningless for integer histograms (JS writes int 1)
  if (!r.ok) return fail(Errc::bad_argument, "histogram encoding: truncated header");
  if ((cookie & kCookieMask) != (kV2EncodingCookie & kCookieMask))
    return fail(Errc::bad_argument, "histogram encoding: not an HdrHistogram V2 encoding");
  return h;
}

Result<Histogram> with_context(Result<Histogram> r) {
  if (!r) r.error().message = "histogram encoding: " + r.error().message;
  return r;
}

}  // namespace

std::vector<std::uint8_t> encode_v2(const Histogram& h) {
  const HistogramSettings& s = h.settings();
  std::vector<std::uint8_t> out;
  put_be(out, kV2EncodingCookie, 4);
  put_be(out, 0, 4);  // payload size, patched below
  put_be(out, 0, 4);  // normalizing index offset
  put_be(out, static_cast<std::uint32_t>(s.significant_digits), 4);
  put_be(out, static_cast<std::uint64_t>(s.lowest), 8);
  put_be(out, static_cast<std::uint64_t>(s.highest), 8);
  put_be(out, std::bit_cast<std::uint64_t>(1.0), 8);
  // Counts up to the max's index only: the tail is all zeros and implied.
  const auto counts = h.counts();
  const std::size_t limit =
      h.total_count() == 0 ? 0 : static_cast<std::size_t>(h.index_of(h.max())) + 1;
  for (std::size_t i = 0; i < limit;) {
    const std::int64_t c = counts[i++];
    std::int64_t zeros = 1;
    if (c == 0)
      for (; i < limit && counts[i] == 0; ++i) ++zeros;
    put_varint(out, zeros > 1 ? -zeros : c);
  }
  const auto payload = static_cast<std::uint32_t>(out.size() - kHeaderSize);
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<std::uint8_t>(payload >> (8 * (3 - i)));
  return out;
}

Result<Histogram> decode_v2(std::span<const std::uint8_t> bytes) {
  Reader r{bytes};
  auto header = read_header(r);
  if (!header) return std::unexpected(header.error());
  auto made = with_context(Histogram::make(header->settings));
  if (!made) return made;
  Histogram& h = *made;
  if (header->payload_size > r.left())
    return fail(Errc::bad_argument, "histogram encoding: truncated payload");
  const std::size_t end = r.pos + header->payload_size;
  const auto slots = static_cast<std::int64_t>(h.counts().size());
  std::int64_t index = 0, total = 0;
  while (r.pos < end) {
    const std::int64_t v = r.varint();
    if (!r.ok || r.pos > end) return fail(Errc::bad_argument, "histogram encoding: bad varint");
    // -2^63 would be a zero run longer than any histogram (and has no negation).
    if (v == std::numeric_limits<std::int64_t>::min())
      return fail(Errc::bad_argument, "histogram encoding: counts exceed the histogram's range");
    const std::int64_t span = v < 0 ? -v : 1;  // a zero run, or one count
    if (span > slots - index)
      return fail(Errc::bad_argument, "histogram encoding: counts exceed the histogram's range");
    if (v > 0 && __builtin_add_overflow(total, v, &total))
      return fail(Errc::bad_argument, "histogram encoding: total count overflows");
    if (v > 0) h.record_at_index(static_cast<int>(index), v);
    index += span;
  }
  return made;
}

Result<std::vector<std::uint8_t>> encode_compressed(const Histogram& h) {
  const auto raw = encode_v2(h);
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> out(8 + size);
  if (compress2(out.data() + 8, &size, raw.data(), static_cast<uLong>(raw.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK)
    return fail(Errc::internal, "histogram encoding: zlib compress failed");
  out.resize(8 + size);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<std::uint8_t>(kV2CompressedCookie >> (8 * (3 - i)));
    out[4 + i] = static_cast<std::uint8_t>(size >> (8 * (3 - i)));
  }
  return out;
}

namespace {

// inflateEnd on every path out.
struct Inflater {
  z_stream z{};
  bool ok = inflateInit(&z) == Z_OK;
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
};

// Inflates into out[from..], which must be filled exactly with the stream ending.
bool inflate_exact(z_stream& z, std::vector<std::uint8_t>& out, std::size_t from) {
  const std::size_t want = out.size();
  out.resize(want + 1);  // a spare byte: a stream longer than declared spills into it
  z.next_out = out.data() + from;
  z.avail_out = static_cast<uInt>(out.size() - from);
  const int rc = inflate(&z, Z_FINISH);
  out.resize(want);
  return rc == Z_STREAM_END && z.total_out == want;
}

// The header first: its settings bound the payload, so a hostile length field
// cannot make us allocate more than the histogram itself could need.
Result<std::vector<std::uint8_t>> inflate_encoding(z_stream& z) {
  std::vector<std::uint8_t> raw(kHeaderSize);
  z.next_out = raw.data();
  z.avail_out = kHeaderSize;
  const int rc = inflate(&z, Z_SYNC_FLUSH);
  if ((rc != Z_OK && rc != Z_STREAM_END) || z.avail_out != 0)
    return fail(Errc::bad_argument, "histogram encoding: bad zlib data");
  Reader r{raw};
  auto header = read_header(r);
  if (!header) return std::unexpected(header.error());
  auto shape = with_context(Histogram::make(header->settings));
  if (!shape) return std::unexpected(shape.error());
  if (header->payload_size > shape->counts().size() * kMaxVarint)
    return fail(Errc::bad_argument, "histogram encoding: payload larger than possible");
  raw.resize(kHeaderSize + header->payload_size);
  if (!inflate_exact(z, raw, kHeaderSize))
    return fail(Errc::bad_argument, "histogram encoding: bad or truncated zlib data");
  return raw;
}

}  // namespace

Result<Histogram> decode_compressed(std::span<const std::uint8_t> bytes) {
  Reader r{bytes};
  const auto cookie = static_cast<std::uint32_t>(r.be(4));
  const auto size = r.be(4);
  if (!r.ok || (cookie & kCookieMask) != (kV2CompressedCookie & kCookieMask))
    return fail(Errc::bad_argument, "histogram encoding: not an HdrHistogram V2 compressed form");
  if (size > r.left()) return fail(Errc::bad_argument, "histogram encoding: truncated");
  Inflater inf;
  if (!inf.ok) return fail(Errc::internal, "histogram encoding: zlib init failed");
  inf.z.next_in = const_cast<Bytef*>(bytes.data() + 8);  // zlib's input is not const-typed
  inf.z.avail_in = static_cast<uInt>(size);
  auto raw = inflate_encoding(inf.z);
  if (!raw) return std::unexpected(raw.error());
  return decode_v2(*raw);
}

Result<std::string> encode_base64(const Histogram& h) {
  auto bytes = encode_compressed(h);
  if (!bytes) return std::unexpected(bytes.error());
  return base64_encode(*bytes);
}

Result<Histogram> decode_base64(std::string_view text) {
  auto bytes = base64_decode(text);
  if (!bytes) return std::unexpected(bytes.error());
  return decode_compressed(*bytes);
}

}  // namespace sluice::bench
