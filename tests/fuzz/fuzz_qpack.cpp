// libFuzzer target "qpack": the server's own HTTP/3 wire readers on
// arbitrary bytes. Input: the first byte picks the mode.
//   even: the rest is a request's field section for qpack::Decoder. Whatever
//         the bytes, decoding ends in a field list or an error; a list that
//         decodes, encoded again by qpack::encode_field, decodes to the same
//         list.
//   odd:  the rest is the bytes of one of a client's unidirectional streams
//         (PeerStreams), fed in pieces of 1 to 8 bytes (the first byte's
//         upper bits pick the size): the verdicts end at the first error,
//         and a piece-wise feed reaches the same first error as a whole one.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/h3/peer_streams.hpp"
#include "core/h3/qpack.hpp"

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

bool decode(std::string_view section, Fields& out) {
  sluice::qpack::Decoder dec;
  if (!dec.begin(section)) return false;
  sluice::qpack::Field f;
  sluice::qpack::Decoder::Step step;
  while ((step = dec.next(f)) == sluice::qpack::Decoder::Step::field) {
    if (out.size() > section.size()) __builtin_trap();  // every field costs a byte
    out.emplace_back(f.name, f.value);
  }
  return step == sluice::qpack::Decoder::Step::done;
}

void field_section(std::string_view in) {
  Fields first;
  if (!decode(in, first)) return;
  std::string again;
  sluice::qpack::begin_section(again);
  for (const auto& [n, v] : first) sluice::qpack::encode_field(again, n, v);
  Fields second;
  if (!decode(again, second) || second != first) __builtin_trap();
}

uint64_t first_error(std::span<const uint8_t> in, std::size_t piece) {
  sluice::h3::PeerStreams peer;
  while (!in.empty()) {
    auto part = in.first(std::min(piece, in.size()));
    in = in.subspan(part.size());
    auto v = peer.receive(2, part, in.empty());
    if (v.error || v.stop_reading) return v.error ? v.error : 1;
  }
  return 0;
}

void uni_stream(uint8_t mode, std::span<const uint8_t> in) {
  std::size_t piece = (mode >> 1) % 8 + 1;
  if (first_error(in, piece) != first_error(in, in.size() + 1)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0)
    field_section({reinterpret_cast<const char*>(data + 1), size - 1});
  else
    uni_stream(data[0], {data + 1, size - 1});
  return 0;
}
