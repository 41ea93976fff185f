// What the QUIC listeners of one `serve --http3` share so that any worker can
// speak for the server: one secret per server run behind every stateless
// reset token and Retry token, and connection IDs whose first byte names the
// worker that owns them.
//
// Routing: the workers' UDP sockets form one SO_REUSEPORT group, bound in
// worker order, so worker i is the group's socket i. A classic BPF program
// (attach_cid_router) sends each datagram to socket (first byte of its
// Destination Connection ID) mod workers, for long and short headers alike.
// A client's first Initial names an ID the client chose: whichever worker
// that picks creates the connection, and every ID it issues afterwards
// (its own, Retry's, NEW_CONNECTION_ID's) is made to pick the same worker.
// So a connection stays on its worker even when the client's address or port
// changes (NAT rebinding, migration), which the kernel's default 4-tuple hash
// would not keep.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <array>
#include <cstdint>
#include <optional>

#include "core/net/address.hpp"
#include "core/util/error.hpp"

namespace sluice::h3 {

inline constexpr std::size_t kServerCidLen =
    18;  // short headers carry no length: all ours are this long

class ServerIds {
 public:
  using Secret = std::array<uint8_t, 32>;
  ServerIds(const Secret& secret, unsigned worker, unsigned workers);

  // A fresh connection ID of kServerCidLen bytes that routes to this worker.
  ngtcp2_cid new_cid() const;
  // The stateless reset token of one of our IDs (the same on every worker).
  void reset_token(uint8_t* token, const ngtcp2_cid& cid) const;

  // Retry: a token for the client at `from` that sent an Initial to odcid,
  // told to come back to retry_scid. Returns its length (0 on failure).
  std::size_t retry_token(uint8_t* token, uint32_t version, const SocketAddr& from,
                          const ngtcp2_cid& retry_scid, const ngtcp2_cid& odcid) const;
  // The Initial's original Destination Connection ID if its token is a valid
  // Retry token of ours for this client and DCID, not older than 10 s.
  std::optional<ngtcp2_cid> verify_retry_token(const ngtcp2_pkt_hd& hd,
                                               const SocketAddr& from) const;

 private:
  Secret secret_;
  unsigned worker_, workers_;
};

// Attaches the routing program to a socket of the SO_REUSEPORT group (any
// one, once). With one worker there is nothing to route.
Result<void> attach_cid_router(int fd, unsigned workers);

}  // namespace sluice::h3
