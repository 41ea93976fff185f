// Router::route() and the synthetic endpoints, driven through a recording writer:
// methods (501, 405 with Allow, OPTIONS and `OPTIONS *`), the request-target
// as routed (fragment dropped, path decoded and normalised), size caps, the
// headers /status adds, and /echo's bytes and Content-Type.
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "core/serve/pattern.hpp"
#include "core/serve/router.hpp"

using namespace sluice;
using namespace sluice::serve;

namespace {

// What an endpoint wrote; has_room() turns false after `room` body bytes, so a
// huge /bytes stops after its head and a first block.
struct Recorded final : ResponseWriter {
  explicit Recorded(RequestHead h, std::size_t room = 1 << 20) : head_(std::move(h)), room_(room) {}

  int status = 0;
  Headers headers;
  std::optional<uint64_t> length;
  std::string body;
  bool ended = false;

  const RequestHead& request() const override { return head_; }
  void head(int s, const Headers& h, std::optional<uint64_t> len) override {
    status = s;
    headers = h;
    length = len;
  }
  void write(std::string_view b) override { body += b; }
  void end() override { ended = true; }
  bool has_room() const override { return body.size() < room_; }
  bool can_sendfile() override { return false; }
  void sendfile(int, uint64_t, uint64_t) override {}
  void wake() override {}
  void abort() override {}
  Loop& loop() override { return *loop_; }

 private:
  RequestHead head_;
  std::size_t room_;
  std::unique_ptr<Loop> loop_ = std::make_unique<Loop>();  // movable, unlike a Loop
};

RequestHead request(std::string method, std::string target, Headers h = {}) {
  RequestHead r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(h);
  return r;
}

// Routes a request without a body (no --root) as the connection does: a
// first pull, the end of the (empty) body, then pulls until the endpoint is
// done or has no room; an endpoint waiting on its timer (/delay, /drip) gets
// the loop run until the timer has fired.
Recorded answer(RequestHead req, std::size_t room = 1 << 20) {
  Recorded w(req, room);
  static const Env kNoRoot;
  Router router(kNoRoot, w.loop());
  auto e = router.route(w.request());
  REQUIRE(e);
  Pull p = e->pull(w);
  e->on_body_end(w);
  for (int i = 0; i < 100 && p != Pull::done && w.has_room(); ++i) {
    if (p == Pull::wait) w.loop().run();  // returns at once when nothing is pending
    p = e->pull(w);
  }
  return w;
}

constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();

}  // namespace

TEST_CASE("serve route: unknown methods are 501, TRACE 405 with Allow, the rest answered") {
  for (const char* m : {"PROPFIND", "MKCOL", "PURGE", "get", "FOO"}) {
    INFO(m);
    CHECK(answer(request(m, "/bytes/3")).status == 501);
    CHECK(answer(request(m, "/echo")).status == 501);
  }
  const std::string all = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
  for (const char* target : {"/bytes/3", "/drip?bytes=1", "/redirect/1", "/status/200", "/delay/0",
                             "/echo", "/stats", "/"}) {
    for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}) {
      INFO(m << " " << target);
      auto w = answer(request(m, target));
      CHECK((w.status == 200 || w.status == 302));
      CHECK(w.ended);
      CHECK_FALSE(w.headers.has("Allow"));
    }
    INFO(target);
    auto trace = answer(request("TRACE", target));
    CHECK(trace.status == 405);
    CHECK(trace.headers.get("Allow") == all);
  }
}

TEST_CASE("serve route: OPTIONS answers with Allow and no body, for a path and for *") {
  auto star = answer(request("OPTIONS", "*"));
  CHECK(star.status == 200);
  CHECK(star.headers.get("Allow") == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  CHECK(star.length == 0u);
  CHECK(star.ended);
  CHECK(answer(request("GET", "*")).status == 400);  // the asterisk-form is for OPTIONS only

  for (const char* target : {"/bytes/3", "/echo", "/"}) {
    INFO(target);
    auto w = answer(request("OPTIONS", target));
    CHECK(w.status == 200);
    CHECK(w.headers.get("Allow") == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    CHECK(w.length == 0u);
    CHECK(w.body.empty());
  }
  CHECK(answer(request("OPTIONS", "/nothing-here")).status == 404);
}

TEST_CASE("serve route: fragments are dropped, paths decoded and normalised before routing") {
  for (const char* target : {"/bytes/5#frag", "/bytes/5#", "/foo/../bytes/5", "/bytes//5",
                             "/./bytes/5", "/bytes/%35", "/bytes/5/", "http://h/x/../bytes/5#f"}) {
    INFO(target);
    auto w = answer(request("GET", target));
    CHECK(w.status == 200);
    CHECK(w.body == "abcde");
  }
  auto drip = answer(request("GET", "/drip?bytes=0&rate=5#x"));  // the query loses it too
  CHECK(drip.status == 200);
  CHECK(drip.length == 0u);
  CHECK(answer(request("GET", "/../bytes/5")).status == 403);  // above the root
  CHECK(answer(request("GET", "/a/../../bytes/5")).status == 403);
  CHECK(answer(request("GET", "/bytes/%zz")).status == 400);
  CHECK(answer(request("GET", "/foo/../nothing")).status == 404);
}

TEST_CASE("serve /bytes and /drip: sizes up to 2^63 - 1, 400 beyond") {
  auto max = answer(request("GET", "/bytes/" + std::to_string(kMax)), 10);
  CHECK(max.status == 200);
  CHECK(max.length == kMax);
  CHECK(max.body.starts_with("abcdefghij"));

  Headers last;
  last.add("Range", "bytes=-1");
  auto tail = answer(request("GET", "/bytes/" + std::to_string(kMax), last));
  CHECK(tail.status == 206);
  CHECK(tail.headers.get("Content-Range") == "bytes " + std::to_string(kMax - 1) + "-" +
                                                 std::to_string(kMax - 1) + "/" +
                                                 std::to_string(kMax));
  CHECK(tail.body == pattern_slice(kMax - 1, 1));

  for (const char* target : {"/bytes/9223372036854775808", "/bytes/18446744073709551615",
                             "/drip?bytes=9223372036854775808", "/drip?rate=9223372036854775808"}) {
    INFO(target);
    CHECK(answer(request("GET", target)).status == 400);
  }
  CHECK(answer(request("GET", "/drip?bytes=0&rate=9223372036854775807")).status == 200);
}

TEST_CASE("serve /status: the headers its codes call for") {
  auto partial = answer(request("GET", "/status/206"));
  CHECK(partial.status == 206);
  REQUIRE(partial.length);
  CHECK(partial.body.size() == *partial.length);
  CHECK(partial.headers.get("Content-Range") == "bytes 0-" +
                                                    std::to_string(partial.body.size() - 1) + "/" +
                                                    std::to_string(partial.body.size()));
  CHECK(answer(request("GET", "/status/401")).headers.get("WWW-Authenticate") ==
        "Basic realm=\"sluice\"");
  CHECK(answer(request("GET", "/status/407")).headers.get("Proxy-Authenticate") ==
        "Basic realm=\"sluice\"");
  CHECK(answer(request("DELETE", "/status/405")).headers.get("Allow") ==
        "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  auto ok = answer(request("GET", "/status/200"));
  CHECK_FALSE(ok.headers.has("Content-Range"));
  CHECK_FALSE(ok.headers.has("WWW-Authenticate"));
}

TEST_CASE("serve /echo: every byte back unchanged, octet-stream unless the request says") {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (bool typed : {false, true}) {
    INFO("typed " << typed);
    Headers h;
    if (typed) h.add("Content-Type", "text/x-test; charset=latin1");
    RequestHead req = request("POST", "/echo", h);
    req.content_length = all.size();
    Recorded w(req);
    const Env no_root;
    Router router(no_root, w.loop());
    auto e = router.route(w.request());
    REQUIRE(e);
    CHECK(e->pull(w) == Pull::wait);
    e->on_body(w, all);
    e->on_body_end(w);
    CHECK(w.status == 200);
    CHECK(w.length == all.size());
    CHECK(w.body == all);
    CHECK(w.ended);
    CHECK(w.headers.get("Content-Type") ==
          (typed ? "text/x-test; charset=latin1" : "application/octet-stream"));
  }
}
