#include "core/h2/hpack_table.hpp"

#include <utility>

namespace sluice::hpack {

Field DynamicTable::at(std::size_t index) const {
  const Entry& e = slot(index);
  return {e.name, e.value};
}

void DynamicTable::evict_oldest() {
  const Entry& e = slot(count_);
  size_ -= e.name.size() + e.value.size() + kEntryOverhead;
  --count_;
}

void DynamicTable::resize(std::size_t max_size) {
  ++changes_;
  max_size_ = max_size;
  while (size_ > max_size_) evict_oldest();
}

bool DynamicTable::insert(std::string_view name, std::string_view value) {
  ++changes_;  // evicted entries at least, even when the field is not kept
  std::size_t need = name.size() + value.size() + kEntryOverhead;
  // The new field may be a view of an entry about to be evicted (a literal
  // whose name is indexed): copy it first.
  std::string new_name(name), new_value(value);
  while (count_ > 0 && size_ + need > max_size_) evict_oldest();
  if (need > max_size_) return false;
  if (count_ == ring_.size()) grow();
  newest_ = (newest_ + 1) & (ring_.size() - 1);
  Entry& e = ring_[newest_];
  e.name = std::move(new_name);
  e.value = std::move(new_value);
  e.hash = 0;
  ++count_;
  ++inserted_;
  size_ += need;
  return true;
}

// Entries in order, newest at ring_[0] after this, with room for more.
void DynamicTable::grow() {
  std::vector<Entry> bigger(ring_.empty() ? 8 : ring_.size() * 2);
  std::size_t n = bigger.size();
  for (std::size_t i = 1; i <= count_; ++i) bigger[(n - (i - 1)) & (n - 1)] = std::move(slot(i));
  ring_ = std::move(bigger);
  newest_ = 0;
}

}  // namespace sluice::hpack
