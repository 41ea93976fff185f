#include "core/serve/h2_connection.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>

#include "core/serve/fixed_response.hpp"
#include "core/serve/h1_connection.hpp"
#include "core/serve/worker.hpp"

namespace sluice::serve {

namespace {
constexpr int kFillRounds = 4;       // fill/flush rounds per drive(): ~kHighWater
constexpr Millis kDrainLinger{200};  // kLinger while the server stops
// Framed before each flush. Streams queue about one DATA frame each, and
// each TLS write is one record, so flushing after every frame made short
// records of frame headers and tails. Batched, the records are whole 16 KiB
// blocks (each a whole DATA frame, see H2ServerSession::send_data).
constexpr std::size_t kBatch = 64 * 1024;
// Between the shutdown notice and the final GOAWAY: requests the client sent
// before it saw the notice still arrive and are still answered.
constexpr Millis kGoawayGrace{1000};
// Closed H2Streams kept for reuse, per connection (as the session keeps 32
// of its own streams).
constexpr std::size_t kSpareStreams = 32;
}  // namespace

H2Connection::H2Connection(Worker& worker, std::unique_ptr<Transport> transport,
                           std::string already_read, std::optional<H2cUpgrade> upgrade,
                           std::string_view alt_svc)
    : worker_(worker),
      loop_(worker.loop()),
      transport_(std::move(transport)),
      already_read_(std::move(already_read)),
      upgrade_(std::move(upgrade)),
      session_(*this, worker.config().h2, worker.config().limits),
      timer_(loop_, [this] { on_deadline(); }),
      // `this` is alive when it runs: a close queues the destruction behind it.
      deferred_drive_(loop_, [this] {
        if (state_ != State::closed) drive();
      }) {
  session_.set_alt_svc(alt_svc);
}

H2Connection::~H2Connection() {
  if (state_ != State::closed) loop_.remove(transport_->fd());  // worker teardown
  if (goaway_timer_) loop_.cancel(goaway_timer_);
  streams_.clear();  // endpoints cancel their timers while the loop is still there
  closed_.clear();
}

void H2Connection::start() {
  idle_since_ = last_read_ = last_write_ = loop_.now();
  if (!loop_.add(transport_->fd(), EPOLLIN, this)) {
    state_ = State::closed;
    worker_.release(this);
    return;
  }
  if (upgrade_ && !start_upgraded()) return;
  if (!already_read_.empty()) {
    std::string bytes = std::move(already_read_);
    feed(bytes);
  }
  drive();
}

// The 101 goes out first, then our SETTINGS; the request is stream 1.
bool H2Connection::start_upgraded() {
  static constexpr std::string_view k101 =
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
  session_.out().append(k101);
  // Stream 1 sends no more than what its first pull made until the client's
  // preface arrives: curl (7.88) keeps at most 32 KiB that follow a 101 and
  // fails the transfer past that.
  awaiting_preface_ = true;
  H2cUpgrade up = std::move(*upgrade_);
  upgrade_.reset();
  if (session_.upgrade(up.settings, std::move(up.request))) return true;
  close_now();  // a malformed HTTP2-Settings: nothing sensible to answer with
  return false;
}

void H2Connection::on_io(uint32_t events) {
  if (state_ == State::closed) return;
  if (peer_gone(events)) {
    close_now();
    return;
  }
  drive();
}

// Read, let the endpoints write, frame, write; bounded so a busy connection
// yields to the others (level-triggered epoll brings it back).
void H2Connection::drive() {
  if (state_ == State::lingering) {
    if (linger_read(transport_->fd(), lingered_, kLingerMax)) close_now();
    return;
  }
  if (state_ != State::open) return;
  read_input();
  // Until the socket is full or nothing was sent. (Not "until nothing was
  // pulled": after a WINDOW_UPDATE the queued frame goes first and the pull
  // follows, and stopping there cost an EPOLLOUT round trip per resume.)
  for (int round = 0; round < kFillRounds && state_ == State::open; ++round) {
    pull_streams();
    bool sent = false;
    if (!pump(&sent)) return;
    if (!output_empty() || !sent) break;
  }
  if (state_ != State::open) return;
  // Out of rounds with more to send: queue it now and wait for EPOLLOUT on a
  // non-empty queue. (An empty queue waiting for EPOLLOUT could wait forever:
  // the kernel reports it only once half the socket buffer is free, and a
  // peer that never reads would never meet its deadline.)
  if (output_empty() && (session_.want_write() || more_to_pull())) {
    pull_streams();
    if (!fill()) {
      close_now();
      return;
    }
  }
  recycle_closed();
  if (draining_ && streams_.empty() && !final_goaway_sent_) {
    send_final_goaway();
    if (!pump()) return;
  }
  if (session_.finished() && output_empty()) {
    start_lingering();
    return;
  }
  update_interest();
  timer_.arm(deadline());
  // TLS may hold decrypted bytes that epoll will never announce.
  if (reading_allowed() && transport_->has_buffered_read()) schedule_drive();
}

void H2Connection::schedule_drive() {
  if (state_ != State::closed) deferred_drive_.schedule();
}

bool H2Connection::reading_allowed() const {
  return state_ == State::open && !input_done_ && queued() < kHighWater;
}

// Framed, staged and still in the streams' queues: one budget for the whole
// connection, however many streams it has open.
bool H2Connection::has_room() const {
  return queued() + session_.body_memory() < kHighWater;
}

void H2Connection::read_input() {
  ReadEnd end = read_budgeted(
      *transport_, read_wants_, [this] { return reading_allowed(); },
      [this](std::string_view bytes) {
        last_read_ = loop_.now();
        feed(bytes);
      });
  if (end != ReadEnd::paused) close_now();  // reset, or EOF: an h2 client that closes is done
}

void H2Connection::feed(std::string_view data) {
  awaiting_preface_ = false;
  if (session_.feed(data)) return;
  // A protocol error or a defence tripped: the session has queued its GOAWAY.
  input_done_ = true;
  begin_closing();
}

void H2Connection::begin_closing() {
  if (closing_) return;
  closing_ = true;
  closing_since_ = loop_.now();
}

bool H2Connection::pull_streams() {
  if (awaiting_preface_) return false;
  bool any = false;
  for (auto& stream : streams_) {
    if (!stream->wants_pull()) continue;
    stream->pull();
    any = true;
  }
  return any;
}

// Frames into the output queue until a batch is ready or nothing more comes.
// A stream queues about one frame (kStreamQueue), so framing and pulling take
// turns; the per-stream memory bound is unchanged.
bool H2Connection::fill() {
  // Staged TLS records count: a reader that stops holds kHighWater in all.
  std::size_t limit = kHighWater - std::min(kHighWater, transport_->pending_bytes());
  release_filling();
  if (!session_.produce(limit)) return false;
  while (session_.out().size() < kBatch && pull_streams()) {
    std::size_t before = session_.out().size();
    if (!session_.produce(limit)) return false;
    if (session_.out().size() == before) break;  // windows shut, or endpoints wrote nothing
  }
  return true;
}

// A stream's last, partly filled block waits for its endpoint's next write
// (no runt frames, see H2ServerSession::set_filling). With the budget spent
// on such blocks and nothing framed, no endpoint would ever write again: let
// them go as they are.
void H2Connection::release_filling() {
  if (has_room() || !output_empty()) return;
  for (auto& stream : streams_) session_.set_filling(stream->id(), false);
}

bool H2Connection::pump(bool* sent) {
  if (!fill()) {
    close_now();
    return false;
  }
  bool progressed = false;
  Flushed f = flush_queue(*transport_, session_.out(), write_wants_, progressed);
  if (progressed) last_write_ = loop_.now();
  if (f == Flushed::failed) {
    close_now();
    return false;
  }
  if (sent) *sent = progressed;
  return true;
}

bool H2Connection::more_to_pull() const {
  for (const auto& stream : streams_)
    if (stream->wants_pull()) return true;
  return false;
}

void H2Connection::update_interest() {
  loop_.modify(transport_->fd(),
               io_interest(reading_allowed(), read_wants_, !output_empty(), write_wants_));
}

void H2Connection::send_final_goaway() {
  if (final_goaway_sent_) return;
  final_goaway_sent_ = true;
  session_.final_goaway();
  begin_closing();
}

// Closing right away with unread bytes in the kernel would send a RST, which
// can destroy the GOAWAY before the client reads it.
void H2Connection::start_lingering() {
  for (auto& stream : streams_) stream->closed();
  shut_down_sending(*transport_);
  state_ = State::lingering;
  linger_until_ = loop_.now() + (draining_ ? kDrainLinger : kLinger);
  loop_.modify(transport_->fd(), EPOLLIN);
  timer_.arm(linger_until_);
  if (linger_read(transport_->fd(), lingered_, kLingerMax)) close_now();
}

void H2Connection::drain() {
  if (draining_) return;
  draining_ = true;
  if (state_ != State::open) return;
  session_.shutdown_notice();
  if (streams_.empty()) {
    send_final_goaway();
  } else {
    goaway_timer_ = loop_.after(kGoawayGrace, [this] {
      goaway_timer_ = 0;
      send_final_goaway();
      schedule_drive();
    });
  }
  schedule_drive();
}

void H2Connection::close_now() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  loop_.remove(transport_->fd());
  timer_.cancel();
  if (goaway_timer_) loop_.cancel(goaway_timer_);
  goaway_timer_ = 0;
  for (auto& stream : streams_) stream->closed();  // no endpoint timer fires any more
  worker_.release(this);
}

// ---- deadlines -------------------------------------------------------------

bool H2Connection::waiting_on_peer() const {
  for (const auto& stream : streams_)
    if (stream->waiting_on_peer()) return true;
  return false;
}

bool H2Connection::stalled_output() const {
  if (!output_empty()) return true;
  for (const auto& stream : streams_)
    if (session_.held_by_peer(stream->id())) return true;  // its window is shut
  return false;
}

TimePoint H2Connection::deadline() const {
  const ServeConfig& cfg = worker_.config();
  switch (state_) {
    case State::lingering:
      return linger_until_;
    case State::closed:
      return TimePoint::max();
    case State::open:
      break;
  }
  if (closing_) return closing_since_ + cfg.request_timeout;
  // Only the peer can stall us: it does not take our bytes (window or
  // socket), or a request body does not come. Endpoints waiting on their own
  // timers (/delay, /drip) are not idle.
  if (stalled_output()) return last_write_ + cfg.keepalive_timeout;
  if (streams_.empty()) return idle_since_ + cfg.keepalive_timeout;
  if (waiting_on_peer()) return last_read_ + cfg.keepalive_timeout;
  return TimePoint::max();
}

void H2Connection::on_deadline() {
  if (state_ == State::closed) return;
  if (deadline() > loop_.now()) {
    timer_.arm(deadline());
    return;
  }
  if (state_ == State::open && !closing_) {
    if (streams_.empty()) {
      // Idle: say goodbye properly, then go.
      send_final_goaway();
      if (!pump()) return;
    } else if (give_up_stalled()) {
      return;
    }
  }
  close_now();
}

// The peer has taken none of our bytes for --keepalive-timeout (a window it
// never opens, or a socket it never reads). A GOAWAY tells it the
// connection is over and which streams were taken (RFC 9113 6.8), when the
// socket still takes bytes; then linger for its FIN, as after any last
// frame. True: lingering; false: nothing could be sent, close now.
bool H2Connection::give_up_stalled() {
  final_goaway_sent_ = true;
  input_done_ = true;
  session_.final_goaway("stalled: no progress within keepalive-timeout");
  if (!pump()) return true;  // closed already
  if (!output_empty()) return false;
  start_lingering();
  return true;
}

// ---- H2ServerEvents --------------------------------------------------------

void H2Connection::on_request_head(int32_t id, const RequestHead& head, int reject) {
  uint64_t limit = worker_.config().keepalive_requests;
  if (limit && served_ >= limit) {
    // Above the GOAWAY's last stream (it came in the same read): never
    // processed, so refused, and the client sends it again elsewhere.
    session_.reset(id, NGHTTP2_REFUSED_STREAM);
    return;
  }
  worker_.counters().requests.fetch_add(1, std::memory_order_relaxed);
  if (limit && ++served_ == limit && !draining_) {  // --keepalive-requests: the last one
    session_.goaway_after(id);
    draining_ = true;  // the final GOAWAY and the close follow when its streams end
  }
  last_read_ = last_write_ = loop_.now();  // a new exchange: its clock starts now
  std::unique_ptr<H2Stream> stream = open_stream(id, head);
  H2Stream* raw = stream.get();
  streams_.push_back(std::move(stream));
  raw->start(reject ? error_response(reject) : worker_.router().route(raw->request()));
}

void H2Connection::on_request_body(int32_t id, std::string_view bytes) {
  if (H2Stream* s = find_stream(id)) s->on_body(bytes);
}

void H2Connection::on_request_end(int32_t id) {
  if (H2Stream* s = find_stream(id)) s->on_body_end();
}

void H2Connection::on_stream_close(int32_t id) {
  auto it = std::find_if(streams_.begin(), streams_.end(), [id](auto& s) { return s->id() == id; });
  if (it == streams_.end()) return;
  (*it)->closed();
  closed_.push_back(std::move(*it));  // may be on the stack: destroyed after drive()
  *it = std::move(streams_.back());
  streams_.pop_back();
  if (streams_.empty()) idle_since_ = loop_.now();
}

// A spare stream when there is one: no allocation per request in a steady state.
std::unique_ptr<H2Stream> H2Connection::open_stream(int32_t id, const RequestHead& head) {
  if (spare_.empty()) return std::make_unique<H2Stream>(*this, id, head);
  std::unique_ptr<H2Stream> stream = std::move(spare_.back());
  spare_.pop_back();
  stream->reopen(id, head);
  return stream;
}

// Closed streams (their endpoints already gone) wait in spare_ for the next
// requests, up to kSpareStreams; the rest are freed, so a connection that
// once had many streams open keeps few.
void H2Connection::recycle_closed() {
  for (auto& stream : closed_)
    if (spare_.size() < kSpareStreams) spare_.push_back(std::move(stream));
  closed_.clear();
}

H2Stream* H2Connection::find_stream(int32_t id) const {
  for (const auto& s : streams_)
    if (s->id() == id) return s.get();
  return nullptr;
}

}  // namespace sluice::serve
