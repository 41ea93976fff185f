// What both HTTP/3 sessions' write paths (QuicApp::next_chunk) share: our
// control stream's bytes go first; then the streams with bytes to send, a
// chunk each in turn, so many small messages share a packet and a large one
// never starves the rest.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/h3/h3_frame.hpp"
#include "core/h3/quic_io.hpp"

namespace sluice::h3 {

// Our control stream (RFC 9114 6.2.1): its type, then SETTINGS, empty
// (every setting we would send has the value we want as its default: a
// QPACK table of capacity 0, no blocked streams, no field section limit),
// and later perhaps a GOAWAY; in a buffer that never moves (ngtcp2 refers to
// the bytes until they are acknowledged).
class ControlStream {
 public:
  // False: the peer allows us no unidirectional stream.
  bool open(ngtcp2_conn* conn) {
    if (ngtcp2_conn_open_uni_stream(conn, &id_, nullptr) != 0) return false;
    uint8_t* p = put_varint(bytes_.data(), uni_type::kControl);
    p = put_frame_header(p, frame_type::kSettings, 0);
    len_ = static_cast<std::size_t>(p - bytes_.data());
    return true;
  }
  void goaway(uint64_t first_refused) {
    uint8_t* p =
        put_frame_header(bytes_.data() + len_, frame_type::kGoaway, varint_size(first_refused));
    p = put_varint(p, first_refused);
    len_ = static_cast<std::size_t>(p - bytes_.data());
  }
  int64_t id() const { return id_; }
  bool opened() const { return id_ >= 0; }
  // True when it filled chunk with its unsent bytes.
  bool fill(StreamChunk& chunk) {
    if (sent_ == len_ || blocked_) return false;
    chunk.stream_id = id_;
    chunk.vecs[0].base = bytes_.data() + sent_;
    chunk.vecs[0].len = len_ - sent_;
    chunk.count = 1;
    return true;
  }
  void written(std::size_t n) { sent_ += n; }
  void set_blocked(bool blocked) { blocked_ = blocked; }

 private:
  int64_t id_ = -1;
  std::array<uint8_t, 32> bytes_{};
  std::size_t len_ = 0, sent_ = 0;
  bool blocked_ = false;
};

// Streams with bytes to send, taken in turn. S has `bool in_ready`, `bool
// sendable() const` and `void fill(StreamChunk&)`, which leaves
// chunk.stream_id at -1 when nothing is in view now (the stream comes back
// with add() when that changes).
template <class S>
class SendTurns {
 public:
  void add(S& s) {
    if (s.in_ready) return;
    s.in_ready = true;
    list_.push_back(&s);
  }
  void remove(S& s) {
    if (!s.in_ready) return;
    std::erase(list_, &s);
    s.in_ready = false;
  }
  void clear() {
    for (S* s : list_) s->in_ready = false;
    list_.clear();
  }
  // Fills chunk from the next stream in turn with something to send, and
  // returns it; nullptr (chunk untouched) when none has.
  S* fill(StreamChunk& chunk) {
    while (!list_.empty()) {
      if (turn_ >= list_.size()) turn_ = 0;
      S* s = list_[turn_];
      if (s->sendable()) {
        s->fill(chunk);
        if (chunk.stream_id >= 0) return s;
        chunk = StreamChunk{};
      }
      s->in_ready = false;
      list_[turn_] = list_.back();
      list_.pop_back();
    }
    return nullptr;
  }
  void next_turn() { ++turn_; }  // after the stream filled from wrote its chunk

 private:
  std::vector<S*> list_;
  std::size_t turn_ = 0;
};

}  // namespace sluice::h3
