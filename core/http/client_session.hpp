// A client protocol session over one connection (h1, h2 or h3). The fetch and
// bench engines talk to this interface only, never to a concrete protocol
// type. (The server side's protocol layers are H1ServerSession,
// H2ServerSession and H3ServerSession: framers that serve's connections
// drive, with no common interface.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/http/message.hpp"
#include "core/net/transport.hpp"

namespace sluice {

using StreamId = int32_t;

struct ClientSessionStats {
  uint64_t bytes_in = 0;   // wire bytes received
  uint64_t bytes_out = 0;  // wire bytes sent
};

class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // Starts a request; the sink receives the response. h1 takes one at a time,
  // h2 as many as the peer's SETTINGS_MAX_CONCURRENT_STREAMS allows.
  virtual Result<StreamId> submit(const Request& req, ResponseSink& sink) = 0;
  // The consumer has taken n more body bytes of the stream (written them out):
  // h2 gives that much window back.
  virtual void consumed(StreamId id, std::size_t n) = 0;
  // The consumer drained below its low-water mark: h1 reads the socket again.
  virtual void resume(StreamId id) = 0;
  // Abandons a stream (consumer gone): h2 sends RST_STREAM(CANCEL), h1 closes.
  // The sink hears nothing more.
  virtual void cancel(StreamId id) = 0;
  virtual bool can_submit() const = 0;
  // No stream open and able to take requests later: may wait in the pool.
  virtual bool reusable() const = 0;
  virtual std::string protocol() const = 0;  // "1.1" or "2"
  virtual const ClientSessionStats& stats() const = 0;
  // Called (from the loop) when the connection is gone while no stream is open.
  std::function<void()> on_idle_close;
  // Both ends of the connection, set by whoever dialed it: a transfer that
  // reuses the session reports them too (%{remote_ip}, %{local_port}).
  SocketAddr remote, local;
  long tls_verify_result = 0;  // the X509 verification's result (%{ssl_verify_result})
  long conn_id = -1;           // numbered by the Pool in the order added (%{conn_id})
};

}  // namespace sluice
