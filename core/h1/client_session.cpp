#include "core/h1/client_session.hpp"

#include <sys/socket.h>

#include "core/util/read_scratch.hpp"

namespace sluice {

H1ClientSession::H1ClientSession(Loop& loop, std::unique_ptr<Transport> transport,
                                 std::size_t read_size, std::size_t max_pipeline)
    : loop_(loop),
      transport_(std::move(transport)),
      parser_(ResponseParser::Events{
          .informational =
              [this](const Response& r) {
                if (r.status == 100) end_continue_wait(true);
                sink()->on_informational(r);
              },
          .headers =
              [this](Response& r) {
                // Answered without a 100: the body stays unsent, and the
                // server may still wait for it, so the connection ends here.
                if (continue_timer_) {
                  end_continue_wait(false);
                  sending_.release();
                  keep_alive_ = false;
                }
                sink()->on_headers(r);
              },
          .body =
              [this](std::span<const char> b) {
                if (aborted_) return;
                switch (sink()->on_body(b)) {
                  case Backpressure::ok:
                    break;
                  case Backpressure::pause:
                    paused_ = true;
                    break;
                  case Backpressure::abort:
                    aborted_ = true;
                    break;
                }
              },
          .trailers = [this](const Headers& t) { sink()->on_trailers(t); },
          .complete = nullptr,
      }),
      max_pipeline_(std::max<std::size_t>(1, max_pipeline)),
      read_size_(read_size),
      wakeup_(loop, transport_->fd(), transport_->is_tls(), stats_.bytes_in) {
  // Watch for readability even while idle, so a pooled connection notices the
  // server closing it.
  (void)loop_.add(transport_->fd(), EPOLLIN | EPOLLRDHUP, this);
}

H1ClientSession::~H1ClientSession() {
  *alive_ = false;
  queue_.clear();
  close();
}

std::string H1ClientSession::serialize_head(const Request& req, const ProxyForm* proxy) {
  std::string absolute = proxy && req.target_override.empty() ? req.url.str() : "";
  std::string head = fmt::format("{} {} HTTP/1.{}\r\n", req.method,
                                 absolute.empty() ? req.target() : absolute, req.http10 ? 0 : 1);
  if (!req.headers.has("host") && !req.omit_host)
    head += fmt::format("Host: {}\r\n", req.url.authority());
  if (proxy && !proxy->authorization.empty() && !req.headers.has("proxy-authorization"))
    head += fmt::format("Proxy-Authorization: {}\r\n", proxy->authorization);
  if (proxy) head += proxy->headers;
  for (const auto& [n, v] : req.headers.list())  // "X;" is sent "X:", as curl sends it
    head += v.empty() ? fmt::format("{}:\r\n", n) : fmt::format("{}: {}\r\n", n, v);
  if (req.expect_continue && !req.headers.has("expect")) head += "Expect: 100-continue\r\n";
  if (req.has_body && !req.headers.has("content-length") && !req.headers.has("transfer-encoding")) {
    if (auto length = body_length(req))
      head += fmt::format("Content-Length: {}\r\n", *length);
    else
      head += "Transfer-Encoding: chunked\r\n";
  }
  head += "\r\n";
  return head;
}

Result<StreamId> H1ClientSession::submit(const Request& req, ResponseSink& sink) {
  if (!can_submit()) return fail(Errc::internal, "session busy or closed");
  // HTTP/1.0 has no chunked coding, so a body of unknown length (-T -) has
  // no framing: curl refuses it (25) unless the user asked for chunked.
  if (req.http10 && req.has_body && !body_length(req) &&
      !req.headers.has_token("transfer-encoding", "chunked"))
    return fail(Errc::upload_failed,
                "HTTP/1.0 cannot send a body of unknown length (no chunked uploads in HTTP/1.0)");
  StreamId id = next_id_++;
  queue_.push_back({id, &sink, req.head(), req.headers.has_token("upgrade", "h2c")});
  if (queue_.size() == 1) {
    parser_.reset();
    parser_.expect_head_response(req.head());
    aborted_ = false;
  }
  if (req.headers.has_token("connection", "close")) keep_alive_ = false;  // nothing after it
  std::string built;
  const std::string& head = req.h1_head.empty()
                                ? (built = serialize_head(req, via_proxy ? &*via_proxy : nullptr))
                                : req.h1_head;
  if (trace_request) trace_request(head);
  out_.append(head);
  if (req.has_body) {
    sending_ = BodyHold(body_of(req));
    chunked_ = req.headers.has_token("transfer-encoding", "chunked") ||
               (!body_length(req) && !req.headers.has("content-length"));
    if (req.expect_continue && !req.http10) wait_for_continue(Millis(req.continue_wait_ms));
  }
  do_write();
  if (!closed_) update_interest();
  return id;
}

void H1ClientSession::on_io(uint32_t events) {
  auto alive = alive_;
  if (events & (EPOLLOUT | EPOLLERR)) do_write();
  if (*alive && !closed_ && (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP | EPOLLOUT)))
    do_read();
  if (*alive && !closed_) update_interest();
}

void H1ClientSession::update_interest() {
  uint32_t ev = EPOLLRDHUP;
  if (!paused_) ev |= EPOLLIN;
  if (!out_.empty() || transport_->write_pending() || transport_->wants() == EPOLLOUT)
    ev |= EPOLLOUT;
  loop_.modify(transport_->fd(), ev);
}

// The head goes now, the body after the server's 100 Continue, or after
// `wait` without one (curl's --expect100-timeout).
void H1ClientSession::wait_for_continue(Millis wait) {
  auto alive = alive_;
  continue_timer_ = loop_.after(wait, [this, alive] {
    if (!*alive) return;
    continue_timer_ = 0;
    if (closed_) return;
    do_write();
    if (*alive && !closed_) update_interest();
  });
}

// From the parser's callbacks: the body, if it is to go, is written from
// the loop, never inside the parse.
void H1ClientSession::end_continue_wait(bool send_body) {
  if (!continue_timer_) return;
  loop_.cancel(continue_timer_);
  continue_timer_ = 0;
  if (!send_body) return;
  loop_.defer([this, alive = alive_] {
    if (!*alive || closed_) return;
    do_write();
    if (*alive && !closed_) update_interest();
  });
}

void H1ClientSession::do_write() {
  while (!closed_) {
    if (sending_ && !continue_timer_) pump_body();
    if (out_.empty() || closed_) break;
    iovec iov[16];
    int n = out_.peek(iov, 16);
    auto w = transport_->writev(iov, n);
    if (!w) return send_failed(w.error());
    if (*w == kWouldBlock) return;
    stats_.bytes_out += static_cast<uint64_t>(*w);
    out_.consume(static_cast<std::size_t>(*w));
  }
  if (closed_ || !transport_->write_pending()) return;
  if (auto sent = transport_->flush(); !sent) send_failed(sent.error());
}

// Moves the next pieces of the request body into out_ while it is below the
// mark, so the socket's pace, not the file's size, decides what waits here.
void H1ClientSession::pump_body() {
  while (sending_ && out_.size() < kSendHighWater) {
    ReadScratch buf(kSendPiece);
    auto piece = buf.span().first(kSendPiece);
    auto n = sending_->read(piece);
    if (!n) {
      sending_.release();
      return fail_response(n.error());
    }
    if (*n == kWouldBlock) return wait_for_body();
    if (*n == 0) return body_read_all();
    auto size = static_cast<std::size_t>(*n);
    if (chunked_) out_.append(fmt::format("{:x}\r\n", size));
    out_.append(std::string_view(piece.data(), size));
    if (chunked_) out_.append("\r\n");
  }
}

// The source has nothing yet (a pipe): write on once it has.
void H1ClientSession::wait_for_body() {
  auto alive = alive_;
  sending_->wait(loop_, [this, alive] {
    if (!*alive || closed_ || !sending_) return;
    do_write();
    if (*alive && !closed_) update_interest();
  });
}

void H1ClientSession::body_read_all() {
  if (chunked_) out_.append("0\r\n\r\n");
  sending_.release();
}

// A send error often means the server already answered and closed (e.g.
// 413): let the read side report what arrived first.
void H1ClientSession::send_failed(const Error& e) {
  out_.clear();
  sending_.release();
  if (!sink() || parser_.started()) return;
  auto alive = alive_;
  do_read();
  if (*alive && sink() && !closed_) fail_response(e);
}

void H1ClientSession::do_read() {
  while (!paused_ && !closed_) {
    if (splice_ready()) {
      if (!splice_body()) return;
      continue;
    }
    ReadScratch buf(read_size_);  // lent for this read and its parse
    auto n = transport_->read(buf.span());
    if (!n) {
      if (sink())
        fail_response(n.error());
      else
        close();
      return;
    }
    if (*n == kWouldBlock) return tune_wakeups();
    if (*n == 0) return on_eof();
    stats_.bytes_in += static_cast<uint64_t>(*n);
    if (!feed(buf.span().first(static_cast<std::size_t>(*n)))) return;
  }
}

bool H1ClientSession::splice_ready() {
  return parser_.raw_body_remaining() > 0 && !aborted_ && transport_->can_splice() && sink() &&
         sink()->can_splice_body();
}

// Before waiting for more of a long Content-Length body: wake-ups per
// WakeupMark::kMark bytes, not per packet, while the body owes well over that.
void H1ClientSession::tune_wakeups() {
  wakeup_.before_wait(paused_ ? 0 : parser_.raw_body_remaining());
}

// Moves raw body bytes from the socket to the sink's output without reading
// them. Returns false when the session is done reading for now.
bool H1ClientSession::splice_body() {
  auto alive = alive_;
  Backpressure bp = Backpressure::ok;
  std::size_t max = std::min<uint64_t>(parser_.raw_body_remaining(), kMaxSplice);
  auto n = sink()->splice_body(transport_->fd(), max, bp);
  if (!*alive) return false;
  if (!n) {
    fail_response(n.error());
    return false;
  }
  if (*n == 0) {
    on_eof();
    return false;
  }
  if (*n == kWouldBlock) tune_wakeups();
  if (*n > 0) {
    stats_.bytes_in += static_cast<uint64_t>(*n);
    parser_.body_moved(static_cast<uint64_t>(*n));
  }
  if (bp == Backpressure::abort) {
    fail_response({Errc::cancelled, "response abandoned by the consumer"});
    return false;
  }
  if (bp == Backpressure::pause) paused_ = true;
  if (parser_.done()) {
    finish_response();
    return *alive && !closed_;
  }
  return *n > 0;
}

// Parses data, completing as many pipelined responses as it holds.
bool H1ClientSession::feed(std::span<const char> data) {
  auto alive = alive_;
  while (!data.empty()) {
    if (!sink()) {  // bytes nobody asked for: the connection cannot be trusted
      keep_alive_ = false;
      close();
      return false;
    }
    std::size_t used = 0;
    auto r = parser_.feed(data, used);
    if (!*alive) return false;
    if (!r) {
      fail_response(r.error());
      return false;
    }
    if (aborted_) {
      fail_response({Errc::cancelled, "response abandoned by the consumer"});
      return false;
    }
    data = data.subspan(used);
    if (parser_.switched()) {
      switch_protocols(data);
      return false;
    }
    if (!parser_.done()) return !closed_;
    finish_response();
    if (!*alive || closed_) return false;
  }
  return true;
}

void H1ClientSession::switch_protocols(std::span<const char> rest) {
  const Exchange x = queue_.front();
  if (!on_switch || !x.upgrade || queue_.size() > 1)
    return fail_response({Errc::bad_response, "Weird server reply: unexpected 101 response"});
  queue_.clear();
  closed_ = true;   // the connection lives on in the new protocol
  wakeup_.reset();  // the fd does too
  wakeup_.detach();
  loop_.remove(transport_->fd());
  auto handler = on_switch;  // may destroy this session
  handler(std::move(transport_), std::string(rest.data(), rest.size()), x.sink, x.head);
}

void H1ClientSession::on_eof() {
  keep_alive_ = false;
  if (!sink()) return close();
  auto r = parser_.finish();
  if (!r) return fail_response(r.error());
  finish_response();
  if (sink()) fail_response({Errc::empty_reply, "Empty reply from server"});
}

void H1ClientSession::finish_response() {
  // The server answered before taking the whole body (curl stops too): the
  // connection is left mid-body, so it cannot carry another request.
  if (sending_) keep_alive_ = false;
  sending_.release();
  keep_alive_ = keep_alive_ && parser_.keep_alive();
  wakeup_.reset();  // the body is done: the next head wakes us at its first byte
  ResponseSink* done = queue_.front().sink;
  queue_.pop_front();
  if (!queue_.empty()) {  // the next pipelined response starts right after
    parser_.reset();
    parser_.expect_head_response(queue_.front().head);
  } else {
    paused_ = false;  // a pause on its last bytes was this response's: the connection is free
  }
  if (!keep_alive_ && queue_.empty()) close();
  done->on_end();
  if (!keep_alive_ && !queue_.empty() && !closed_) {
    // The server closes after this response: the rest will never be answered.
    fail_response({Errc::empty_reply, "Connection closed by the server before the response"});
  }
}

void H1ClientSession::fail_response(const Error& e) {
  keep_alive_ = false;
  auto pending = std::move(queue_);
  queue_.clear();
  close();
  bool first = true;
  for (auto& x : pending) {
    // Requests behind the failed one never got a byte: empty, so retryable.
    x.sink->on_error(first ? e : Error{Errc::empty_reply, "Empty reply from server"});
    first = false;
  }
}

void H1ClientSession::resume(StreamId) {
  resume_reading();
}

void H1ClientSession::resume_reading() {
  if (!paused_ || closed_) return;
  paused_ = false;
  update_interest();
  // TLS may hold decrypted bytes that no readiness event will announce.
  auto alive = alive_;
  loop_.defer([this, alive] {
    if (*alive && !closed_ && !paused_) {
      do_read();
      if (*alive && !closed_) update_interest();
    }
  });
}

void H1ClientSession::cancel(StreamId id) {
  auto it = std::find_if(queue_.begin(), queue_.end(), [id](auto& x) { return x.id == id; });
  if (it == queue_.end()) return;
  it->sink = nullptr;
  // HTTP/1.1 cannot abandon one response and keep the connection: close, and
  // tell the others (they were not cancelled).
  queue_.erase(it);
  if (!queue_.empty())
    fail_response({Errc::recv_failed, "connection closed: a pipelined request was cancelled"});
  keep_alive_ = false;
  close();
}

void H1ClientSession::close() {
  sending_.release();
  if (continue_timer_) loop_.cancel(continue_timer_);
  continue_timer_ = 0;
  if (closed_) return;
  closed_ = true;
  wakeup_.detach();
  loop_.remove(transport_->fd());
  // The fd is closed after this iteration, so its number cannot be reused by
  // another handler while events for it may still be pending.
  loop_.defer([t = std::shared_ptr<Transport>(std::move(transport_))] {});
  if (on_idle_close && queue_.empty()) {
    auto cb = on_idle_close;
    loop_.defer(cb);
  }
}

}  // namespace sluice
