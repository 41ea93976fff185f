#include "core/h2/h2c_upgrade.hpp"

#include "core/util/base64.hpp"

namespace sluice {

H2cUpgradeSession::H2cUpgradeSession(Loop& loop, std::unique_ptr<H1ClientSession> h1,
                                     H2ClientConfig cfg,
                                     std::function<void(H2ClientSession&)> on_h2)
    : loop_(loop), h1_(std::move(h1)), cfg_(cfg), on_h2_(std::move(on_h2)) {
  h1_->on_switch = [this](std::unique_ptr<Transport> t, std::string received, ResponseSink* sink,
                          bool head) {
    switch_to_h2(std::move(t), std::move(received), sink, head);
  };
  watch_idle(*h1_);
}

H2cUpgradeSession::~H2cUpgradeSession() {
  *alive_ = false;
}

Request H2cUpgradeSession::with_upgrade(const Request& req, const H2ClientConfig& cfg) {
  Request up = req;
  up.headers.add("Connection", "Upgrade, HTTP2-Settings");
  up.headers.add("Upgrade", "h2c");
  up.headers.add("HTTP2-Settings", base64url_encode(H2ClientSession::settings_payload(cfg)));
  return up;
}

// Only the first request asks, and only one without a body: a body would have
// to be sent whole over HTTP/1.1 before the switch (RFC 7540 3.2). A user's own
// Connection or Upgrade header is left as it is.
Result<StreamId> H2cUpgradeSession::submit(const Request& req, ResponseSink& sink) {
  if (asked_ || h2_ || req.has_body || req.headers.has("connection") || req.headers.has("upgrade"))
    return current().submit(req, sink);
  asked_ = true;
  return h1_->submit(with_upgrade(req, cfg_), sink);
}

void H2cUpgradeSession::switch_to_h2(std::unique_ptr<Transport> t, std::string received,
                                     ResponseSink* sink, bool head) {
  h1_stats_ = h1_->stats();
  // We are inside the HTTP/1.1 session's callback: it goes after this iteration.
  loop_.defer([old = std::shared_ptr<H1ClientSession>(std::move(h1_))] {});
  h2_ = std::make_unique<H2ClientSession>(
      loop_, std::move(t), cfg_, H2ClientSession::Upgraded{sink, head, std::move(received)});
  watch_idle(*h2_);
  if (on_h2_) on_h2_(*h2_);
}

void H2cUpgradeSession::watch_idle(ClientSession& s) {
  s.on_idle_close = [this, alive = alive_] {
    if (*alive && on_idle_close) on_idle_close();
  };
}

const ClientSessionStats& H2cUpgradeSession::stats() const {
  const ClientSessionStats& now = current().stats();
  stats_.bytes_in = now.bytes_in + (h2_ ? h1_stats_.bytes_in : 0);
  stats_.bytes_out = now.bytes_out + (h2_ ? h1_stats_.bytes_out : 0);
  return stats_;
}

}  // namespace sluice
