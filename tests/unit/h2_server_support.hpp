// Test support for H2ServerSession: recording events, and a session spoken
// to in hand-made frames (what an nghttp2 client would never send).
#pragma once

#include <nghttp2/nghttp2.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/h2/server_session.hpp"

namespace h2test {

using namespace sluice;

struct Server : H2ServerEvents {
  std::map<int32_t, RequestHead> heads;
  std::map<int32_t, std::string> bodies;
  std::vector<int32_t> ended, closed;
  bool echo = false;
  H2ServerSession* session = nullptr;

  void on_request_head(int32_t id, const RequestHead& h, int) override {
    heads[id] = h;
    if (echo) session->send_head(id, 200, {}, std::nullopt);  // as the Echo endpoint does
  }
  void on_request_body(int32_t id, std::string_view b) override {
    bodies[id] += b;
    if (echo) session->send_body(id, b);
  }
  void on_request_end(int32_t id) override { ended.push_back(id); }
  void on_stream_close(int32_t id) override { closed.push_back(id); }
};

inline std::string drain(ChainBuffer& b) {
  return b.take_all();
}

inline std::string raw_frame(uint8_t type, uint8_t flags, int32_t stream,
                             std::string_view payload = {}) {
  std::string f;
  auto n = static_cast<uint32_t>(payload.size());
  auto id = static_cast<uint32_t>(stream);
  for (uint32_t v : {n >> 16, n >> 8, n}) f += static_cast<char>(v & 0xff);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  for (uint32_t v : {id >> 24, id >> 16, id >> 8, id}) f += static_cast<char>(v & 0xff);
  f += payload;
  return f;
}

// GET path: indexed :method GET and :scheme http, literal :path and
// :authority (never indexed, so every block stands alone).
inline std::string get_block(const std::string& path = "/bytes/10") {
  std::string b = "\x82\x86";
  b += '\x04';
  b += static_cast<char>(path.size());
  b += path;
  b += "\x01\x09localhost";
  return b;
}

struct RawFrame {
  uint8_t type = 0, flags = 0;
  int32_t stream = 0;
  std::string payload;
  uint32_t u32(std::size_t at) const {
    auto b = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(payload[i])); };
    return (b(at) << 24) | (b(at + 1) << 16) | (b(at + 2) << 8) | b(at + 3);
  }
};

inline std::vector<RawFrame> parse_frames(const std::string& bytes) {
  std::vector<RawFrame> out;
  std::size_t at = 0;
  while (at + 9 <= bytes.size()) {
    auto b = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])); };
    uint32_t len = (b(at) << 16) | (b(at + 1) << 8) | b(at + 2);
    RawFrame f;
    f.type = static_cast<uint8_t>(b(at + 3));
    f.flags = static_cast<uint8_t>(b(at + 4));
    f.stream = static_cast<int32_t>(
        ((b(at + 5) << 24) | (b(at + 6) << 16) | (b(at + 7) << 8) | b(at + 8)) & 0x7fffffff);
    f.payload = bytes.substr(at + 9, len);
    out.push_back(std::move(f));
    at += 9 + len;
  }
  return out;
}

// A server session spoken to in raw frames; the client's side of the
// preface and SETTINGS exchange (with the ACK) is done on construction.
struct RawSession {
  Server ev;
  H2ServerSettings settings;
  std::unique_ptr<H2ServerSession> srv;
  std::vector<RawFrame> got;  // every frame the server sent
  bool alive = true;

  explicit RawSession(uint32_t max_streams = 100) {
    settings.max_concurrent_streams = max_streams;
    srv = std::make_unique<H2ServerSession>(ev, settings, ServerLimits{});
    ev.session = srv.get();
    send(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24) + raw_frame(NGHTTP2_SETTINGS, 0, 0));
    send(raw_frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0));  // our SETTINGS are in force
  }
  // Feeds bytes, then collects what the server answers.
  void send(const std::string& bytes) {
    if (alive) alive = srv->feed(bytes);
    srv->produce(1 << 20);
    for (auto& f : parse_frames(drain(srv->out()))) got.push_back(std::move(f));
  }
  void get(int32_t id, const std::string& path = "/bytes/10") {
    send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id,
                   get_block(path)));
  }
  void respond(int32_t id, std::string_view body = "0123456789") {
    srv->send_head(id, 200, {}, body.size());
    srv->send_body(id, body);
    srv->end_response(id);
    send("");
  }
  const RawFrame* find(uint8_t type, int32_t stream = -1) const {
    for (const auto& f : got)
      if (f.type == type && (stream < 0 || f.stream == stream)) return &f;
    return nullptr;
  }
  // The GOAWAY's error code, or -1 when none came.
  int64_t goaway_code() const {
    const RawFrame* g = find(NGHTTP2_GOAWAY);
    return g ? int64_t{g->u32(4)} : -1;
  }
};

}  // namespace h2test
