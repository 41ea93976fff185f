// libFuzzer target "h3_response": the client's reading of an HTTP/3 response
// stream (core/h3/response_reader.*) on arbitrary bytes. Input: a byte whose
// low bit says the request was HEAD and whose upper bits pick a piece size
// (1 to 64), then the stream's bytes, read once whole and once in pieces,
// the fin with the last. Whatever the bytes: every byte is consumed or
// handed on as body, a complete response has no fault, and both reads see
// the same sections, fields and fault (and, without one, the same body).
// Two more reads share a connection's memo of response heads (ResponseMemo):
// what the second takes from the memo must be what decoding gave.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/h3/qpack.hpp"
#include "core/h3/response_reader.hpp"

namespace {

struct Seen final : sluice::h3::ResponseReader::Handler {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<int> sections;
  std::string body;
  void on_field(std::string_view n, std::string_view v) override { fields.emplace_back(n, v); }
  void on_section(int status) override { sections.push_back(status); }
  void on_data(std::span<const uint8_t> b) override {
    body.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
};

struct Outcome {
  Seen seen;
  sluice::h3::ResponseReader::Fault fault;
  bool complete = false;
};

Outcome read(std::span<const uint8_t> stream, std::size_t piece, bool head,
             sluice::h3::ResponseMemo* memo = nullptr) {
  Outcome o;
  sluice::qpack::Decoder dec;
  sluice::h3::ResponseReader reader;
  reader.start(head);
  std::size_t consumed = 0, at = 0;
  do {
    auto part = stream.subspan(at, std::min(piece, stream.size() - at));
    at += part.size();
    consumed += reader.receive(part, at == stream.size(), dec, o.seen, memo);
  } while (at < stream.size() && !reader.fault().code);
  if (consumed > at || (!reader.fault().code && consumed + o.seen.body.size() != at))
    __builtin_trap();
  o.fault = reader.fault();
  o.complete = reader.complete();
  if (o.complete && o.fault.code) __builtin_trap();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  bool head = data[0] & 1;
  std::size_t piece = 1 + (data[0] >> 2);
  std::span<const uint8_t> stream(data + 1, size - 1);
  Outcome whole = read(stream, stream.size() + 1, head);
  sluice::h3::ResponseMemo memo;
  for (const Outcome& other :
       {read(stream, piece, head), read(stream, stream.size() + 1, head, &memo),
        read(stream, piece, head, &memo)}) {
    if (whole.fault.code != other.fault.code || whole.fault.connection != other.fault.connection ||
        whole.complete != other.complete || whole.seen.sections != other.seen.sections ||
        whole.seen.fields != other.seen.fields)
      __builtin_trap();
    if (!whole.fault.code && whole.seen.body != other.seen.body) __builtin_trap();
  }
  return 0;
}
