// libFuzzer target "hpack": our HPACK decoder on arbitrary header blocks, and
// the encoder and decoder as a pair. Input: the first byte picks the mode.
//   even: the rest is a series of header blocks for one decoder, split at
//         each "\xff\x00\xff" (the dynamic table carries over): whatever the
//         bytes, decoding ends in a field list or an error, never worse, and
//         the table stays within its size.
//   odd:  the rest is fields, "name\0value\0..." in blocks split at "\n":
//         each block is encoded and decoded again (one encoder, one decoder,
//         as on a connection) and must come back as it was, names
//         lower-cased; a block may first shrink the peer's table ("\x01" + a
//         size byte).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/h2/hpack_decoder.hpp"
#include "core/h2/hpack_encoder.hpp"

namespace {

using namespace sluice::hpack;

std::vector<std::string_view> split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> out;
  for (;;) {
    std::size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + sep.size());
  }
}

void decode_blocks(std::string_view in) {
  Decoder dec;
  for (std::string_view block : split(in, std::string_view("\xff\x00\xff", 3))) {
    dec.begin(block);
    Field f;
    Decoder::Step step;
    std::size_t fields = 0;
    while ((step = dec.next(f)) == Decoder::Step::field) {
      if (f.name.size() + f.value.size() > block.size() * 8 / 5 + 4096) __builtin_trap();
      ++fields;
    }
    if (dec.table().size() > dec.table().max_size()) __builtin_trap();
    if (fields > block.size()) __builtin_trap();  // every field costs at least a byte
    if (step == Decoder::Step::error) return;     // the connection would end here
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

void round_trip(std::string_view in) {
  Encoder enc;
  Decoder dec;
  for (std::string_view block : split(in, "\n")) {
    if (block.size() >= 2 && block[0] == '\x01') {
      std::size_t limit = static_cast<uint8_t>(block[1]) * 16;
      enc.set_peer_limit(limit);
      block.remove_prefix(2);
    }
    std::vector<std::pair<std::string, std::string>> fields;
    auto parts = split(block, std::string_view("\0", 1));
    for (std::size_t i = 0; i + 1 < parts.size(); i += 2)
      fields.emplace_back(lower(parts[i]), std::string(parts[i + 1]));
    std::string out;
    enc.begin(out);
    for (std::size_t i = 0; i < fields.size(); ++i)
      enc.field(out, parts[2 * i], fields[i].second,
                i % 3 == 2 ? Encoder::Index::no : Encoder::Index::yes);
    dec.begin(out);
    Field f;
    Decoder::Step step;
    std::size_t n = 0;
    while ((step = dec.next(f)) == Decoder::Step::field) {
      if (n >= fields.size() || f.name != fields[n].first || f.value != fields[n].second)
        __builtin_trap();
      ++n;
    }
    if (step != Decoder::Step::done || n != fields.size()) __builtin_trap();
    if (enc.table().size() != dec.table().size()) __builtin_trap();  // the tables agree
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0)
    decode_blocks(in);
  else
    round_trip(in);
  return 0;
}
