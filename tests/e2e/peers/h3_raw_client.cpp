// A test peer: an HTTP/3 client that sends raw bytes, to check what
// `sluice serve --http3` does with frames no well-behaved client sends. It
// completes a QUIC handshake (ALPN h3, certificate not checked) with the
// project's own QUIC layer, then sends CONTROL on a unidirectional stream
// (left open, as a control stream is) and REQUEST on a bidirectional stream,
// with a FIN unless "nofin" follows, and prints one line:
//   close 0xCODE      the server closed the connection with HTTP/3 error CODE
//   transport 0xCODE  ... with a QUIC transport error
//   reset 0xCODE      the server reset the request stream with CODE
//   response N        the request stream ended cleanly after N bytes
//   partial HEX       (nofin only) the first bytes the server sent before
//                     the request ended, e.g. an interim 100
//   timeout           none of these within 5 s
// Usage: h3_raw_client PORT CONTROL_HEX REQUEST_HEX [nofin]
// ("" for CONTROL sends no control stream.) Exit status 0 once a line is
// printed, 1 on a usage or connection error.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/h3/quic_client.hpp"
#include "core/loop/loop.hpp"
#include "core/net/address.hpp"

using namespace sluice;
using namespace sluice::h3;

namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// One stream's bytes to send, and how far they went.
struct Outgoing {
  int64_t id = -1;
  std::vector<uint8_t> bytes;
  std::size_t sent = 0;
  bool fin = false, fin_sent = false, blocked = false;
  bool pending() const {
    return id >= 0 && !blocked && (sent < bytes.size() || (fin && !fin_sent));
  }
};

class RawClient final : public QuicApp {
 public:
  RawClient(Loop& loop, std::vector<uint8_t> control, std::vector<uint8_t> request, bool fin)
      : loop_(loop), has_control_(!control.empty()) {
    control_.bytes = std::move(control);
    request_.bytes = std::move(request);
    request_.fin = fin;
  }
  std::unique_ptr<QuicClient> quic;

  Result<void> on_handshake_done() override {
    if (has_control_ && ngtcp2_conn_open_uni_stream(quic->conn(), &control_.id, nullptr) != 0)
      return sluice::fail(Errc::internal, "cannot open the control stream");
    if (ngtcp2_conn_open_bidi_stream(quic->conn(), &request_.id, nullptr) != 0)
      return sluice::fail(Errc::internal, "cannot open the request stream");
    quic->schedule_write();
    return {};
  }
  Result<std::size_t> on_stream_data(int64_t id, std::span<const uint8_t> data, bool fin,
                                     void*) override {
    if (id == request_.id) {
      received_ += data.size();
      if (fin)
        report(fmt::format("response {}", received_));
      else if (!request_.fin)
        report(fmt::format("partial {:02x}", fmt::join(data, "")));
    }
    return data.size();
  }
  Result<void> on_stream_acked(int64_t, uint64_t, void*) override { return {}; }
  Result<void> on_stream_closed(int64_t, std::optional<uint64_t>, void*) override { return {}; }
  Result<void> on_stream_reset(int64_t id, uint64_t code, void*) override {
    if (id == request_.id) report(fmt::format("reset 0x{:x}", code));
    return {};
  }
  Result<void> on_stream_stop_sending(int64_t, uint64_t, void*) override { return {}; }
  Result<void> on_stream_window(int64_t id, void*) override {
    for (Outgoing* o : {&control_, &request_})
      if (o->id == id) o->blocked = false;
    return {};
  }
  void on_read_done() override {}
  Result<void> next_chunk(StreamChunk& chunk) override {
    for (Outgoing* o : {&control_, &request_}) {
      if (!o->pending()) continue;
      chunk.stream_id = o->id;
      chunk.count = 1;
      chunk.vecs[0] = {o->bytes.data() + o->sent, o->bytes.size() - o->sent};
      chunk.fin = o->fin;
      return {};
    }
    return {};
  }
  Result<void> chunk_written(int64_t id, std::size_t n) override {
    Outgoing& o = id == control_.id ? control_ : request_;
    o.sent += n;
    if (o.fin && o.sent == o.bytes.size()) o.fin_sent = true;
    return {};
  }
  Result<void> chunk_blocked(int64_t id) override {
    (id == control_.id ? control_ : request_).blocked = true;
    return {};
  }
  Result<void> chunk_shut(int64_t id) override {
    Outgoing& o = id == control_.id ? control_ : request_;
    o.sent = o.bytes.size();
    o.fin_sent = true;
    return {};
  }
  void on_closed(const Error& e) override {
    const ngtcp2_ccerr* cc = quic ? ngtcp2_conn_get_ccerr(quic->conn()) : nullptr;
    if (cc && cc->type == NGTCP2_CCERR_TYPE_APPLICATION)
      report(fmt::format("close 0x{:x}", cc->error_code));
    else if (cc && cc->type == NGTCP2_CCERR_TYPE_TRANSPORT && cc->error_code != 0)
      report(fmt::format("transport 0x{:x}", cc->error_code));
    else
      report("closed: " + e.message);
  }

  void report(const std::string& line) {
    if (reported_) return;
    reported_ = true;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    loop_.stop();
  }
  bool reported() const { return reported_; }

 private:
  Loop& loop_;
  bool has_control_;
  Outgoing control_, request_;
  std::size_t received_ = 0;
  bool reported_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: h3_raw_client PORT CONTROL_HEX REQUEST_HEX [nofin]\n");
    return 1;
  }
  auto remote = parse_numeric("127.0.0.1", static_cast<uint16_t>(std::stoi(argv[1])));
  if (!remote) return 1;
  Loop loop;
  bool fin = !(argc > 4 && std::string(argv[4]) == "nofin");
  RawClient app(loop, from_hex(argv[2]), from_hex(argv[3]), fin);
  QuicClientConfig cfg;
  cfg.remote = *remote;
  cfg.tls = {"localhost", false, ""};
  auto quic = QuicClient::connect(loop, cfg, app);
  if (!quic) {
    std::fprintf(stderr, "h3_raw_client: %s\n", quic.error().message.c_str());
    return 1;
  }
  app.quic = std::move(*quic);
  loop.after(Millis(5000), [&] { app.report("timeout"); });
  loop.run();
  return app.reported() ? 0 : 1;
}
