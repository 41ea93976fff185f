// One request/response exchange of H2ServerSession: private to
// server_session*.cpp, shared by its input and output halves.
#pragma once

#include <optional>

#include "core/h2/frame.hpp"
#include "core/h2/server_session.hpp"

namespace sluice {

struct H2ServerSession::Stream {
  int32_t id = 0;
  RequestHead head;
  std::size_t header_bytes = 0;
  bool too_large = false;                   // header list over the limit: answer 431
  bool rejected = false;                    // answered without routing: its body is dropped
  bool head_request = false;                // HEAD: the response has no body
  bool responded = false;                   // send_head called: the head is out or waits
  bool head_queued = false;                 // the response HEADERS are written (control_out_)
  bool no_body = false;                     // the response ended with its HEADERS
  bool eof = false;                         // end_response called
  bool body_unsized = false;                // a request body without content-length
  bool request_ended = false;               // the peer's END_STREAM arrived
  bool local_ended = false;                 // our END_STREAM is framed
  bool resetting = false;                   // our RST_STREAM waits to go: nothing more is framed
  bool cut = false;                         // a refused body ran past kDropMax: reset
  bool filling = false;                     // the endpoint has more body ready: see set_filling
  bool ready = false;                       // listed in ready_
  uint64_t body_seen = 0;                   // request body bytes, for the content-length check
  uint64_t received = 0;                    // request body bytes given to the endpoint
  uint64_t dropped = 0;                     // request body bytes read and thrown away (refused)
  std::size_t held = 0;                     // received but not yet given back to the peer's window
  std::size_t unannounced = 0;              // given back, not yet sent as WINDOW_UPDATE
  int64_t send_window = 0;                  // what we may send on this stream
  int64_t recv_window = 0;                  // what the peer may send on it
  ChainBuffer queue;                        // response body written, not yet framed
  std::size_t pool_index = 0;               // where the session's pool_ holds it
  std::optional<WaitingHead> waiting_head;  // send_head waits for the request body

  // A full block of body leaves as one DATA frame without a copy: its header
  // goes in the block's headroom (data_frame).
  Stream() { queue.set_headroom(kBodyHeadroom); }

  // For reuse from the free list: everything but the queue's allocations
  // and the header list's, so a typical request head is parsed without
  // allocating.
  void reset() {
    id = 0;
    head.reset_keeping_capacity();
    header_bytes = 0;
    too_large = rejected = head_request = responded = head_queued = no_body = eof = false;
    body_unsized = request_ended = local_ended = resetting = cut = filling = ready = false;
    body_seen = received = dropped = 0;
    held = unannounced = 0;
    send_window = recv_window = 0;
    queue.clear();
    waiting_head.reset();
  }
};

namespace h2srv {
// A response waiting for its unsized request body holds at most this much
// body, per stream and per connection; past it, it flows (as in HTTP/1.1).
constexpr std::size_t kHoldMax = 256 * 1024;
constexpr std::size_t kHoldTotal = 1 << 20;
constexpr uint64_t kDropMax = 1 << 20;  // refused request body read and dropped, per stream
}  // namespace h2srv

}  // namespace sluice
