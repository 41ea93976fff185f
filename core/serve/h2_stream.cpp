#include "core/serve/h2_stream.hpp"

#include <nghttp2/nghttp2.h>

#include "core/serve/h2_connection.hpp"

namespace sluice::serve {

namespace {
constexpr int kStreamPulls =
    16;  // per pull(): an endpoint saying `more` without writing cannot spin
}

H2Stream::H2Stream(H2Connection& conn, int32_t id, const RequestHead& head) : conn_(conn) {
  reopen(id, head);
}

void H2Stream::reopen(int32_t id, const RequestHead& head) {
  id_ = id;
  head_ = &head;
  endpoint_.reset();
  pull_state_ = Pull::done;
  request_done_ = false;
}

H2Stream::~H2Stream() {
  endpoint_.reset();
}  // cancels its timers while the loop is there

void H2Stream::start(std::unique_ptr<Endpoint> endpoint) {
  endpoint_ = std::move(endpoint);
  if (head_->expect_continue && head_->has_body()) conn_.session().send_continue(id_);
  pull_state_ = endpoint_->pull(*this);
  mark_filling();
}

// Not once the response has ended without the endpoint (the session answered
// 413 instead): what it writes would only be dropped.
bool H2Stream::wants_pull() const {
  return endpoint_ && pull_state_ == Pull::more && has_room() &&
         !conn_.session().response_ended(id_);
}

void H2Stream::pull() {
  for (int i = 0; i < kStreamPulls && wants_pull(); ++i) pull_state_ = endpoint_->pull(*this);
  mark_filling();
}

// Out of room with more to write: the stream's last block fills on the next
// pull (an endpoint that stopped with room left is not waited for).
void H2Stream::mark_filling() {
  conn_.session().set_filling(id_, pull_state_ == Pull::more && !has_room());
}

void H2Stream::on_body(std::string_view bytes) {
  if (endpoint_) endpoint_->on_body(*this, bytes);
}

void H2Stream::on_body_end() {
  request_done_ = true;
  if (endpoint_) endpoint_->on_body_end(*this);
}

void H2Stream::closed() {
  endpoint_.reset();
  pull_state_ = Pull::done;
}

void H2Stream::head(int status, const Headers& headers, std::optional<uint64_t> length) {
  conn_.session().send_head(id_, status, headers, length);
}

void H2Stream::write(std::string_view bytes) {
  conn_.session().send_body(id_, bytes);
}

int H2Stream::body_rooms(std::size_t max, std::span<char>* spans, int count) {
  return conn_.session().body_rooms(id_, max, spans, count);
}

void H2Stream::commit_body(std::size_t n) {
  conn_.session().commit_body(id_, n);
}

void H2Stream::end() {
  conn_.session().end_response(id_);
}

bool H2Stream::has_room() const {
  return conn_.session().queued(id_) < H2ServerSession::kStreamQueue && conn_.has_room();
}

void H2Stream::wake() {
  if (!endpoint_) return;
  pull_state_ = Pull::more;
  conn_.schedule_drive();  // never re-enter the endpoint from its own callback
}

void H2Stream::abort() {
  conn_.session().reset(id_, NGHTTP2_INTERNAL_ERROR);
}

Loop& H2Stream::loop() {
  return conn_.loop();
}

}  // namespace sluice::serve
