// The last field section a connection decoded and found valid, with what it
// decoded to. Where a section's meaning is its bytes alone (QPACK with a
// table of capacity 0, as our HTTP/3 server and client both allow), the same
// bytes again mean the same: a load generator's next request, a server's
// next response of the same kind within the second of its date. Decoding
// and checking a small h3 request's section cost about 1.3k of its 10k
// instructions on the server; a hit costs a compare and a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice {

template <class Decoded>
class SectionMemo {
 public:
  // What section decoded to when it is the section kept, else null.
  const Decoded* find(std::string_view section) { return lookup(section, true); }

  // The same for the section data starts with (an h1 request head in its
  // read buffer, maybe with more behind it); its length in len.
  const Decoded* find_prefix(std::string_view data, std::size_t& len) {
    const Decoded* d = lookup(data, false);
    if (d) len = section_.size();
    return d;
  }

  // Whether keep() would take section now: a caller can skip gathering what
  // it decodes to otherwise. A client whose sections all differ would pay a
  // copy for each: after a few misses in a row, only every kRetryEvery-th.
  bool wants(std::string_view section) const {
    return section.size() <= kMaxSection && (misses_ <= kMissesKept || misses_ % kRetryEvery == 0);
  }

  // After a miss: section decoded to decoded, which passed every check.
  void keep(std::string_view section, const Decoded& decoded) {
    if (!wants(section)) return;
    section_.assign(section);
    decoded_ = decoded;
    kept_ = true;
    ++copies_;
  }

  uint64_t copies() const { return copies_; }  // sections kept so far

  static constexpr std::size_t kMaxSection = 512;  // bytes: a compare stays cheap
  static constexpr unsigned kMissesKept = 4;
  static constexpr unsigned kRetryEvery = 64;

 private:
  const Decoded* lookup(std::string_view data, bool whole) {
    if (kept_ && (whole ? data.size() == section_.size() : data.size() >= section_.size()) &&
        std::memcmp(data.data(), section_.data(), section_.size()) == 0) {
      misses_ = 0;
      return &decoded_;
    }
    ++misses_;
    return nullptr;
  }

  std::string section_;
  Decoded decoded_{};
  bool kept_ = false;
  unsigned misses_ = 0;  // lookups since the last hit
  uint64_t copies_ = 0;
};

}  // namespace sluice
