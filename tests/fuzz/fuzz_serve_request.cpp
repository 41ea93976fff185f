// libFuzzer target "serve_request": the serve side's HTTP/1.1 request parser
// (H1ServerSession), fed bytes as a client would send them, in small random
// splits, and answered the way serve's H1Connection answers. Input: a flags
// byte, a byte that seeds the split sizes, then the bytes from the client.
// Flags: bit 0, each response goes out as soon as its request head is in
// (before the body: the held-response path); bit 1, responses have no
// Content-Length (chunked, or close-delimited for HTTP/1.0). The same bytes
// are then fed again in one piece, where the session's memo of its last
// request (taken without llhttp) finds the most repeats: the heads must be
// the same, request for request.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/h1/server_session.hpp"
#include "tests/fuzz/response_check.hpp"

namespace {

using sluice::H1ServerSession;
using sluice::RequestHead;

constexpr sluice::ServerLimits kLimits{
    .max_header_size = 2048, .max_target_size = 512, .max_body_size = 4096};

// Checks the order and size of what the session reports.
struct Checker : sluice::RequestEvents {
  bool open = false;  // between a head and its end
  RequestHead head;
  uint64_t body = 0;        // of the current request
  uint64_t total_body = 0;  // of all requests
  std::string heads;        // every head, in order, as text

  void on_request_head(const RequestHead& h) override {
    if (open || h.target.size() > kLimits.max_target_size) __builtin_trap();
    open = true;
    head = h;
    body = 0;
    heads += h.method + ' ' + h.target + ' ' + std::to_string(h.version_major) + '.' +
             std::to_string(h.version_minor) + ' ' +
             std::to_string(h.content_length.value_or(~0ull)) + (h.chunked ? " chunked" : "") +
             (h.keep_alive ? " keep" : "") + (h.expect_continue ? " continue" : "") + '\n';
    for (const auto& [n, v] : h.headers.list()) heads += n + ": " + v + '\n';
  }
  void on_request_body(std::string_view bytes) override {
    if (!open) __builtin_trap();
    body += bytes.size();
    total_body += bytes.size();
    if (body > kLimits.max_body_size) __builtin_trap();
  }
  void on_request_end() override {
    if (!open) __builtin_trap();
    // A body framed by Content-Length is delivered whole, never more.
    if (!head.chunked && body != head.content_length.value_or(0)) __builtin_trap();
    open = false;
  }
};

struct Client {
  H1ServerSession& session;
  Checker& checker;
  bool early = false, unframed = false;
  uint32_t rng = 0;

  std::size_t next_split() {
    rng = rng * 1103515245u + 12345u;
    return 1 + (rng >> 16) % 16;
  }

  // The endpoint's answer: the request target, echoed.
  void respond() {
    const RequestHead& h = checker.head;
    if (h.expect_continue) session.send_continue();
    auto length = unframed ? std::nullopt : std::optional<uint64_t>(h.target.size());
    session.send_head(200, {}, length);
    session.send_body(h.target);
    session.end_response();
  }

  // The response, as the client would read it, answers the request.
  void check_output() {
    const RequestHead& h = checker.head;
    std::string wire = session.out().take_all();
    bool close_ends = !session.keep_alive();
    auto r = sluice::fuzz::parse_whole_response(wire, h.is_head(), close_ends);
    if (!r || r->status != 200 || r->body != (h.is_head() ? "" : h.target)) __builtin_trap();
  }

  // Feeds what the client sent so far; false once the connection is over.
  bool feed(std::string& pending);
  bool fail();
};

bool Client::feed(std::string& pending) {
  for (;;) {
    auto fed = session.feed(pending);
    if (fed.consumed > pending.size()) __builtin_trap();
    pending.erase(0, fed.consumed);
    if (fed.state == H1ServerSession::Parse::error) return fail();
    if (fed.state == H1ServerSession::Parse::more) {
      // H1Connection keeps what is not consumed and feeds it again: left
      // unconsumed without a pause, it would loop on it for ever.
      if (!pending.empty()) __builtin_trap();
      if (early && checker.open && !session.head_sent()) respond();
      return true;
    }
    if (!session.head_sent()) respond();
    if (!session.response_ended()) __builtin_trap();
    check_output();
    if (!session.keep_alive()) return false;
    session.next_request();
  }
}

// A request refused: the error response must be all the client gets.
bool Client::fail() {
  int status = session.error_status();
  if (status < 400 || status > 505) __builtin_trap();
  // A response under way (or complete) stands: H1Connection only closes.
  if (session.head_sent()) return false;
  session.send_error(status);
  // A 100 Continue may come first, but no part of a response held back. A
  // refused HEAD request (its head parsed) gets a 400 without the body.
  bool head = session.request().is_head();
  auto r = sluice::fuzz::parse_whole_response(session.out().take_all(), head, false);
  if (!r || r->status != status) __builtin_trap();
  return false;
}

// The heads the session reported for wire fed in pieces of next_split(),
// or in one piece when whole.
std::string run(std::string_view wire, uint8_t flags, uint8_t seed, bool whole) {
  Checker checker;
  H1ServerSession session(checker, kLimits);
  Client client{session, checker, (flags & 1) != 0, (flags & 2) != 0, seed};
  std::string pending;
  for (std::size_t pos = 0; pos < wire.size();) {
    std::size_t n = whole ? wire.size() : std::min(client.next_split(), wire.size() - pos);
    pending.append(wire.substr(pos, n));
    pos += n;
    if (!client.feed(pending)) break;
  }
  if (checker.total_body > wire.size()) __builtin_trap();
  return checker.heads;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (run(wire, data[0], data[1], false) != run(wire, data[0], data[1], true)) __builtin_trap();
  return 0;
}
