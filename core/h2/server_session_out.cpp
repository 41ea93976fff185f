// H2ServerSession, output half: control frames, response heads (HPACK),
// DATA within the client's windows, window updates for what it sent, and
// the per-stream response verbs.
#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "core/h1/http_date.hpp"
#include "core/h2/server_session.hpp"
#include "core/h2/server_stream.hpp"
#include "core/http/status.hpp"

namespace sluice {

using namespace h2;
using namespace h2srv;

namespace {
constexpr std::size_t kMaxUnsentAcks = 100;  // SETTINGS/PING ACKs the client lets pile up

// Runs change(queue) and keeps total (the blocks all queues hold) in step.
template <class Change>
void track(std::size_t& total, ChainBuffer& queue, Change&& change) {
  std::size_t before = queue.capacity();
  change(queue);
  total = total - before + queue.capacity();
}
}  // namespace

// ---- control frames --------------------------------------------------------

void H2ServerSession::control_frame(uint8_t type, uint8_t flags, int32_t stream,
                                    std::string_view payload) {
  append_frame(control_out_, type, flags, stream, payload);
}

// A client that sends SETTINGS or PINGs and never reads our ACKs is cut off
// before they pile up.
void H2ServerSession::ack_frame(uint8_t type, std::string_view payload) {
  if (++acks_unsent_ > kMaxUnsentAcks) return terminate(kEnhanceYourCalm);
  control_frame(type, kAck, 0, payload);
}

void H2ServerSession::goaway(int32_t last, uint32_t code, std::string_view debug) {
  char p[8];
  write_u32(p, static_cast<uint32_t>(last));
  write_u32(p + 4, code);
  std::string payload(p, sizeof p);
  payload.append(debug);
  control_frame(kGoaway, 0, 0, payload);
}

void H2ServerSession::window_update(int32_t stream, uint32_t increment) {
  char p[4];
  write_u32(p, increment);
  control_frame(kWindowUpdate, 0, stream, std::string_view(p, sizeof p));
}

// Bytes the client sent that we are done with go back to its windows: the
// stream's (s) and the connection's. Like nghttp2, a WINDOW_UPDATE goes once
// half a window has come back, not for every frame.
void H2ServerSession::give_back(Stream* s, std::size_t n) {
  if (n == 0 || terminated_) return;
  unannounced_ += n;
  if (unannounced_ >= static_cast<std::size_t>(conn_window_ / 2)) {
    window_update(0, static_cast<uint32_t>(unannounced_));
    recv_window_ += static_cast<int64_t>(unannounced_);
    unannounced_ = 0;
  }
  if (!s || s->request_ended || s->resetting) return;
  s->unannounced += n;
  if (s->unannounced >= settings_.initial_window / 2) {
    window_update(s->id, static_cast<uint32_t>(s->unannounced));
    s->recv_window += static_cast<int64_t>(s->unannounced);
    s->unannounced = 0;
  }
}

// Request-body window goes back only while this stream's response queue is
// short: an /echo whose client stops reading stops its upload too.
void H2ServerSession::credit(Stream& s) {
  std::size_t room = s.waiting_head ? kHoldMax : kStreamQueue;
  if (s.held == 0 || s.queue.size() >= room) return;
  give_back(&s, std::exchange(s.held, 0));
}

// ---- produce ---------------------------------------------------------------

bool H2ServerSession::produce(std::size_t limit) {
  out_limit_ = limit;
  if (out_.empty()) acks_unsent_ = 0;
  // Control frames before resets: our SETTINGS, queued at construction, must
  // be the first frame we send (RFC 9113 3.4), and the first feed() may
  // already have queued a RST_STREAM.
  flush_control();
  flush_resets();
  flush_control();
  if (terminated_) return true;
  // Streams take turns; one stopped by the limit stays listed for next time.
  std::vector<Stream*> turn;
  turn.swap(ready_);
  for (Stream* s : turn) s->ready = false;
  for (std::size_t i = 0; i < turn.size(); ++i) {
    Stream* s = turn[i];
    if (out_.size() < limit && !send_stream(*s)) continue;  // it closed
    if (sendable(*s)) mark_ready(*s);
  }
  // A stream's end may have reset an upload, or a reset tripped a defence.
  flush_resets();
  flush_control();
  return true;
}

void H2ServerSession::flush_control() {
  out_.append(control_out_);
  control_out_.clear();
}

// RST_STREAMs go out in order, each closing its stream as it goes (a
// stream already gone just gets the frame).
void H2ServerSession::flush_resets() {
  while (!resets_out_.empty()) {
    auto list = std::move(resets_out_);
    resets_out_.clear();
    for (auto [id, code] : list) {
      char p[4];
      write_u32(p, code);
      char h[kFrameHeaderSize];
      write_frame_header(h, 4, kRstStream, 0, id);
      out_.append(std::string_view(h, sizeof h));
      out_.append(std::string_view(p, sizeof p));
      if (Stream* s = find(id)) close_stream(*s, code);
    }
  }
}

void H2ServerSession::mark_ready(Stream& s) {
  if (s.ready) return;
  s.ready = true;
  ready_.push_back(&s);
}

bool H2ServerSession::sendable(const Stream& s) const {
  if (s.resetting || s.local_ended || !s.head_queued) return false;
  if (s.no_body) return true;
  if (s.queue.empty()) return s.eof;
  if (std::min(send_window_, s.send_window) <= 0) return false;
  // A last block still filling waits for its endpoint's next write.
  bool waits =
      s.filling && !s.eof && s.queue.front().size() == s.queue.size() && s.queue.tail_has_room();
  return !waits;
}

// Frames what the stream has within the windows and out()'s limit. One
// frame per block: only the last block is partly filled, so frames are
// whole blocks, which data_frame moves instead of copying.
bool H2ServerSession::send_stream(Stream& s) {
  while (sendable(s) && out_.size() < out_limit_) {
    if (s.no_body) return local_end(s);
    if (s.queue.empty()) return data_frame(s, 0, true);
    int64_t window = std::min(send_window_, s.send_window);
    std::size_t n =
        std::min({s.queue.front().size(), peer_max_frame_, static_cast<std::size_t>(window)});
    bool end = s.eof && n == s.queue.size();
    if (!data_frame(s, n, end)) return false;
    if (end) return true;
  }
  return true;
}

// The frame header, then the body bytes from the stream's queue into out().
// A frame that is one whole block moves that block, header written in its
// headroom; others are copied. No padding.
bool H2ServerSession::data_frame(Stream& s, std::size_t length, bool end_stream) {
  char h[kFrameHeaderSize];
  write_frame_header(h, length, kData, end_stream ? kEndStream : 0, s.id);
  std::string_view header(h, sizeof h);
  send_window_ -= static_cast<int64_t>(length);
  s.send_window -= static_cast<int64_t>(length);
  track(body_memory_, s.queue, [&](ChainBuffer& queue) {
    if (length > 0 && length == queue.front().size() && queue.move_front_block(out_, header))
      length = 0;
    else
      out_.append(header);
    while (length > 0) {
      std::string_view chunk = queue.front();
      std::size_t n = std::min(length, chunk.size());
      out_.append(chunk.substr(0, n));
      queue.consume(n);
      length -= n;
    }
  });
  credit(s);
  return end_stream ? local_end(s) : true;
}

// Our END_STREAM is out. A refused upload past its allowance can be cut
// now; a stream whose request has ended too is closed.
bool H2ServerSession::local_end(Stream& s) {
  s.local_ended = true;
  if (s.dropped > kDropMax) cut_upload(s);
  if (!s.request_ended) return true;
  close_stream(s, kNoError);
  return false;
}

bool H2ServerSession::want_read() const {
  if (terminated_) return false;
  return !((goaway_sent_ || goaway_received_) && open_ == 0);
}

bool H2ServerSession::finished() const {
  return !want_read() && !want_write();
}

bool H2ServerSession::want_write() const {
  if (!control_out_.empty() || !resets_out_.empty()) return true;
  if (terminated_) return false;
  return std::any_of(ready_.begin(), ready_.end(), [this](Stream* s) { return sendable(*s); });
}

// ---- per-stream responses --------------------------------------------------

// HEADERS, and CONTINUATIONs when the block is over the client's frame size.
void H2ServerSession::header_frames(int32_t id, std::string_view block, bool end_stream) {
  uint8_t type = kHeaders;
  uint8_t flags = end_stream ? kEndStream : 0;
  do {
    std::string_view piece = block.substr(0, peer_max_frame_);
    block.remove_prefix(piece.size());
    control_frame(type, flags | (block.empty() ? kEndHeaders : 0), id, piece);
    type = kContinuation;
    flags = 0;
  } while (!block.empty());
}

void H2ServerSession::send_head(int32_t id, int status, const Headers& headers,
                                std::optional<uint64_t> length) {
  Stream* s = find(id);
  if (!s || s->responded) return;
  s->responded = true;
  if (s->body_unsized && !s->request_ended && waiting_bytes_ < kHoldTotal) {
    s->waiting_head = WaitingHead{status, headers, length};
    return;
  }
  submit_head(id, *s, status, headers, length);
}

void H2ServerSession::submit_head(int32_t id, Stream& s, int status, const Headers& headers,
                                  std::optional<uint64_t> length) {
  if (s.resetting) return;
  s.no_body = s.head_request || status == 204 || status == 304 || (length && *length == 0);
  std::array<char, 3> code = {static_cast<char>('0' + status / 100 % 10),
                              static_cast<char>('0' + status / 10 % 10),
                              static_cast<char>('0' + status % 10)};
  std::array<char, 20> len{};  // 2^64 - 1 has 20 digits
  char* len_end =
      length ? std::to_chars(len.data(), len.data() + len.size(), *length).ptr : len.data();
  std::string_view date = current_http_date(), length_text(len.data(), len_end);
  uint64_t table = encoder_.table().changes();
  LastHead& last = last_head_;
  bool same = last.kept && last.table == table && last.status == status && last.date == date &&
              last.length == length_text && last.fields == headers.list();
  if (!same) {
    block_out_.clear();
    encoder_.begin(block_out_);
    bool no_update = block_out_.empty();
    encoder_.field(block_out_, ":status", std::string_view(code.data(), code.size()));
    encoder_.field(block_out_, "server", "sluice");
    encoder_.field(block_out_, "date", date);
    for (const auto& [name, value] : headers.list()) encoder_.field(block_out_, name, value);
    if (length) encoder_.field(block_out_, "content-length", length_text);
    if (!alt_svc_.empty()) encoder_.field(block_out_, "alt-svc", alt_svc_);
    // Only a block of references to an unchanged table means the same again.
    last.kept =
        no_update && encoder_.table().changes() == table && block_out_.size() <= kMaxLastHead;
    if (last.kept) {
      last.table = table;
      last.status = status;
      last.date.assign(date);
      last.length.assign(length_text);
      last.fields = headers.list();
      last.block.assign(block_out_);
    }
  }
  header_frames(id, same ? std::string_view(last.block) : std::string_view(block_out_), s.no_body);
  s.head_queued = true;
  if (s.no_body) {
    s.eof = true;
    drop_queue(s);  // what a HEAD's endpoint wrote while its response waited
  }
  mark_ready(s);
}

void H2ServerSession::set_filling(int32_t id, bool filling) {
  Stream* s = find(id);
  if (!s || s->filling == filling) return;
  s->filling = filling;
  if (!filling) mark_ready(*s);
}

void H2ServerSession::send_continue(int32_t id) {
  Stream* s = find(id);
  if (!s || s->resetting) return;
  block_out_.clear();
  encoder_.begin(block_out_);
  encoder_.field(block_out_, ":status", "100");
  header_frames(id, block_out_, false);
}

void H2ServerSession::send_body(int32_t id, std::string_view bytes) {
  Stream* s = find(id);
  if (!s || !s->responded || s->eof || bytes.empty()) return;
  track(body_memory_, s->queue, [&](ChainBuffer& queue) { queue.append(bytes); });
  if (!s->waiting_head) return mark_ready(*s);
  waiting_bytes_ += bytes.size();
  // Past the mark the response must flow, or the request's window stalls it.
  if (s->queue.size() >= kHoldMax || waiting_bytes_ >= kHoldTotal) release_head(id, *s);
}

int H2ServerSession::body_rooms(int32_t id, std::size_t max, std::span<char>* spans, int count) {
  Stream* s = find(id);
  if (!s || !s->responded || s->eof || s->waiting_head || s->resetting) return 0;
  int n = 0;
  track(body_memory_, s->queue,
        [&](ChainBuffer& queue) { n = queue.tail_rooms(max, 1, spans, count); });
  return n;
}

void H2ServerSession::commit_body(int32_t id, std::size_t n) {
  Stream* s = find(id);
  if (!s) return;
  track(body_memory_, s->queue, [&](ChainBuffer& queue) { queue.commit_spread(n); });
  if (n == 0) return;
  mark_ready(*s);
}

// The response that waited for the request body goes out now.
void H2ServerSession::release_head(int32_t id, Stream& s) {
  if (auto h = end_wait(s)) submit_head(id, s, h->status, h->headers, h->length);
}

// Ends a stream's wait (if it waits): its queued bytes stop counting against
// kHoldTotal, and the waiting head is handed back.
std::optional<H2ServerSession::WaitingHead> H2ServerSession::end_wait(Stream& s) {
  if (!s.waiting_head) return std::nullopt;
  waiting_bytes_ -= s.queue.size();
  return std::exchange(s.waiting_head, std::nullopt);
}

void H2ServerSession::drop_queue(Stream& s) {
  track(body_memory_, s.queue, [](ChainBuffer& queue) { queue.clear(); });
}

// A request body over --max-body-size whose response has not started: the
// response becomes 413, and the rest of the body is dropped (drop_body).
void H2ServerSession::refuse_body(int32_t id, Stream& s) {
  end_wait(s);
  drop_queue(s);
  s.responded = s.rejected = true;
  give_back(&s, std::exchange(s.held, 0));
  std::string body = status_body(413);
  Headers h;
  h.add("Content-Type", std::string(kPlainTextType));
  submit_head(id, s, 413, h, body.size());
  if (!s.no_body) track(body_memory_, s.queue, [&](ChainBuffer& queue) { queue.append(body); });
  s.eof = true;
}

// A refused body is read and dropped only so far, as HTTP/1.1 lingers for at
// most 1 MiB. Past that the stream's window stays shut (the connection's is
// returned, for its siblings), and once our response has ended
// RST_STREAM(NO_ERROR) asks the client to stop (RFC 9113 8.1). Resetting
// earlier would discard the 413's unsent DATA. Smaller bodies finish, so curl
// sees the response intact.
void H2ServerSession::drop_body(Stream& s, std::size_t n) {
  s.dropped += n;
  if (s.dropped <= kDropMax) return give_back(&s, n);
  give_back(nullptr, n);
  if (s.local_ended) cut_upload(s);
}

void H2ServerSession::cut_upload(Stream& s) {
  if (s.cut || s.request_ended) return;
  s.cut = true;
  reset(s.id, kNoError);
}

void H2ServerSession::end_response(int32_t id) {
  Stream* s = find(id);
  if (!s || !s->responded || s->eof) return;
  s->eof = true;
  mark_ready(*s);
}

void H2ServerSession::reset(int32_t id, uint32_t error_code) {
  Stream* s = find(id);
  if (s) {
    if (s->resetting) return;
    s->resetting = true;
  }
  resets_out_.emplace_back(id, error_code);
}

bool H2ServerSession::held_by_peer(int32_t id) const {
  Stream* s = find(id);
  return s && !s->queue.empty() && !s->waiting_head;
}

std::size_t H2ServerSession::queued(int32_t id) const {
  Stream* s = find(id);
  return s ? s->queue.size() : 0;
}

bool H2ServerSession::head_sent(int32_t id) const {
  Stream* s = find(id);
  return s && s->responded;
}

bool H2ServerSession::response_ended(int32_t id) const {
  Stream* s = find(id);
  return s && s->eof;
}

// ---- graceful stop ---------------------------------------------------------

// The first of two GOAWAYs (6.8): the highest possible id, so the client
// stops opening streams while the ones in flight are still taken.
void H2ServerSession::shutdown_notice() {
  if (!terminated_) goaway(kMaxWindow, kNoError);
}

void H2ServerSession::goaway_after(int32_t last_stream_id) {
  if (terminated_) return;
  goaway(last_stream_id, kNoError);
  goaway_sent_ = true;
  goaway_last_ = std::min(goaway_last_, last_stream_id);
}

void H2ServerSession::final_goaway(std::string_view debug) {
  if (terminated_) return;
  goaway(last_processed_, kNoError, debug);
  goaway_sent_ = true;
  goaway_last_ = std::min(goaway_last_, last_processed_);
}

}  // namespace sluice
