// A client protocol session over one transport (h1 now; h2 next). The fetch and
// bench engines talk to this interface only.
#pragma once

#include <functional>
#include <memory>

#include "core/http/message.hpp"
#include "core/net/transport.hpp"

namespace sluice {

struct SessionStats {
  uint64_t bytes_in = 0;   // wire bytes received
  uint64_t bytes_out = 0;  // wire bytes sent
  bool got_response_byte = false;
};

class Session {
 public:
  virtual ~Session() = default;
  // One request at a time on h1; the sink receives the response.
  virtual Result<void> submit(const Request& req, ResponseSink& sink) = 0;
  // The consumer drained below low water: read again.
  virtual void resume() = 0;
  // Abandon the current response (consumer gone); the session is then unusable.
  virtual void cancel() = 0;
  virtual bool can_submit() const = 0;
  virtual bool reusable() const = 0;
  virtual std::string protocol() const = 0;  // "1.1"
  virtual const SessionStats& stats() const = 0;
  // Called (deferred) when the connection is gone while idle in a pool.
  std::function<void()> on_idle_close;
};

}  // namespace sluice
