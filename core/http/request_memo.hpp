// The last request field section a connection decoded and found valid, with
// the head it decoded to. Where a section's meaning is its bytes alone (QPACK
// with a table of capacity 0, as our HTTP/3 server allows), the same bytes
// again are the same request head: a load generator's next request, a
// browser's next fetch of the same kind. Decoding and checking them again
// cost about 1.3k of a small h3 request's 10k instructions; a hit costs a
// compare and a copy of the head.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/http/request_head.hpp"

namespace sluice {

class RequestMemo {
 public:
  // The head section decoded to when it is the section kept, else null.
  const RequestHead* find(std::string_view section) {
    if (kept_ && section.size() == section_.size() &&
        std::memcmp(section.data(), section_.data(), section.size()) == 0) {
      misses_ = 0;
      return &head_;
    }
    ++misses_;
    return nullptr;
  }

  // After a miss: section decoded to head, which passed every check. A
  // client whose requests all differ would pay a copy for each: after a few
  // misses in a row, only every kRetryEvery-th is kept.
  void keep(std::string_view section, const RequestHead& head) {
    if (section.size() > kMaxSection) return;
    if (misses_ > kMissesKept && misses_ % kRetryEvery != 0) return;
    section_.assign(section);
    head_ = head;
    kept_ = true;
    ++copies_;
  }

  uint64_t copies() const { return copies_; }  // heads kept so far

  static constexpr std::size_t kMaxSection = 512;  // bytes: a compare stays cheap
  static constexpr unsigned kMissesKept = 4;
  static constexpr unsigned kRetryEvery = 64;

 private:
  std::string section_;
  RequestHead head_;
  bool kept_ = false;
  unsigned misses_ = 0;  // find() calls since the last hit
  uint64_t copies_ = 0;
};

}  // namespace sluice
