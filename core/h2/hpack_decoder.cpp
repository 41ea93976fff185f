#include "core/h2/hpack_decoder.hpp"

#include "core/h2/huffman.hpp"
#include "core/h2/prefixed_integer.hpp"

namespace sluice::hpack {

void Decoder::begin(std::string_view block) {
  in_ = block;
  at_ = 0;
  first_ = true;
}

// 5.1.
bool Decoder::integer(int prefix_bits, uint64_t& value) {
  return read_prefixed_integer(in_, at_, prefix_bits, value);
}

// 5.2: H, a 7-bit prefixed length, the bytes. A plain literal is viewed in
// place; a Huffman-coded one is decoded into scratch.
bool Decoder::string(std::string& scratch, std::string_view& out) {
  if (at_ >= in_.size()) return false;
  bool huffman = static_cast<uint8_t>(in_[at_]) & 0x80;
  uint64_t length = 0;
  if (!integer(7, length) || length > in_.size() - at_) return false;
  std::string_view raw = in_.substr(at_, length);
  at_ += length;
  if (!huffman) {
    out = raw;
    return true;
  }
  scratch.clear();
  if (!huffman_decode(raw, scratch)) return false;
  out = scratch;
  return true;
}

bool Decoder::lookup(uint64_t index, Field& field) const {
  if (index == 0) return false;
  if (index <= kStaticEntries) {
    field = static_entry(index);
    return true;
  }
  index -= kStaticEntries;
  if (index > table_.count()) return false;
  field = table_.at(index);
  return true;
}

Decoder::Step Decoder::literal(int prefix_bits, bool index, Field& field) {
  uint64_t name_index = 0;
  if (!integer(prefix_bits, name_index)) return Step::error;
  if (name_index == 0) {
    if (!string(name_, field.name)) return Step::error;
  } else {
    Field named;
    if (!lookup(name_index, named)) return Step::error;
    field.name = named.name;
  }
  if (!string(value_, field.value)) return Step::error;
  // The name may be a view of an entry the insertion evicts and overwrites:
  // the caller gets the new entry's own strings.
  if (index && table_.insert(field.name, field.value)) field = table_.at(1);
  return Step::field;
}

Decoder::Step Decoder::next(Field& field) {
  never_indexed_ = false;
  while (at_ < in_.size()) {
    uint8_t b = static_cast<uint8_t>(in_[at_]);
    if (b & 0x80) {  // 6.1 indexed field
      uint64_t index = 0;
      if (!integer(7, index) || !lookup(index, field)) return Step::error;
      first_ = false;
      return Step::field;
    }
    if (b & 0x40) {  // 6.2.1 literal with incremental indexing
      first_ = false;
      return literal(6, true, field);
    }
    if (b & 0x20) {  // 6.3 dynamic table size update: only before the first field
      uint64_t size = 0;
      if (!first_ || !integer(5, size) || size > limit_) return Step::error;
      table_.resize(size);
      continue;
    }
    first_ = false;
    never_indexed_ = b & 0x10;  // 6.2.3, else 6.2.2 without indexing
    return literal(4, false, field);
  }
  return Step::done;
}

}  // namespace sluice::hpack
