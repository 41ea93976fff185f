// libFuzzer target "response": the client's HTTP/1.1 response parser
// (ResponseParser), chunked framing and trailers included. Input: a flags
// byte, a byte that seeds the split sizes, then the bytes from the server.
// Flags: bit 0, the request was HEAD; bit 1, the server closes after the
// bytes (finish()); bit 2, a Content-Length body is moved past the parser
// (body_moved(), as the splice path does) instead of fed to it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/h1/response_parser.hpp"

namespace {

using sluice::ResponseParser;

struct Outcome {
  bool ok = true;
  bool done = false;
  int status = 0;
  std::string body;    // as the body events gave it
  uint64_t moved = 0;  // given to body_moved()
  uint64_t taken = 0;  // input bytes the parser consumed
  int heads = 0, completes = 0;
};

struct Run {
  bool head = false, close = false, move = false;
  uint32_t rng = 0;  // 0: the input in one piece

  std::size_t next_split(std::size_t left) {
    if (rng == 0) return left;
    rng = rng * 1103515245u + 12345u;
    return std::min<std::size_t>(left, 1 + (rng >> 16) % 16);
  }
  Outcome parse(std::string_view wire);
};

ResponseParser::Events events_into(Outcome& out) {
  ResponseParser::Events ev;
  ev.headers = [&out](sluice::Response& r) {
    if (++out.heads > 1 || out.completes > 0 || !out.body.empty()) __builtin_trap();
    out.status = r.status;
  };
  ev.body = [&out](std::span<const char> b) {
    if (out.heads != 1) __builtin_trap();  // no body before the head
    out.body.append(b.data(), b.size());
  };
  ev.complete = [&out] {
    if (++out.completes > 1 || out.heads != 1) __builtin_trap();
  };
  return ev;
}

// A complete body framed by Content-Length alone has exactly that length.
void check_length(const ResponseParser& p, bool head) {
  const sluice::Response& r = p.response();
  if (!p.done() || !r.content_length || r.headers.has("transfer-encoding")) return;
  if (head || r.status == 204 || r.status == 304) return;  // no body, whatever it says
  if (p.body_bytes() != *r.content_length) __builtin_trap();
}

Outcome Run::parse(std::string_view wire) {
  Outcome out;
  ResponseParser p(events_into(out));
  p.expect_head_response(head);
  for (std::size_t pos = 0; pos < wire.size() && !p.done() && !p.switched();) {
    std::size_t n = next_split(wire.size() - pos);
    if (move && p.raw_body_remaining() > 0) {  // the bytes go to the output past the parser
      n = static_cast<std::size_t>(std::min<uint64_t>(n, p.raw_body_remaining()));
      p.body_moved(n);
      out.moved += n;
      pos += n;
      continue;
    }
    std::size_t consumed = 0;
    out.ok = p.feed(std::span<const char>(wire.data() + pos, n), consumed).has_value();
    if (!out.ok) {  // the piece was read up to the error, its body bytes delivered
      out.taken += n;
      break;
    }
    // A byte left unread means the response is over (or the protocol changed).
    if (consumed > n || (consumed < n && !p.done() && !p.switched())) __builtin_trap();
    pos += consumed;
    out.taken += consumed;
  }
  if (out.ok && close && !p.switched()) out.ok = p.finish().has_value();
  out.done = p.done();
  if (out.done != (out.completes == 1)) __builtin_trap();
  if (p.body_bytes() != out.body.size() + out.moved) __builtin_trap();
  // De-chunking only removes bytes: the body is never more than the input read.
  if (out.body.size() > out.taken || p.body_bytes() > wire.size()) __builtin_trap();
  check_length(p, head);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);
  Run whole{(data[0] & 1) != 0, (data[0] & 2) != 0, false, 0};
  Run split{whole.head, whole.close, (data[0] & 4) != 0, 1u + data[1]};
  Outcome a = whole.parse(wire);
  Outcome b = split.parse(wire);
  // However the bytes arrive, and whether the parser sees the body or not,
  // the response is the same.
  if (a.ok != b.ok || a.done != b.done || a.status != b.status) __builtin_trap();
  if (a.body.size() != b.body.size() + b.moved) __builtin_trap();
  if (!split.move && a.body != b.body) __builtin_trap();
  return 0;
}
