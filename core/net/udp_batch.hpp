// Batched UDP I/O: sendmmsg/recvmmsg with the partial-batch rules, buffers
// for a batch, and UDP GSO (UDP_SEGMENT) for the QUIC sender.
//
// The rules: a call that moved n > 0 datagrams and then failed keeps the n
// (the error comes back on the next call if it persists); an error is
// reported only when nothing was moved; a count of 0 is not an error.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "core/net/address.hpp"

namespace sluice {

// The two system calls, replaceable so a test can feed a fake socket.
struct MmsgCalls {
  std::function<int(int fd, mmsghdr* msgs, unsigned n, int flags)> sendmmsg;
  std::function<int(int fd, mmsghdr* msgs, unsigned n, int flags)> recvmmsg;
  static const MmsgCalls& system();
};

// Sends msgs in order until all are sent, the socket would block, or a call
// fails. Returns how many were sent (0 when it would block at once); an
// error only if the very first call failed.
Result<std::size_t> send_batch(int fd, std::span<mmsghdr> msgs,
                               const MmsgCalls& calls = MmsgCalls::system());

// Receives into msgs until they are full, nothing is waiting, or a call
// fails. msg_len of each filled entry holds its size. Same rules as above.
Result<std::size_t> recv_batch(int fd, std::span<mmsghdr> msgs,
                               const MmsgCalls& calls = MmsgCalls::system());

// Storage for up to `count` datagrams of up to `size` bytes each, with their
// peer addresses: the mmsghdr array the two helpers above work on. With
// `segments`, each slot also has room for the UDP_GRO control message, so a
// slot may hold a run of coalesced datagrams (see udp_gro_enable).
class DatagramBatch {
 public:
  DatagramBatch(std::size_t count, std::size_t size, bool segments = false);
  DatagramBatch(const DatagramBatch&) = delete;
  DatagramBatch& operator=(const DatagramBatch&) = delete;

  std::size_t capacity() const { return hdrs_.size(); }
  std::size_t slot_size() const { return size_; }

  // All slots ready for recvmmsg (full buffers, room for the sender address).
  std::span<mmsghdr> for_recv();
  // Slot i holds data[0..len) to be sent to `to` (nullptr: the connected peer).
  void set(std::size_t i, std::size_t len, const SocketAddr* to);
  // The first n received datagrams become replies to their senders, in place.
  void reply_in_place(std::size_t n);
  std::span<mmsghdr> prefix(std::size_t n) { return {hdrs_.data(), n}; }

  std::span<std::byte> buffer(std::size_t i) { return {bufs_.data() + i * size_, size_}; }
  std::span<const std::byte> data(std::size_t i) const {
    return {bufs_.data() + i * size_, hdrs_[i].msg_len};
  }
  SocketAddr peer(std::size_t i) const;
  // The size of each datagram in slot i: the GRO segment size when the
  // kernel coalesced a run into it (the last may be shorter), else the
  // slot's whole length.
  std::size_t segment_size(std::size_t i) const;
  // Calls f(datagram) for each datagram slot i holds (a coalesced run cut
  // at its segment size), in order, until f returns false. False if f did.
  template <class F>
  bool each_datagram(std::size_t i, F&& f) const {
    auto slot = data(i);
    std::size_t segment = segment_size(i);
    for (std::size_t at = 0; at < slot.size(); at += segment)
      if (!f(slot.subspan(at, std::min(segment, slot.size() - at)))) return false;
    return true;
  }

 private:
  std::size_t size_;
  bool segments_;
  std::vector<std::byte> bufs_;
  std::vector<std::byte> controls_;
  std::vector<sockaddr_storage> names_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> hdrs_;
};

// UDP generic segmentation offload (Linux 4.18+): one sendmsg carries a
// buffer that the kernel cuts into datagrams of `segment` bytes (the last may
// be shorter). At most kGsoMaxSegments segments per call.
inline constexpr std::size_t kGsoMaxSegments = 64;
bool udp_gso_supported(int fd);

// UDP generic receive offload (Linux 5.0+): datagrams of one flow arriving
// together (a GSO send over loopback, or a NIC's GRO) reach one recvmsg as a
// single buffer cut at the segment size the UDP_GRO control message gives,
// instead of one socket buffer and one copy each. False where the kernel has
// no UDP_GRO; the socket then receives datagrams one by one, as before.
bool udp_gro_enable(int fd);
// The largest buffer one GRO receive may hand over: a whole GSO send.
inline constexpr std::size_t kGroMaxBytes = 65535;
Result<std::size_t> send_gso(int fd, std::span<const std::byte> buf, uint16_t segment,
                             const SocketAddr* to = nullptr);

}  // namespace sluice
