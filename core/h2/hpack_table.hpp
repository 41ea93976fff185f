// HPACK's dynamic table (RFC 7541 2.3.2 and 4): a FIFO of fields bounded by
// size (name + value + 32 bytes per entry), newest first. The decoder keeps
// one for what the peer inserts, the encoder one for what we insert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/h2/hpack_static.hpp"

namespace sluice::hpack {

class DynamicTable {
 public:
  static constexpr std::size_t kEntryOverhead = 32;

  explicit DynamicTable(std::size_t max_size) : max_size_(max_size) {}

  // Inserts a field as entry 1, evicting the oldest ones to make room. A
  // field larger than the whole table empties it and is not kept (4.4):
  // false. Views of evicted entries stay valid only when nothing was kept.
  bool insert(std::string_view name, std::string_view value);
  // Evicts until the table fits the new size.
  void resize(std::size_t max_size);

  std::size_t count() const { return count_; }
  // Entries ever inserted: the newest is number inserted(). An entry's number
  // stays its own while indices shift, so a caller can keep it and ask for
  // its index later (0: evicted since).
  uint64_t inserted() const { return inserted_; }
  // Counts every insertion and resize: the same count means the same table
  // (a header block's meaning depends on it).
  uint64_t changes() const { return changes_; }
  std::size_t index_of(uint64_t number) const {
    uint64_t back = inserted_ - number;  // 0 for the newest
    return number != 0 && number <= inserted_ && back < count_ ? back + 1 : 0;
  }
  std::size_t size() const { return size_; }
  std::size_t max_size() const { return max_size_; }
  // index: 1 (newest) to count().
  Field at(std::size_t index) const;
  // The entry's hash as given to insert(): the encoder's lookups compare
  // these first.
  uint64_t hash_at(std::size_t index) const { return slot(index).hash; }
  void set_last_hash(uint64_t h) { slot(1).hash = h; }

 private:
  struct Entry {
    std::string name, value;
    uint64_t hash = 0;
  };
  // ring_'s size is a power of two: a mask, not a division, per lookup.
  Entry& slot(std::size_t index) { return ring_[(newest_ - (index - 1)) & (ring_.size() - 1)]; }
  const Entry& slot(std::size_t index) const {
    return ring_[(newest_ - (index - 1)) & (ring_.size() - 1)];
  }
  void evict_oldest();
  void grow();

  std::vector<Entry> ring_;  // entries' strings are reused as they cycle
  std::size_t newest_ = 0;   // where entry 1 sits in ring_
  std::size_t count_ = 0;
  uint64_t inserted_ = 0;
  uint64_t changes_ = 0;
  std::size_t size_ = 0;
  std::size_t max_size_;
};

}  // namespace sluice::hpack
