// libFuzzer target "h2_server": serve's HTTP/2 server session
// (H2ServerSession), fed a valid client preface and SETTINGS, then the
// input as the rest of what the client sends, in seeded random splits. Each
// request is answered (its :path echoed) the way serve's endpoints answer;
// the session's output is drained, checked as frames, and discarded.
// Input: a flags byte, a byte that seeds the split sizes, then frames.
// Flags: bit 0, answer as soon as the head is in (before the request body);
// bit 1, bodies of 40000 bytes (past a window) instead of the :path; bit 2,
// output drained only 200 bytes at a time between pieces (a slow reader).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/h2/server_session.hpp"

namespace {

using sluice::H2ServerSession;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr std::string_view kSettings{"\0\0\0\x04\0\0\0\0\0", 9};
constexpr sluice::ServerLimits kLimits{
    .max_header_size = 4096, .max_target_size = 1024, .max_body_size = 2048};
constexpr uint32_t kMaxStreams = 8;

struct StreamLog {
  bool head = false, ended = false, closed = false;
  uint64_t body = 0;
  std::string target;
};

// Checks the order of what the session reports, per stream, and answers.
struct Server : sluice::H2ServerEvents {
  H2ServerSession* session = nullptr;
  bool early = false, big = false;
  std::map<int32_t, StreamLog> streams;
  int32_t last_head = 0;
  uint64_t total_body = 0;

  void respond(int32_t id, int status) {
    const std::string& target = streams[id].target;
    std::string body = big ? std::string(40000, 'x') : target;
    session->send_head(id, status, {}, body.size());
    session->send_body(id, body);
    session->end_response(id);
  }
  void on_request_head(int32_t id, const sluice::RequestHead& head, int reject) override {
    StreamLog& s = streams[id];
    // Client streams are odd and only go up; a stream has one head.
    if (id <= 0 || !(id & 1) || id <= last_head || s.head || s.closed) __builtin_trap();
    if (reject != 0 && reject != 413 && reject != 431 && reject != 405) __builtin_trap();
    last_head = id;
    s.head = true;
    s.target = head.target;
    if (reject) return respond(id, reject);
    if (early) respond(id, 200);
  }
  void on_request_body(int32_t id, std::string_view bytes) override {
    StreamLog& s = streams[id];
    if (!s.head || s.ended || s.closed) __builtin_trap();
    s.body += bytes.size();
    total_body += bytes.size();
    if (s.body > kLimits.max_body_size) __builtin_trap();  // past it: 413 or reset, not more
  }
  void on_request_end(int32_t id) override {
    StreamLog& s = streams[id];
    if (!s.head || s.ended || s.closed) __builtin_trap();
    s.ended = true;
    if (!session->head_sent(id)) respond(id, 200);
  }
  void on_stream_close(int32_t id) override {
    StreamLog& s = streams[id];
    if (s.closed) __builtin_trap();
    s.closed = true;
  }
};

// The server's output, parsed as frames: our SETTINGS first, never a push,
// and HEADERS and DATA only on streams whose request head was reported
// (a RST_STREAM may answer a frame on any stream the client named).
struct FrameCheck {
  std::string pending;
  bool first = true;

  void add(const std::string& bytes, const Server& server) {
    pending += bytes;
    std::size_t at = 0;
    while (pending.size() - at >= 9) {
      auto b = [&](std::size_t i) { return static_cast<uint8_t>(pending[at + i]); };
      uint32_t length = (uint32_t{b(0)} << 16) | (uint32_t{b(1)} << 8) | b(2);
      uint8_t type = b(3);
      int32_t stream = static_cast<int32_t>(
          ((uint32_t{b(5)} << 24) | (uint32_t{b(6)} << 16) | (uint32_t{b(7)} << 8) | b(8)) &
          0x7fffffffu);
      if (pending.size() - at < 9 + length) break;
      if (first && (type != 0x4 || stream != 0 || b(4) != 0)) __builtin_trap();
      first = false;
      if (type == 0x5) __builtin_trap();
      if (type <= 0x1) {  // DATA, HEADERS
        auto it = server.streams.find(stream);
        if (it == server.streams.end() || !it->second.head) __builtin_trap();
      }
      at += 9 + length;
    }
    pending.erase(0, at);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 65536) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  Server server;
  server.early = data[0] & 1;
  server.big = data[0] & 2;
  bool slow = data[0] & 4;
  uint32_t rng = data[1];
  sluice::H2ServerSettings settings;
  settings.max_concurrent_streams = kMaxStreams;
  H2ServerSession session(server, settings, kLimits);
  server.session = &session;
  FrameCheck frames;
  auto drain = [&](std::size_t limit) {
    bool ok = session.produce(limit);
    frames.add(session.out().take_all(), server);
    return ok;
  };

  std::string wire = std::string(kPreface) + std::string(kSettings) + std::string(input);
  bool alive = true;
  for (std::size_t pos = 0; pos < wire.size() && alive;) {
    rng = rng * 1103515245u + 12345u;
    std::size_t n = std::min<std::size_t>(1 + (rng >> 16) % 512, wire.size() - pos);
    alive = session.feed(std::string_view(wire).substr(pos, n));
    pos += n;
    if (session.open_streams() > kMaxStreams) __builtin_trap();
    if (!drain(slow ? 200 : 1 << 20)) break;
  }
  // Whatever happened, what is left to say comes out as whole frames.
  for (int i = 0; i < 64 && session.want_write(); ++i)
    if (!drain(1 << 20)) break;
  if (!frames.pending.empty() && !session.want_write()) __builtin_trap();
  if (server.total_body > input.size()) __builtin_trap();
  return 0;
}
