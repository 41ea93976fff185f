#include "core/probe/receiver.hpp"

#include <algorithm>

#include "core/probe/tally.hpp"

namespace sluice::probe {

Receiver::Receiver(Loop& loop, const ProbeConfig& cfg, Report& report)
    : loop_(loop),
      cfg_(cfg),
      r_(report),
      calls_(counted_calls(report)),
      in_(cfg.batch, std::max<std::size_t>(cfg.size, 2048)) {}

Result<void> Receiver::start() {
  r_.listen = true;
  UdpSocket::Events ev;
  ev.readable = [this] { receive(); };
  // Echoes to a sender that has gone away come back as port unreachable.
  ev.icmp_error = [this](const IcmpError& e) { record_icmp(r_, e); };
  ev.closed = [this](const Error& e) {
    r_.socket_error = e;
    loop_.stop();
  };
  auto sock = UdpSocket::open(loop_, cfg_.listen->family(), std::move(ev), cfg_.drain);
  if (!sock) return std::unexpected(sock.error());
  sock_ = std::move(*sock);
  if (auto b = sock_->bind(*cfg_.listen); !b) return b;
  r_.local = local_address(sock_->fd());
  r_.peer = r_.local;
  sock_->want_readable(true);
  if (cfg_.duration_s > 0)
    loop_.after(std::chrono::duration_cast<Millis>(std::chrono::duration<double>(cfg_.duration_s)),
                [this] { loop_.stop(); });
  return {};
}

void Receiver::receive() {
  auto msgs = in_.for_recv();
  std::size_t n = 0;
  for (int attempt = 0;; ++attempt) {
    auto got = recv_batch(sock_->fd(), msgs, calls_);
    if (got) {
      n = *got;
      break;
    }
    if (attempt == 0 && sock_->absorb_error(got.error().sys)) continue;
    if (sock_->is_open()) ++r_.recv_errors;
    return;
  }
  r_.received += n;
  for (std::size_t i = 0; i < n; ++i) r_.bytes_received += msgs[i].msg_len;
  if (cfg_.echo && n > 0) echo(n);
  if (cfg_.count > 0 && r_.received >= cfg_.count) loop_.stop();
}

// Replies are not queued: like any UDP echo, what the socket will not take
// right now is dropped (and counted).
void Receiver::echo(std::size_t n) {
  in_.reply_in_place(n);
  auto sent = send_batch(sock_->fd(), in_.prefix(n), calls_);
  if (!sent) {
    if (sock_->is_open()) sock_->absorb_error(sent.error().sys);
    ++r_.send_errors;
    r_.last_send_errno = sent.error().sys;
    r_.echo_dropped += n;
    return;
  }
  r_.sent += *sent;
  for (auto& m : in_.prefix(*sent)) r_.bytes_sent += m.msg_len;
  r_.echo_dropped += n - *sent;
}

}  // namespace sluice::probe
