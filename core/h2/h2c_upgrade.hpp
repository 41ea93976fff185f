// `get --http2` on a plain http:// URL, as curl does it: the first request goes
// out as HTTP/1.1 asking "Upgrade: h2c" (RFC 7540 3.2). A server that answers
// 101 continues on HTTP/2, its response arriving as stream 1; any other answer
// is an ordinary HTTP/1.1 response and the connection stays HTTP/1.1.
#pragma once

#include <functional>
#include <memory>

#include "core/h1/client_session.hpp"
#include "core/h2/client_session.hpp"
#include "core/http/client_session.hpp"

namespace sluice {

class H2cUpgradeSession final : public ClientSession {
 public:
  // on_h2 is called with the HTTP/2 session once the server switched (for -v).
  H2cUpgradeSession(Loop& loop, std::unique_ptr<H1ClientSession> h1, H2ClientConfig cfg,
                    std::function<void(H2ClientSession&)> on_h2);
  ~H2cUpgradeSession() override;

  Result<StreamId> submit(const Request& req, ResponseSink& sink) override;
  void consumed(StreamId id, std::size_t n) override { current().consumed(id, n); }
  void resume(StreamId id) override { current().resume(id); }
  void cancel(StreamId id) override { current().cancel(id); }
  bool can_submit() const override { return current().can_submit(); }
  bool reusable() const override { return current().reusable(); }
  std::string protocol() const override { return current().protocol(); }
  const ClientSessionStats& stats() const override;

  // The request as sent to ask for the switch: upgrade headers added.
  static Request with_upgrade(const Request& req, const H2ClientConfig& cfg);

 private:
  ClientSession& current() const { return h2_ ? static_cast<ClientSession&>(*h2_) : *h1_; }
  void switch_to_h2(std::unique_ptr<Transport> t, std::string received, ResponseSink* sink,
                    bool head);
  void watch_idle(ClientSession& s);

  Loop& loop_;
  std::unique_ptr<H1ClientSession> h1_;
  std::unique_ptr<H2ClientSession> h2_;
  H2ClientConfig cfg_;
  std::function<void(H2ClientSession&)> on_h2_;
  bool asked_ = false;
  ClientSessionStats h1_stats_;  // what HTTP/1.1 moved before the switch
  mutable ClientSessionStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice
