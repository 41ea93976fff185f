#include "core/serve/h1_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "core/h2/preface.hpp"
#include "core/net/tcp.hpp"
#include "core/serve/h2_connection.hpp"
#include "core/serve/methods.hpp"
#include "core/serve/worker.hpp"
#include "core/util/base64.hpp"

namespace sluice::serve {

namespace {
constexpr int kProducePulls = 64;  // per produce()
constexpr int kDriveRounds = 16;   // produce/flush/next-request rounds per drive()
constexpr std::size_t kSendfileChunk = 1 << 20;

// RFC 7540 3.2: a bodiless HTTP/1.1 request that asks for h2c, with exactly
// one HTTP2-Settings that decodes to whole SETTINGS entries. Anything else
// is answered over HTTP/1.1, as the RFC lets a server do.
std::optional<H2cUpgrade> h2c_upgrade_of(const RequestHead& head) {
  const Headers& h = head.headers;
  if (!head.http11() || head.has_body() || !h.has_token("upgrade", "h2c") ||
      !h.has_token("connection", "upgrade") || !h.has_token("connection", "http2-settings"))
    return std::nullopt;
  auto named = [](const auto& field) { return iequals(field.first, "http2-settings"); };
  if (std::count_if(h.list().begin(), h.list().end(), named) != 1) return std::nullopt;
  auto payload = base64url_decode(*h.get("http2-settings"));
  if (!payload || payload->size() % 6 != 0) return std::nullopt;
  return H2cUpgrade{std::move(*payload), head};
}
}  // namespace

H1Connection::H1Connection(Worker& worker, std::unique_ptr<Transport> transport,
                           std::string_view alt_svc)
    : worker_(worker),
      alt_svc_(alt_svc),
      loop_(worker.loop()),
      transport_(std::move(transport)),
      session_(*this, worker.config().limits),
      timer_(loop_, [this] { on_deadline(); }),
      // `this` is alive when it runs: a close queues the destruction behind it.
      deferred_drive_(loop_, [this] {
        if (state_ != State::closed) drive();
      }) {
  session_.set_alt_svc(alt_svc_);
}

H1Connection::~H1Connection() {
  if (state_ != State::closed) loop_.remove(transport_->fd());  // worker teardown
  endpoint_.reset();  // cancels the endpoint's timers while the loop is still there
}

void H1Connection::start() {
  accepted_ = head_started_ = last_progress_ = loop_.now();
  state_ = transport_->is_tls() ? State::handshake : State::open;
  sniffing_ = !transport_->is_tls();
  if (!loop_.add(transport_->fd(), EPOLLIN, this)) {
    state_ = State::closed;
    worker_.release(this);
    return;
  }
  // With TCP_DEFER_ACCEPT the first bytes are already here: no epoll round trip.
  if (state_ == State::handshake)
    continue_handshake();
  else
    drive();
}

void H1Connection::on_io(uint32_t events) {
  if (state_ == State::closed) return;
  if (peer_gone(events)) {
    close_now();
    return;
  }
  if (state_ == State::handshake)
    continue_handshake();
  else
    drive();
}

void H1Connection::continue_handshake() {
  auto done = transport_->handshake();
  if (!done) {
    close_now();
    return;
  }
  if (!*done) {
    loop_.modify(transport_->fd(), transport_->wants() ? transport_->wants() : EPOLLIN);
    timer_.arm(deadline());
    return;
  }
  state_ = State::open;
  if (transport_->alpn() == "h2") {
    hand_over_to_h2({});
    return;
  }
  drive();
}

// h2c by prior knowledge: the first bytes of a plain connection are either
// the h2 preface or an h1 request. False while they are still undecided (or
// handed over); data then holds what h1 is to parse.
bool H1Connection::sniff(std::string_view& data) {
  if (sniffed_.empty() && data.size() >= h2::kClientPreface.size()) {  // the usual case: no copy
    if (h2::match_client_preface(data) == h2::PrefaceMatch::full) {
      hand_over_to_h2(std::string(data));
      return false;
    }
    sniffing_ = false;
    return true;
  }
  sniffed_.append(data);
  switch (h2::match_client_preface(sniffed_)) {
    case h2::PrefaceMatch::partial:
      return false;
    case h2::PrefaceMatch::full:
      hand_over_to_h2(std::move(sniffed_));
      return false;
    case h2::PrefaceMatch::no:
      break;
  }
  sniffing_ = false;
  data = sniffed_;  // stays alive: sniffed_ is never touched again
  return true;
}

void H1Connection::hand_over_to_h2(std::string already_read, std::optional<H2cUpgrade> upgrade) {
  state_ = State::closed;
  loop_.remove(transport_->fd());
  timer_.cancel();
  worker_.hand_over_h2(this, std::move(transport_), std::move(already_read), std::move(upgrade),
                       alt_svc_);
}

// A request that asked for h2c has been read whole: HTTP/2 answers it, with
// whatever the client sent after it (its connection preface).
bool H1Connection::switch_if_upgraded() {
  if (!upgrade_ || !request_done_ || state_ != State::open) return false;
  std::string rest = in_.take_all();
  auto up = std::move(upgrade_);
  upgrade_.reset();
  hand_over_to_h2(std::move(rest), std::move(up));
  return true;
}

// The one place that advances the state machine: read, produce, write, and
// move on to the next pipelined request. Bounded, so a busy connection yields
// to the others; level-triggered epoll brings it back.
void H1Connection::drive() {
  if (state_ == State::lingering) {
    linger();
  } else if (state_ == State::open || state_ == State::closing) {
    read_input();
    if (switch_if_upgraded()) return;
    for (int round = 0; round < kDriveRounds && state_ != State::closed; ++round) {
      produce();
      if (!flush()) return;
      if (!complete_exchange()) break;
      if (switch_if_upgraded()) return;  // a pipelined request asked for it
    }
    if (state_ == State::closing && output_empty()) start_lingering();
    // More to send: queue it now, so we wait for EPOLLOUT on a non-empty
    // queue (which the deadline watches). The kernel reports EPOLLOUT only
    // once half the socket buffer is free: waiting with nothing queued could
    // wait forever on a peer that stopped reading.
    if (state_ == State::open && output_empty()) produce();
  }
  if (state_ == State::closed) return;
  update_interest();
  timer_.arm(deadline());
  // TLS may hold decrypted bytes that epoll will never announce.
  if (reading_allowed() && transport_->has_buffered_read()) schedule_drive();
}

void H1Connection::schedule_drive() {
  if (state_ != State::closed) deferred_drive_.schedule();
}

bool H1Connection::reading_allowed() const {
  return state_ == State::open && !peer_eof_ && queued() < kHighWater && in_.size() < kMaxPending;
}

void H1Connection::read_input() {
  ReadEnd end = read_budgeted(
      *transport_, read_wants_, [this] { return reading_allowed(); },
      [this](std::string_view bytes) {
        last_progress_ = loop_.now();
        feed(bytes);
      });
  if (end == ReadEnd::failed) {
    close_now();
  } else if (end == ReadEnd::eof) {
    peer_eof_ = true;
    // Idle or mid-request: nothing (more) to answer. With the request
    // complete, a half-close is legal: finish the response first -- unless
    // the response waits on its own timer (/delay): then the client has given
    // up, and its socket must not sit in CLOSE-WAIT (holding a
    // --max-connections slot) until the response is due. nginx, too, ends a
    // request whose client closed (499).
    if (!endpoint_ || !request_done_ || pull_state_ == Pull::wait) close_now();
  }
}

void H1Connection::feed(std::string_view data) {
  if (sniffing_ && !sniff(data)) return;
  if (idle_) {  // first byte of the next request: its head must now arrive in time
    idle_ = false;
    head_started_ = loop_.now();
  }
  if (session_.paused() || !in_.empty()) {
    in_.append(data);  // a pipelined request: parsed once the current exchange is over
    return;
  }
  auto fed = session_.feed(data);
  if (fed.state == H1ServerSession::Parse::error) {
    fail_request(session_.error_status());
    return;
  }
  if (fed.consumed < data.size()) in_.append(data.substr(fed.consumed));
}

void H1Connection::parse_pending() {
  while (state_ == State::open && !in_.empty() && !session_.paused()) {
    std::string_view chunk = in_.front();
    auto fed = session_.feed(chunk);
    if (fed.state == H1ServerSession::Parse::error) {
      fail_request(session_.error_status());
      return;
    }
    in_.consume(fed.consumed);
  }
}

void H1Connection::produce() {
  // Bounded: an endpoint that says `more` without writing cannot spin the loop.
  for (int i = 0; i < kProducePulls && state_ == State::open && endpoint_ &&
                  pull_state_ == Pull::more && !session_.response_ended() && has_room();
       ++i)
    pull_state_ = endpoint_->pull(*this);
}

// Writes what is queued; false when the connection died.
bool H1Connection::flush() {
  if (state_ == State::closed) return false;
  bool progressed = false;
  Flushed f = flush_queue(*transport_, session_.out(), write_wants_, progressed);
  if (progressed) last_progress_ = loop_.now();
  if (f == Flushed::failed) {
    close_now();
    return false;
  }
  return f == Flushed::blocked || send_file();
}

// TCP_CORK while a file goes out: the head queued before it and the file's
// first bytes leave in full segments instead of a small one each (nginx's
// tcp_nopush); uncorking at the end pushes the last partial segment.
void H1Connection::cork(bool on) {
  int v = on ? 1 : 0;
  ::setsockopt(transport_->fd(), IPPROTO_TCP, TCP_CORK, &v, sizeof v);
}

bool H1Connection::send_file() {
  if (file_.left == 0) return true;
  while (file_.left > 0) {
    auto off = static_cast<off_t>(file_.offset);
    ssize_t n =
        ::sendfile(transport_->fd(), file_.fd, &off,
                   static_cast<std::size_t>(std::min<uint64_t>(file_.left, kSendfileChunk)));
    if (n > 0) {
      file_.offset += static_cast<uint64_t>(n);
      file_.left -= static_cast<uint64_t>(n);
      last_progress_ = loop_.now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    close_now();  // peer gone, or the file shrank under us (n == 0)
    return false;
  }
  cork(false);
  return true;
}

// When the response is out and the request fully read, the exchange is over:
// close, or start on the next request. True when another request may follow.
bool H1Connection::complete_exchange() {
  if (state_ != State::open || !endpoint_ || !session_.response_ended() || !output_empty())
    return false;
  if (!session_.keep_alive() || draining_) {
    begin_close();
    return false;
  }
  if (!request_done_) return false;  // still reading (and dropping) the request body
  endpoint_.reset();
  session_.next_request();
  idle_since_ = head_started_ = loop_.now();
  idle_ = in_.empty();
  if (peer_eof_ && in_.empty()) {
    begin_close();
    return false;
  }
  parse_pending();
  if (peer_eof_ && !endpoint_) begin_close();  // a pipelined head cut short by the EOF
  return true;
}

// A request we cannot serve (400, 405, 408, 413, 414, 431, 501): a last response, then close.
void H1Connection::fail_request(int status) {
  if (session_.head_sent() && !session_.response_ended()) {
    close_now();  // mid-response: only a close can tell the client
    return;
  }
  in_.clear();
  if (session_.head_sent()) {  // this request's response is complete: let it leave, then close
    begin_close();
    return;
  }
  endpoint_.reset();
  Headers extra;
  if (status == 405) extra.add("Allow", std::string(kAllMethods));  // CONNECT: we are no proxy
  session_.send_error(status, extra);
  begin_close();
}

void H1Connection::begin_close() {
  if (state_ != State::open) return;
  state_ = State::closing;
  closing_since_ = loop_.now();
}

// Closing right away with unread request bytes in the kernel would send a
// RST, which can destroy the response before the client reads it. So shut
// down our side, then read and drop until the peer closes (bounded).
void H1Connection::start_lingering() {
  endpoint_.reset();
  in_.clear();
  shut_down_sending(*transport_);
  state_ = State::lingering;
  linger_until_ = loop_.now() + kLinger;
  linger();
}

void H1Connection::linger() {
  if (linger_read(transport_->fd(), lingered_, kLingerMax)) close_now();
}

void H1Connection::update_interest() {
  uint32_t ev = 0;
  if (state_ == State::lingering) {
    ev = EPOLLIN;
  } else {
    ev = io_interest(reading_allowed(), read_wants_, !output_empty(), write_wants_);
    bool more_to_produce = endpoint_ && pull_state_ == Pull::more && !session_.response_ended();
    if (more_to_produce && has_room()) ev |= EPOLLOUT;  // fires at once: continue next round
  }
  loop_.modify(transport_->fd(), ev);
}

void H1Connection::drain() {
  draining_ = true;
  bool idle = state_ == State::open && !endpoint_ && !session_.in_request() && in_.empty();
  if (state_ == State::handshake || idle) {
    close_now();
    return;
  }
  if (state_ == State::open && endpoint_ && !session_.head_sent()) session_.force_close();
}

void H1Connection::close_now() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  loop_.remove(transport_->fd());
  timer_.cancel();
  worker_.release(this);
}

// ---- deadlines -------------------------------------------------------------

TimePoint H1Connection::deadline() const {
  const ServeConfig& cfg = worker_.config();
  switch (state_) {
    case State::handshake:
      return accepted_ + cfg.request_timeout;
    case State::closing:
      return closing_since_ + cfg.request_timeout;
    case State::lingering:
      return linger_until_;
    case State::closed:
      return TimePoint::max();
    case State::open:
      break;
  }
  if (endpoint_) {
    // Only the peer can stall us: a full output queue, or a body still to come.
    // An endpoint waiting on its own timer (/delay, /drip) is not idle.
    bool waiting_on_peer = !output_empty() || (!request_done_ && reading_allowed());
    return waiting_on_peer ? last_progress_ + cfg.keepalive_timeout : TimePoint::max();
  }
  if (idle_) return idle_since_ + cfg.keepalive_timeout;
  return head_started_ + cfg.request_timeout;  // slowloris: the whole head, in time
}

void H1Connection::on_deadline() {
  if (deadline() > loop_.now()) {
    timer_.arm(deadline());
    return;
  }
  expire();
}

void H1Connection::expire() {
  bool head_in_progress =
      state_ == State::open && !endpoint_ && (session_.in_request() || !in_.empty());
  if (!head_in_progress) {  // idle, stalled mid-response, or a close that takes too long
    close_now();
    return;
  }
  fail_request(408);
  drive();
}

// ---- RequestEvents ---------------------------------------------------------

void H1Connection::on_request_head(const RequestHead& head) {
  if (!transport_->is_tls() && !draining_) {
    upgrade_ = h2c_upgrade_of(head);
    if (upgrade_) {  // answered (and counted) over HTTP/2 once the request is read
      request_done_ = false;
      return;
    }
  }
  worker_.counters().requests.fetch_add(1, std::memory_order_relaxed);
  uint64_t limit = worker_.config().keepalive_requests;
  if (draining_ || (limit && ++served_ >= limit)) session_.force_close();
  if (head.expect_continue && head.has_body()) session_.send_continue();
  request_done_ = false;
  endpoint_ = worker_.router().route(head);
  // First pull now, before any body byte reaches the endpoint: it sends its
  // head first (or starts its timer).
  pull_state_ = endpoint_->pull(*this);
}

void H1Connection::on_request_body(std::string_view bytes) {
  if (endpoint_) endpoint_->on_body(*this, bytes);
}

void H1Connection::on_request_end() {
  request_done_ = true;
  if (endpoint_) endpoint_->on_body_end(*this);
}

// ---- ResponseWriter --------------------------------------------------------

void H1Connection::head(int status, const Headers& headers, std::optional<uint64_t> length) {
  if (!session_.head_sent()) session_.send_head(status, headers, length);
}

void H1Connection::write(std::string_view bytes) {
  if (session_.head_sent()) session_.send_body(bytes);
}

bool H1Connection::has_room() const {
  return queued() < kHighWater && file_.left == 0;
}

// sendfile on plain TCP, as nginx does, for every size. A copy of a large file to
// a loopback client (until 2026-12) split the work over two cores and sped curl
// up in some of a shared host's phases, but cost the server twice the CPU and
// halved `sluice get`'s speed (1 GiB: 0.72 s against 0.36 s); see ARCHITECTURE.
bool H1Connection::can_sendfile() {
  return !transport_->is_tls();
}

int H1Connection::body_rooms(std::size_t max, std::span<char>* spans, int count) {
  if (!session_.head_sent()) return 0;
  return session_.body_rooms(max, spans, count);  // none for HEAD: its framing is none
}

void H1Connection::sendfile(int fd, uint64_t offset, uint64_t length) {
  if (!session_.head_sent() || session_.response_ended() || session_.body_suppressed()) return;
  file_ = {fd, offset, length};
  cork(true);
  session_.sent_out_of_band(length);  // accounted now: the framing is Content-Length
}

void H1Connection::wake() {
  if (state_ != State::open || !endpoint_) return;
  pull_state_ = Pull::more;
  schedule_drive();  // never re-enter the endpoint from its own callback
}

}  // namespace sluice::serve
