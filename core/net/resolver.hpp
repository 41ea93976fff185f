// Name resolution off the loop thread. getaddrinfo may wait seconds for a DNS
// server; meanwhile the loop must keep running timers (--connect-timeout, -m),
// other transfers and the progress meter. Each lookup runs on its own short
// thread and reports back through an eventfd watched by the loop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/net/address.hpp"

namespace sluice {

class AsyncResolve final : private IoHandler {
 public:
  using Done = std::function<void(Result<std::vector<SocketAddr>>)>;
  // Starts the lookup; done is called once, from the loop. Destroying this
  // object first abandons the lookup: its thread ends alone, nobody is called.
  AsyncResolve(Loop& loop, std::string host, uint16_t port, Family family, Done done);
  ~AsyncResolve() override;
  AsyncResolve(const AsyncResolve&) = delete;
  AsyncResolve& operator=(const AsyncResolve&) = delete;

 private:
  struct Shared;
  void on_io(uint32_t events) override;

  Loop& loop_;
  Done done_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool watching_ = false;
};

// The addresses to try for host:port: `pinned` as given (--resolve), numeric
// hosts and localhost at once, other names through an AsyncResolve. done may
// run before this returns; otherwise the returned lookup must be kept until
// it runs (destroying it abandons the lookup).
std::unique_ptr<AsyncResolve> lookup(Loop& loop, const std::string& host, uint16_t port,
                                     Family family, const std::vector<SocketAddr>& pinned,
                                     AsyncResolve::Done done);

}  // namespace sluice
