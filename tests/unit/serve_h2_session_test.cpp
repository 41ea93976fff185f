// H2ServerSession against an in-memory nghttp2 client: request heads as the
// endpoints see them, responses (lower-case names, content-length, HEAD),
// request-body window given back only as the response queue drains, and the
// rapid-reset cut-off.
#include <nghttp2/nghttp2.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/h2/server_session.hpp"
#include "h2_server_support.hpp"

using namespace sluice;
using namespace h2test;

namespace {

// A minimal nghttp2 client that records what it receives.
struct Client {
  nghttp2_session* s = nullptr;
  std::map<int32_t, std::vector<std::pair<std::string, std::string>>> headers;
  std::map<int32_t, std::string> data;
  std::map<int32_t, std::vector<std::size_t>> data_frames;  // DATA payload lengths, by stream
  std::map<int32_t, uint32_t> reset_code;                   // RST_STREAM received, by stream
  uint32_t goaway_code = 0xffffffff;

  Client() {
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
               const uint8_t* v, size_t vl, uint8_t, void* u) {
          static_cast<Client*>(u)->headers[f->hd.stream_id].emplace_back(
              std::string(reinterpret_cast<const char*>(n), nl),
              std::string(reinterpret_cast<const char*>(v), vl));
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cb, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t n, void* u) {
          static_cast<Client*>(u)->data[id].append(reinterpret_cast<const char*>(d), n);
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          if (f->hd.type == NGHTTP2_GOAWAY)
            static_cast<Client*>(u)->goaway_code = f->goaway.error_code;
          if (f->hd.type == NGHTTP2_DATA)
            static_cast<Client*>(u)->data_frames[f->hd.stream_id].push_back(f->hd.length);
          if (f->hd.type == NGHTTP2_RST_STREAM)
            static_cast<Client*>(u)->reset_code[f->hd.stream_id] = f->rst_stream.error_code;
          return 0;
        });
    nghttp2_session_client_new(&s, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Client() { nghttp2_session_del(s); }

  // Windows no test body fills, so frame sizes are the server's choice.
  void big_windows() {
    nghttp2_settings_entry e{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24};
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, &e, 1);
    nghttp2_session_set_local_window_size(s, NGHTTP2_FLAG_NONE, 0, 1 << 24);
  }

  // length: a content-length header for the body, when not empty.
  int32_t get(const std::string& method, const std::string& path,
              nghttp2_data_provider* body = nullptr, const std::string& length = "") {
    auto nv = [](const std::string& n, const std::string& v) {
      return nghttp2_nv{(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(),
                        NGHTTP2_NV_FLAG_NONE};
    };
    static const std::string m = ":method", sc = ":scheme", p = ":path", a = ":authority",
                             http = "http", host = "example.test", cl = "content-length";
    nghttp2_nv nva[] = {nv(m, method), nv(sc, http), nv(p, path), nv(a, host), nv(cl, length)};
    return nghttp2_submit_request(s, nullptr, nva, length.empty() ? 4 : 5, body, nullptr);
  }

  std::string take_output() {
    std::string out;
    const uint8_t* p;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(s, &p)) > 0)
      out.append(reinterpret_cast<const char*>(p), n);
    return out;
  }
  void feed(const std::string& in) {
    nghttp2_session_mem_recv(s, reinterpret_cast<const uint8_t*>(in.data()), in.size());
  }
  std::string header(int32_t id, const std::string& name) {
    for (auto& [n, v] : headers[id])
      if (n == name) return v;
    return "<none>";
  }
};

// An upload of `size` bytes for a data provider, ended when all are sent.
struct Upload {
  static inline std::string bytes;
  static inline std::size_t sent = 0;
  static nghttp2_data_provider provider(std::size_t size) {
    bytes.assign(size, 'u');
    sent = 0;
    nghttp2_data_provider p{};
    p.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                         nghttp2_data_source*, void*) -> ssize_t {
      std::size_t n = std::min(len, bytes.size() - sent);
      std::memcpy(buf, bytes.data() + sent, n);
      sent += n;
      if (sent == bytes.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    return p;
  }
};

// Client -> server -> client until neither has anything to say.
void exchange(Client& c, H2ServerSession& srv, std::size_t limit = 1 << 20) {
  for (int i = 0; i < 50; ++i) {
    std::string up = c.take_output();
    if (!up.empty()) srv.feed(up);
    srv.produce(limit);
    std::string down = drain(srv.out());
    if (!down.empty()) c.feed(down);
    if (up.empty() && down.empty()) return;
  }
}

// A session with default settings, its events and a client: most cases need no more.
struct H2ServerFixture {
  Server ev;
  H2ServerSession srv{ev, H2ServerSettings{}, ServerLimits{}};
  Client c;
  H2ServerFixture() { ev.session = &srv; }
};

}  // namespace

TEST_CASE_METHOD(H2ServerFixture, "h2 server session: request heads and responses",
                 "[h2][session]") {
  int32_t get = c.get("GET", "/bytes/5?x=1");
  int32_t head = c.get("HEAD", "/bytes/5");
  exchange(c, srv);
  REQUIRE(ev.heads.count(get));
  const RequestHead& h = ev.heads[get];
  CHECK(h.method == "GET");
  CHECK(h.target == "/bytes/5?x=1");
  CHECK(h.version_major == 2);
  CHECK(h.headers.get("Host") == "example.test");
  CHECK_FALSE(h.has_body());
  CHECK(ev.ended.size() == 2);

  Headers rh;
  rh.add("Content-Type", "text/plain");
  for (int32_t id : {get, head}) {
    srv.send_head(id, 200, rh, 5);
    srv.send_body(id, "hello");
    srv.end_response(id);
  }
  exchange(c, srv);
  CHECK(c.header(get, ":status") == "200");
  CHECK(c.header(get, "content-type") == "text/plain");  // lower case on the wire
  CHECK(c.header(get, "content-length") == "5");
  CHECK(c.header(get, "server") == "sluice");
  CHECK(c.data[get] == "hello");
  CHECK(c.header(head, "content-length") == "5");
  CHECK(c.data[head].empty());
  CHECK(ev.closed.size() == 2);
  CHECK(srv.open_streams() == 0);
}

TEST_CASE("h2 server session: request body window returns only as the echo leaves",
          "[h2][session]") {
  Server ev;
  ev.echo = true;
  H2ServerSettings cfg;
  cfg.initial_window = 65535;
  H2ServerSession srv(ev, cfg, ServerLimits{});
  ev.session = &srv;
  Client c;

  auto body = Upload::provider(300'000);
  const std::string& upload = Upload::bytes;
  int32_t id = c.get("POST", "/echo", &body, std::to_string(upload.size()));
  // The server frames nothing (limit 0): the echo piles up in the stream's
  // queue, so the client may send one stream window and no more.
  exchange(c, srv, 0);
  REQUIRE(ev.heads.count(id));
  CHECK(ev.bodies[id].size() == 65535);
  CHECK(nghttp2_session_get_stream_remote_window_size(c.s, id) == 0);
  CHECK(srv.queued(id) == 65535);

  // Let the echo out: window comes back, and the whole body goes round.
  for (int i = 0; i < 20 && ev.ended.empty(); ++i) exchange(c, srv);
  srv.end_response(id);
  exchange(c, srv);
  CHECK(ev.bodies[id] == upload);
  CHECK(c.data[id] == upload);
}

namespace {
// Opens and resets streams until the session gives up; returns how many pairs
// it took, and in seconds how long that was (the bucket refills meanwhile).
int resets_until_goaway(const H2ServerSettings& settings, double& seconds) {
  auto start = std::chrono::steady_clock::now();
  Server ev;
  H2ServerSession srv(ev, settings, ServerLimits{});
  ev.session = &srv;
  Client c;
  bool alive = true;
  int pairs = 0;
  for (; pairs < 5000 && alive; ++pairs) {
    int32_t id = c.get("GET", "/bytes/1");
    std::string up = c.take_output();
    nghttp2_submit_rst_stream(c.s, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    up += c.take_output();
    alive = srv.feed(up);
  }
  CHECK(srv.goaway_code() == NGHTTP2_ENHANCE_YOUR_CALM);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return pairs;
}
}  // namespace

TEST_CASE("h2 server session: --h2-reset-rate sets the rapid-reset allowance", "[h2][session]") {
  H2ServerSettings strict, lenient;
  strict.reset_rate = 10;
  lenient.reset_rate = 1000;
  double strict_s = 0, lenient_s = 0;
  int few = resets_until_goaway(strict, strict_s), many = resets_until_goaway(lenient, lenient_s);
  // A burst of twice the rate, then the rate for as long as the loop ran (a
  // slow machine, ASan, refills more: the bound is in tokens, not time).
  CHECK(few > 15);
  CHECK(few < 20 + 10 * strict_s + 10);
  CHECK(many > 1900);
  CHECK(many < 2000 + 1000 * lenient_s + 100);
}

TEST_CASE_METHOD(H2ServerFixture,
                 "h2 server session: rapid reset ends the connection with ENHANCE_YOUR_CALM",
                 "[h2][session]") {
  bool alive = true;
  int pairs = 0;
  for (; pairs < 1000 && alive; ++pairs) {
    int32_t id = c.get("GET", "/bytes/1");
    std::string up = c.take_output();
    nghttp2_submit_rst_stream(c.s, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    up += c.take_output();
    alive = srv.feed(up);
  }
  CHECK_FALSE(alive);
  CHECK(pairs > 150);
  CHECK(pairs < 300);
  CHECK(srv.goaway_code() == NGHTTP2_ENHANCE_YOUR_CALM);
  srv.produce(1 << 20);
  c.feed(drain(srv.out()));
  CHECK(c.goaway_code == NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_CASE("h2 server session: an unsized request body over the limit is answered 413",
          "[h2][session]") {
  Server ev;
  ev.echo = true;  // the response head is sent before the body arrives
  ServerLimits limits;
  limits.max_body_size = 1000;
  H2ServerSession srv(ev, H2ServerSettings{}, limits);
  ev.session = &srv;
  Client c;
  // A request with an unsized body of `size` bytes, whose echo then ends.
  auto echoed = [&](const std::string& method, std::size_t size) {
    auto body = Upload::provider(size);
    int32_t id = c.get(method, "/echo", &body);
    exchange(c, srv);
    srv.end_response(id);
    exchange(c, srv);
    return id;
  };

  SECTION("a body that fits is echoed once it ends") {
    int32_t id = echoed("PUT", 900);
    CHECK(c.header(id, ":status") == "200");
    CHECK(c.data[id] == Upload::bytes);
  }
  SECTION("a body over the limit gets 413; the rest of it is dropped") {
    auto body = Upload::provider(300'000);
    int32_t id = c.get("PUT", "/echo", &body);
    for (int i = 0; i < 10 && Upload::sent < Upload::bytes.size(); ++i) exchange(c, srv);
    exchange(c, srv);
    CHECK(c.header(id, ":status") == "413");
    CHECK(c.data[id] == "413 Content Too Large\n");
    CHECK(ev.bodies[id].size() <= 1000);          // the endpoint never sees past the limit
    CHECK(Upload::sent == Upload::bytes.size());  // window came back for the dropped bytes
    CHECK(c.reset_code.count(id) == 0);
    CHECK(srv.open_streams() == 0);
  }
  SECTION("a 413 goes out though the endpoint was still filling its body") {
    auto body = Upload::provider(300'000);
    int32_t id = c.get("PUT", "/echo", &body);
    srv.feed(c.take_output());
    srv.set_filling(id, true);  // as for /bytes: more body is coming at the next pull
    for (int i = 0; i < 10 && Upload::sent < Upload::bytes.size(); ++i) exchange(c, srv);
    exchange(c, srv);
    CHECK(c.header(id, ":status") == "413");
    CHECK(c.data[id] == "413 Content Too Large\n");
  }
  SECTION("after a 413, more than 1 MiB of body is cut with RST_STREAM(NO_ERROR)") {
    auto body = Upload::provider(3'000'000);
    int32_t id = c.get("PUT", "/echo", &body);
    for (int i = 0; i < 10 && c.reset_code.count(id) == 0; ++i) exchange(c, srv);
    CHECK(c.header(id, ":status") == "413");
    CHECK(c.data[id] == "413 Content Too Large\n");
    CHECK(c.reset_code[id] == NGHTTP2_NO_ERROR);
    CHECK(Upload::sent < Upload::bytes.size());
    CHECK(srv.open_streams() == 0);
  }
  SECTION("the cut waits until the 413 is out: the upload is held by its window meanwhile") {
    nghttp2_settings_entry shut{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0};
    nghttp2_submit_settings(c.s, NGHTTP2_FLAG_NONE, &shut, 1);  // no room for our DATA
    auto body = Upload::provider(3'000'000);
    int32_t id = c.get("PUT", "/echo", &body);
    for (int i = 0; i < 20; ++i) exchange(c, srv);
    CHECK(c.header(id, ":status") == "413");
    CHECK(c.data[id].empty());
    CHECK(c.reset_code.count(id) == 0);  // a reset now would lose the 413's body
    CHECK(Upload::sent < 1'500'000);     // about 1 MiB dropped, then the window shut
    nghttp2_settings_entry open{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535};
    nghttp2_submit_settings(c.s, NGHTTP2_FLAG_NONE, &open, 1);
    for (int i = 0; i < 20 && c.reset_code.count(id) == 0; ++i) exchange(c, srv);
    CHECK(c.data[id] == "413 Content Too Large\n");
    CHECK(c.reset_code[id] == NGHTTP2_NO_ERROR);
  }
  SECTION("HEAD: what the endpoint wrote while the response waited is not sent") {
    int32_t id = echoed("HEAD", 500);
    CHECK(c.header(id, ":status") == "200");
    CHECK(c.data[id].empty());
    CHECK(srv.open_streams() == 0);
  }
  SECTION("a response past the hold mark flows, and the body over the limit resets it") {
    ev.echo = true;
    auto body = Upload::provider(3'000'000);
    ServerLimits big;
    big.max_body_size = 1'000'000;
    H2ServerSession srv2(ev, H2ServerSettings{}, big);
    ev.session = &srv2;
    Client c2;
    int32_t id = c2.get("PUT", "/echo", &body);
    for (int i = 0; i < 50 && c2.reset_code.count(id) == 0; ++i) exchange(c2, srv2);
    CHECK(c2.header(id, ":status") == "200");  // the 256 KiB hold filled: the echo began
    CHECK(c2.data[id].size() >= 256 * 1024);
    CHECK(c2.reset_code[id] == NGHTTP2_CANCEL);  // too late for a 413
  }
}

TEST_CASE_METHOD(
    H2ServerFixture,
    "h2 server session: a body written in slices leaves in whole-block frames, no runts",
    "[h2][session]") {
  c.big_windows();
  int32_t id = c.get("GET", "/bytes/N");
  exchange(c, srv);
  const std::size_t total = 10 * 16384 + 100;
  srv.send_head(id, 200, {}, total);
  // As H2Stream drives an endpoint like /bytes: 16 KiB slices while the
  // stream's queue has room, "filling" until the endpoint has ended.
  srv.set_filling(id, true);
  std::string sent;
  while (sent.size() < total) {
    while (srv.queued(id) < H2ServerSession::kStreamQueue && sent.size() < total) {
      std::size_t n = std::min<std::size_t>(16384, total - sent.size());
      std::string slice(n, static_cast<char>('a' + sent.size() / 16384));
      srv.send_body(id, slice);
      sent += slice;
    }
    if (sent.size() == total) srv.end_response(id);  // still "filling": the end releases it
    exchange(c, srv);
  }
  CHECK(c.data[id] == sent);
  const auto& frames = c.data_frames[id];
  REQUIRE(frames.size() >= 2);
  // Each frame is one whole block (its 9-byte header in the block's
  // headroom); only the last is short.
  const std::size_t per_block = kBlockSize - H2ServerSession::kBodyHeadroom;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    INFO("frame " << i);
    CHECK(frames[i] == per_block);
  }
  CHECK(frames.back() == total - (frames.size() - 1) * per_block);
}

TEST_CASE_METHOD(H2ServerFixture, "h2 server session: a body that stops filling leaves at once",
                 "[h2][session]") {
  int32_t id = c.get("GET", "/drip");
  exchange(c, srv);
  srv.send_head(id, 200, {}, std::nullopt);
  srv.set_filling(id, true);
  srv.send_body(id, "tick");
  exchange(c, srv);
  CHECK(c.data[id].empty());   // more is coming at once: the runt waits
  srv.set_filling(id, false);  // the endpoint waits (a timer, the request body)
  exchange(c, srv);
  CHECK(c.data[id] == "tick");
}

// ---- hand-made frames: what an nghttp2 client would never send -------------

TEST_CASE("h2 server session: a reused or lower stream id is a PROTOCOL_ERROR GOAWAY",
          "[h2][session]") {
  RawSession r;
  SECTION("the id of a stream that has ended") {
    r.get(1);
    r.respond(1);
    REQUIRE(r.ev.closed == std::vector<int32_t>{1});
    r.get(1);
  }
  SECTION("an id below one already opened, while that one is still open") {
    r.get(5);
    r.get(3);
  }
  SECTION("an id skipped over (implicitly closed, RFC 9113 5.1.1)") {
    r.get(1);
    r.get(7);
    r.respond(1);
    r.get(5);
  }
  CHECK_FALSE(r.alive);
  CHECK(r.goaway_code() == NGHTTP2_PROTOCOL_ERROR);
}

TEST_CASE("h2 server session: DATA after the request's END_STREAM is STREAM_CLOSED",
          "[h2][session]") {
  RawSession r;
  r.get(1);
  SECTION("the response is still under way") {}
  SECTION("the stream has ended on both sides") {
    r.respond(1);
    REQUIRE(r.ev.closed == std::vector<int32_t>{1});
  }
  r.send(raw_frame(NGHTTP2_DATA, 0, 1, "late"));
  CHECK(r.goaway_code() == NGHTTP2_STREAM_CLOSED);
  CHECK(r.find(NGHTTP2_RST_STREAM) == nullptr);
}

TEST_CASE("h2 server session: frames for a stream we reset are ignored, not errors",
          "[h2][session]") {
  RawSession r;
  // A POST whose body is still coming when we reset it.
  r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, get_block("/echo")));
  r.srv->reset(1, NGHTTP2_CANCEL);
  r.send("");
  REQUIRE(r.find(NGHTTP2_RST_STREAM, 1));
  REQUIRE(r.ev.closed == std::vector<int32_t>{1});
  // Sent before the client saw the reset: DATA and trailers.
  r.send(raw_frame(NGHTTP2_DATA, 0, 1, "in flight"));
  r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1,
                   "\x40\x01x\x01y"));
  CHECK(r.alive);
  CHECK(r.goaway_code() == -1);
  // Trailers on a stream that is still open are fine too.
  r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 3, get_block("/echo")));
  r.send(raw_frame(NGHTTP2_DATA, 0, 3, "body"));
  r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 3,
                   "\x00\x01x\x01y"));
  CHECK(r.alive);
  CHECK(r.ev.bodies[3] == "body");
  CHECK(r.ev.ended == std::vector<int32_t>{3});
  r.respond(3);
  CHECK(r.goaway_code() == -1);
}

TEST_CASE("h2 server session: a stream over the concurrency limit is refused alone",
          "[h2][session]") {
  RawSession r(2);
  // The limit is advertised, though nghttp2 itself is not told it.
  const RawFrame* settings = r.find(NGHTTP2_SETTINGS);
  REQUIRE(settings);
  uint32_t advertised = 0;
  for (std::size_t at = 0; at + 6 <= settings->payload.size(); at += 6)
    if (settings->payload[at + 1] == NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
      advertised = settings->u32(at + 2);
  CHECK(advertised == 2);

  r.get(1);
  r.get(3);
  r.get(5);  // one too many
  const RawFrame* rst = r.find(NGHTTP2_RST_STREAM, 5);
  REQUIRE(rst);
  CHECK(rst->u32(0) == NGHTTP2_REFUSED_STREAM);
  CHECK(r.goaway_code() == -1);
  CHECK(r.ev.heads.count(5) == 0);  // never routed
  CHECK(r.srv->open_streams() == 2);
  // The others are answered, and a stream after one has ended is taken.
  r.respond(1);
  r.respond(3);
  r.get(7);
  r.respond(7);
  CHECK(r.alive);
  for (int32_t id : {1, 3, 7}) CHECK(r.find(NGHTTP2_DATA, id));
  CHECK(r.goaway_code() == -1);
}

TEST_CASE("h2 server session: body_memory() counts the blocks of every stream's unsent body",
          "[h2][session]") {
  RawSession r;
  // A window of 0: nothing the endpoints write can leave.
  r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, std::string("\x00\x04\x00\x00\x00\x00", 6)));
  for (int32_t id : {1, 3, 5}) {
    r.get(id);
    r.srv->send_head(id, 200, {}, std::nullopt);
    r.srv->send_body(id, std::string(10000, 'x'));
  }
  r.send("");
  CHECK(r.srv->body_memory() == 3 * kBlockSize);  // one block each
  r.srv->send_body(5, std::string(10000, 'x'));   // a second block for stream 5
  CHECK(r.srv->body_memory() == 4 * kBlockSize);
  r.srv->reset(3, NGHTTP2_CANCEL);  // its bytes will never leave
  r.send("");
  CHECK(r.srv->body_memory() == 3 * kBlockSize);
  // Window for stream 1 only: its bytes are framed, its block moves on.
  r.send(raw_frame(NGHTTP2_WINDOW_UPDATE, 0, 1, std::string("\x00\x01\x00\x00", 4)));
  CHECK(r.srv->body_memory() == 2 * kBlockSize);
}

// The session keeps its last clean request block with its head (a
// SectionMemo), but only for blocks that leave the decoder's table as it
// was, and only while the table stays so: the same bytes against a changed
// table are another request.
TEST_CASE("h2 server session: a repeated header block is the same head only for the same table",
          "[h2][session]") {
  RawSession r;
  auto headers = [&](int32_t id, const std::string& block) {
    r.send(
        raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id, block));
  };
  const std::string method_scheme = "\x82\x86";  // :method GET, :scheme http
  // Inserts :authority localhost (62), then :path /a (62; the authority 63).
  headers(1, method_scheme + "\x41\x09localhost" + "\x44\x02/a");
  // All indexed: :path /a, :authority localhost.
  const std::string indexed = method_scheme + "\xbe\xbf";
  headers(3, indexed);
  headers(5, indexed);  // the same bytes, the same table
  CHECK(r.ev.heads[3].target == "/a");
  CHECK(r.ev.heads[5].target == "/a");
  CHECK(r.ev.heads[5].headers.get("host") == "localhost");
  // Inserts :path /b (62): now 63 is /a and 64 the authority.
  headers(7, method_scheme + "\x44\x02/b" + "\xc0");
  CHECK(r.ev.heads[7].target == "/b");
  // The same bytes as stream 3's now name /b and /a: a malformed request
  // (two :path), reset, not /a again.
  headers(9, indexed);
  CHECK(r.ev.heads.count(9) == 0);
  CHECK(r.find(NGHTTP2_RST_STREAM, 9) != nullptr);
  // And a block that reads right against the new table.
  headers(11, method_scheme + "\xbe\xc0");
  CHECK(r.ev.heads[11].target == "/b");
  CHECK(r.alive);
}

// A response head that encodes as references only is sent again as its
// block while the encoder's table is unchanged: every head the client
// decodes must still be its own, as heads of other kinds come between and
// insert into the table, and after the client shrinks the table (a size
// update must start the next block, and evicted entries are gone).
TEST_CASE_METHOD(H2ServerFixture, "h2 server session: repeated response heads decode as their own",
                 "[h2][session]") {
  struct Answer {
    const char* type;
    std::string body;
  };
  const std::vector<Answer> answers = {
      {"text/plain", "hello"},    {"text/plain", "hello"}, {"text/plain", "hello"},
      {"text/html", "world"},     {"text/html", "world"},  {"text/plain", "hello"},
      {"text/plain", "hi!"},      {"text/plain", "hello"}, {"text/plain", "hello"},
      {"application/json", "{}"}, {"text/plain", "hello"}, {"text/plain", "hello"}};
  std::vector<int32_t> ids;
  for (std::size_t i = 0; i < answers.size(); ++i) ids.push_back(c.get("GET", "/x"));
  exchange(c, srv);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (i == 8) {  // right after a head kept for sending again
      nghttp2_settings_entry small{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 64};
      nghttp2_submit_settings(c.s, NGHTTP2_FLAG_NONE, &small, 1);
      exchange(c, srv);
    }
    Headers rh;
    rh.add("Content-Type", answers[i].type);
    srv.send_head(ids[i], 200, rh, answers[i].body.size());
    srv.send_body(ids[i], answers[i].body);
    srv.end_response(ids[i]);
    exchange(c, srv);  // one at a time: each block after the last one's insertions
  }
  for (std::size_t i = 0; i < answers.size(); ++i) {
    INFO("response " << i);
    CHECK(c.header(ids[i], ":status") == "200");
    CHECK(c.header(ids[i], "content-type") == answers[i].type);
    CHECK(c.header(ids[i], "content-length") == std::to_string(answers[i].body.size()));
    CHECK(c.header(ids[i], "server") == "sluice");
    CHECK(c.data[ids[i]] == answers[i].body);
  }
  CHECK(c.goaway_code == 0xffffffff);  // no COMPRESSION_ERROR
}
