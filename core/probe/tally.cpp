#include "core/probe/tally.hpp"

#include <cstring>

namespace sluice::probe {

namespace {
bool same_addr(const SocketAddr& a, const SocketAddr& b) {
  return a.len == b.len && std::memcmp(&a.ss, &b.ss, a.len) == 0;
}
bool same_kind(const IcmpError& a, const IcmpError& b) {
  return a.err == b.err && a.origin == b.origin && a.type == b.type && a.code == b.code &&
         same_addr(a.offender, b.offender) && same_addr(a.destination, b.destination);
}
}  // namespace

void record_icmp(Report& r, const IcmpError& e) {
  ++r.icmp_errors;
  for (auto& k : r.icmp)
    if (same_kind(k.error, e)) {
      ++k.count;
      return;
    }
  // A bounded list: past 64 kinds (a scan of many hosts), new kinds only count.
  if (r.icmp.size() < 64) r.icmp.push_back({e, 1});
}

MmsgCalls counted_calls(Report& r) {
  return {[&r](int fd, mmsghdr* m, unsigned n, int flags) {
            ++r.send_calls;
            return ::sendmmsg(fd, m, n, flags);
          },
          [&r](int fd, mmsghdr* m, unsigned n, int flags) {
            ++r.recv_calls;
            return ::recvmmsg(fd, m, n, flags, nullptr);
          }};
}

}  // namespace sluice::probe
