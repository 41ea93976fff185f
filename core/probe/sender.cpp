#include "core/probe/sender.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/probe/tally.hpp"

namespace sluice::probe {

namespace {
// Paced sends catch up at most this many batches per dispatch, so replies and
// errors are still read in between; unpaced ones send one batch per wake-up.
constexpr int kPacedBatchesPerDispatch = 16;
}  // namespace

Sender::Sender(Loop& loop, const ProbeConfig& cfg, const SocketAddr& target, Report& report)
    : loop_(loop),
      cfg_(cfg),
      target_(target),
      r_(report),
      calls_(counted_calls(report)),
      out_(cfg.batch, cfg.size),
      in_(cfg.batch, std::max<std::size_t>(cfg.size, 2048)) {
  for (std::size_t i = 0; i < out_.capacity(); ++i) {
    auto buf = out_.buffer(i);
    for (std::size_t j = 0; j < buf.size(); ++j) buf[j] = std::byte(j & 0xff);
    out_.set(i, cfg.size, cfg.connected ? nullptr : &target_);
  }
}

Result<void> Sender::start() {
  UdpSocket::Events ev;
  ev.readable = [this] { receive(); };
  ev.writable = [this] { send_due(); };
  ev.icmp_error = [this](const IcmpError& e) { record_icmp(r_, e); };
  ev.closed = [this](const Error& e) {
    r_.socket_error = e;
    loop_.stop();
  };
  auto sock = UdpSocket::open(loop_, target_.family(), std::move(ev), cfg_.drain);
  if (!sock) return std::unexpected(sock.error());
  sock_ = std::move(*sock);
  if (cfg_.connected)
    if (auto c = sock_->connect(target_); !c) return c;
  r_.peer = target_;
  r_.local = local_address(sock_->fd());
  sock_->want_readable(true);

  start_ = Clock::now();
  if (cfg_.duration_s > 0)
    duration_timer_ = loop_.after(
        std::chrono::duration_cast<Millis>(std::chrono::duration<double>(cfg_.duration_s)),
        [this] { stop_sending(); });
  if (cfg_.rate > 0) {
    interval_ =
        std::max<Clock::duration>(Millis(1), std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(1.0 / cfg_.rate)));
    pace();
  } else {
    sock_->want_writable(true);  // as fast as the socket drains
  }
  return {};
}

uint64_t Sender::due() const {
  if (!sending_) return attempted_;
  uint64_t d = std::numeric_limits<uint64_t>::max();
  if (cfg_.rate > 0) {
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    d = static_cast<uint64_t>(elapsed * cfg_.rate) + 1;  // the first one at once
  }
  if (cfg_.count > 0) d = std::min(d, cfg_.count);
  return d;
}

void Sender::pace() {
  pace_timer_ = 0;
  send_due();
  if (!sending_) return;
  // Absolute deadlines, so timer lateness does not add up into a lower rate.
  ++ticks_;
  auto next = start_ + ticks_ * interval_;
  auto now = Clock::now();
  if (next < now) {
    ticks_ = static_cast<uint64_t>((now - start_) / interval_) + 1;
    next = start_ + ticks_ * interval_;
  }
  pace_timer_ = loop_.timer(next, [this] { pace(); });
}

void Sender::send_due() {
  int batches = cfg_.rate > 0 ? kPacedBatchesPerDispatch : 1;
  bool blocked = false;
  while (sending_ && batches-- > 0) {
    uint64_t want = due() - attempted_;
    if (want == 0) break;
    if (!send_one_batch(static_cast<std::size_t>(std::min<uint64_t>(want, cfg_.batch)))) {
      blocked = true;
      break;
    }
  }
  if (!sending_) return;
  // Paced: wait for EPOLLOUT only while the socket is full. Unpaced: always.
  sock_->want_writable(blocked || cfg_.rate <= 0);
  if (cfg_.count > 0 && attempted_ >= cfg_.count) stop_sending();
}

bool Sender::send_one_batch(std::size_t n) {
  for (int attempt = 0;; ++attempt) {
    auto sent = send_batch(sock_->fd(), out_.prefix(n), calls_);
    if (sent) {
      if (*sent == 0) return false;
      r_.sent += *sent;
      r_.bytes_sent += *sent * cfg_.size;
      attempted_ += *sent;
      return true;
    }
    // An ICMP still pending makes the next send fail with its errno: report
    // it once from the queue and send again; otherwise this datagram failed.
    if (attempt == 0 && sock_->absorb_error(sent.error().sys)) continue;
    if (!sock_->is_open()) return false;
    ++r_.send_errors;
    r_.last_send_errno = sent.error().sys;
    ++attempted_;
    return true;
  }
}

void Sender::receive() {
  auto msgs = in_.for_recv();
  for (int attempt = 0;; ++attempt) {
    auto got = recv_batch(sock_->fd(), msgs, calls_);
    if (got) {
      r_.received += *got;
      for (std::size_t i = 0; i < *got; ++i) r_.bytes_received += msgs[i].msg_len;
      return;
    }
    if (attempt == 0 && sock_->absorb_error(got.error().sys)) continue;
    if (sock_->is_open()) ++r_.recv_errors;
    return;
  }
}

void Sender::finish() {
  if (!sending_) return;
  sending_ = false;
  r_.send_s = std::chrono::duration<double>(Clock::now() - start_).count();
}

void Sender::stop_sending() {
  if (!sending_) return;
  sending_ = false;
  r_.send_s = std::chrono::duration<double>(Clock::now() - start_).count();
  // A paced --count ends at its last send; its phase lasts count/rate slots.
  if (cfg_.rate > 0) r_.send_s = std::max(r_.send_s, static_cast<double>(attempted_) / cfg_.rate);
  if (pace_timer_) loop_.cancel(pace_timer_);
  if (duration_timer_) loop_.cancel(duration_timer_);
  if (sock_ && sock_->is_open()) sock_->want_writable(false);
  // Linger: errors and replies still arrive and are handled (or, without
  // draining, spin the loop) until the end.
  loop_.after(std::chrono::duration_cast<Millis>(std::chrono::duration<double>(cfg_.linger_s)),
              [this] { loop_.stop(); });
}

}  // namespace sluice::probe
