#include "core/h3/server_ids.hpp"

#include <fmt/format.h>
#include <linux/filter.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/h3/quic_io.hpp"  // random_bytes, quic_now

namespace sluice::h3 {

namespace {
constexpr ngtcp2_duration kRetryTokenLifetime = 10 * NGTCP2_SECONDS;
}

ServerIds::ServerIds(const Secret& secret, unsigned worker, unsigned workers)
    : secret_(secret), worker_(worker), workers_(workers < 1 ? 1 : workers) {}

ngtcp2_cid ServerIds::new_cid() const {
  ngtcp2_cid cid;
  cid.datalen = kServerCidLen;
  random_bytes(cid.data, cid.datalen);
  // The first byte, still random above the worker's residue: b ≡ worker (mod workers).
  unsigned b = cid.data[0];
  b = b - b % workers_ + worker_;
  if (b > 255) b -= workers_;
  cid.data[0] = static_cast<uint8_t>(b);
  return cid;
}

void ServerIds::reset_token(uint8_t* token, const ngtcp2_cid& cid) const {
  if (ngtcp2_crypto_generate_stateless_reset_token(token, secret_.data(), secret_.size(), &cid) !=
      0)
    random_bytes(token, NGTCP2_STATELESS_RESET_TOKENLEN);  // useless, but never a known value
}

std::size_t ServerIds::retry_token(uint8_t* token, uint32_t version, const SocketAddr& from,
                                   const ngtcp2_cid& retry_scid, const ngtcp2_cid& odcid) const {
  ngtcp2_ssize n = ngtcp2_crypto_generate_retry_token(
      token, secret_.data(), secret_.size(), version, from.sa(),
      static_cast<ngtcp2_socklen>(from.len), &retry_scid, &odcid, quic_now());
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::optional<ngtcp2_cid> ServerIds::verify_retry_token(const ngtcp2_pkt_hd& hd,
                                                        const SocketAddr& from) const {
  ngtcp2_cid odcid;
  if (ngtcp2_crypto_verify_retry_token(
          &odcid, hd.token, hd.tokenlen, secret_.data(), secret_.size(), hd.version, from.sa(),
          static_cast<ngtcp2_socklen>(from.len), &hd.dcid, kRetryTokenLifetime, quic_now()) != 0)
    return std::nullopt;
  return odcid;
}

Result<void> attach_cid_router(int fd, unsigned workers) {
  if (workers <= 1) return {};
  // Offsets are into the UDP payload. Long header: flags, version (4), DCID
  // length, DCID. Short header: flags, DCID. A datagram too short to hold the
  // byte aborts the program, which then picks socket 0 (a packet nobody can use).
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),             // A = first byte
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x80, 0, 2),  // long header?
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),             //   A = DCID[0] (long)
      BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),               //   skip the short case
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 1),             // A = DCID[0] (short)
      BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, workers),      // A %= workers
      BPF_STMT(BPF_RET | BPF_A, 0),                      // the group's socket A
  };
  sock_fprog prog{static_cast<unsigned short>(std::size(code)), code};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
    return fail(Errc::internal, fmt::format("SO_ATTACH_REUSEPORT_CBPF: {}", std::strerror(errno)),
                errno);
  return {};
}

}  // namespace sluice::h3
