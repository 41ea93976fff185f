#include "core/net/udp_batch.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>

namespace sluice {

const MmsgCalls& MmsgCalls::system() {
  static const MmsgCalls calls{
      [](int fd, mmsghdr* m, unsigned n, int flags) { return ::sendmmsg(fd, m, n, flags); },
      [](int fd, mmsghdr* m, unsigned n, int flags) {
        return ::recvmmsg(fd, m, n, flags, nullptr);
      },
  };
  return calls;
}

namespace {

enum class Dir { send, recv };
constexpr std::size_t kMaxPerCall = 1024;  // the kernel's UIO_MAXIOV

Result<std::size_t> batch_loop(Dir dir, int fd, std::span<mmsghdr> msgs, const MmsgCalls& calls) {
  std::size_t done = 0;
  while (done < msgs.size()) {
    unsigned want = static_cast<unsigned>(std::min<std::size_t>(msgs.size() - done, kMaxPerCall));
    int n = dir == Dir::send ? calls.sendmmsg(fd, msgs.data() + done, want, MSG_DONTWAIT)
                             : calls.recvmmsg(fd, msgs.data() + done, want, MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) break;  // nothing moved, nothing wrong
    int err = errno;
    if (err == EINTR) continue;
    // Keep what was moved; a persistent error returns on the next call.
    if (done > 0 || err == EAGAIN || err == EWOULDBLOCK) break;
    const char* what = dir == Dir::send ? "sendmmsg" : "recvmmsg";
    return fail(dir == Dir::send ? Errc::send_failed : Errc::recv_failed,
                fmt::format("{}: {}", what, std::strerror(err)), err);
  }
  return done;
}

}  // namespace

Result<std::size_t> send_batch(int fd, std::span<mmsghdr> msgs, const MmsgCalls& calls) {
  return batch_loop(Dir::send, fd, msgs, calls);
}

Result<std::size_t> recv_batch(int fd, std::span<mmsghdr> msgs, const MmsgCalls& calls) {
  return batch_loop(Dir::recv, fd, msgs, calls);
}

// --- DatagramBatch ---

namespace {
constexpr std::size_t kGroControl = CMSG_SPACE(sizeof(int));
}  // namespace

DatagramBatch::DatagramBatch(std::size_t count, std::size_t size, bool segments)
    : size_(size),
      segments_(segments),
      bufs_(count * size),
      controls_(segments ? count * kGroControl : 0),
      names_(count),
      iovs_(count),
      hdrs_(count) {
  for (std::size_t i = 0; i < count; ++i) {
    iovs_[i] = {bufs_.data() + i * size_, size_};
    hdrs_[i] = {};
    hdrs_[i].msg_hdr.msg_iov = &iovs_[i];
    hdrs_[i].msg_hdr.msg_iovlen = 1;
  }
}

std::span<mmsghdr> DatagramBatch::for_recv() {
  for (std::size_t i = 0; i < hdrs_.size(); ++i) {
    iovs_[i].iov_len = size_;
    hdrs_[i].msg_hdr.msg_name = &names_[i];
    hdrs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    hdrs_[i].msg_hdr.msg_flags = 0;
    hdrs_[i].msg_len = 0;
    if (segments_) {
      hdrs_[i].msg_hdr.msg_control = controls_.data() + i * kGroControl;
      hdrs_[i].msg_hdr.msg_controllen = kGroControl;
    }
  }
  return hdrs_;
}

std::size_t DatagramBatch::segment_size(std::size_t i) const {
  std::size_t len = hdrs_[i].msg_len;
  if (!segments_) return len;
  // CMSG_NXTHDR takes a non-const msghdr; this reads only.
  auto& msg = const_cast<msghdr&>(hdrs_[i].msg_hdr);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO) continue;
    int gso = 0;
    std::memcpy(&gso, CMSG_DATA(c), sizeof gso);
    if (gso > 0 && static_cast<std::size_t>(gso) < len) return static_cast<std::size_t>(gso);
  }
  return len;
}

void DatagramBatch::set(std::size_t i, std::size_t len, const SocketAddr* to) {
  iovs_[i].iov_len = std::min(len, size_);
  hdrs_[i].msg_hdr.msg_control = nullptr;  // no GRO control message on a send
  hdrs_[i].msg_hdr.msg_controllen = 0;
  if (to) {
    std::memcpy(&names_[i], &to->ss, to->len);
    hdrs_[i].msg_hdr.msg_name = &names_[i];
    hdrs_[i].msg_hdr.msg_namelen = to->len;
  } else {
    hdrs_[i].msg_hdr.msg_name = nullptr;
    hdrs_[i].msg_hdr.msg_namelen = 0;
  }
  hdrs_[i].msg_len = 0;
}

void DatagramBatch::reply_in_place(std::size_t n) {
  for (std::size_t i = 0; i < n && i < hdrs_.size(); ++i) {
    iovs_[i].iov_len = std::min<std::size_t>(
        hdrs_[i].msg_len, size_);  // msg_name/msg_namelen already hold the sender
    hdrs_[i].msg_hdr.msg_control = nullptr;
    hdrs_[i].msg_hdr.msg_controllen = 0;
    hdrs_[i].msg_hdr.msg_flags = 0;
    hdrs_[i].msg_len = 0;
  }
}

SocketAddr DatagramBatch::peer(std::size_t i) const {
  SocketAddr a;
  a.len = hdrs_[i].msg_hdr.msg_namelen;
  if (a.len > sizeof a.ss || !hdrs_[i].msg_hdr.msg_name) a.len = 0;
  if (a.len) std::memcpy(&a.ss, &names_[i], a.len);
  return a;
}

// --- GSO ---

bool udp_gso_supported(int fd) {
  int segment = 0;
  socklen_t len = sizeof segment;
  return ::getsockopt(fd, SOL_UDP, UDP_SEGMENT, &segment, &len) == 0;
}

bool udp_gro_enable(int fd) {
  int one = 1;
  return ::setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
}

Result<std::size_t> send_gso(int fd, std::span<const std::byte> buf, uint16_t segment,
                             const SocketAddr* to) {
  if (segment == 0 || (buf.size() + segment - 1) / segment > kGsoMaxSegments)
    return fail(Errc::internal, "send_gso: bad segment size for the buffer");
  iovec iov{const_cast<std::byte*>(buf.data()), buf.size()};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(uint16_t))] = {};
  msghdr msg{};
  if (to) {
    msg.msg_name = const_cast<sockaddr*>(to->sa());
    msg.msg_namelen = to->len;
  }
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
  for (;;) {
    ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return fail(Errc::send_failed, fmt::format("sendmsg (UDP GSO): {}", std::strerror(errno)),
                errno);
  }
}

}  // namespace sluice
