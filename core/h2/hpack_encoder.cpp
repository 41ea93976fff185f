#include "core/h2/hpack_encoder.hpp"

#include <algorithm>
#include <cstring>

#include "core/h2/hpack_static.hpp"
#include "core/h2/huffman.hpp"
#include "core/h2/prefixed_integer.hpp"

namespace sluice::hpack {

namespace {

// A hash of name and value, eight bytes at a time (a field's hash is taken
// for every field of every response, so a byte-wise hash showed in profiles).
uint64_t mix_bytes(uint64_t h, std::string_view s) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  std::size_t at = 0;
  for (; at + 8 <= s.size(); at += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + at, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  if (at < s.size()) std::memcpy(&tail, s.data() + at, s.size() - at);
  h = (h ^ tail ^ (uint64_t{s.size()} << 56)) * kMul;
  return h ^ (h >> 32);
}

uint64_t field_hash(std::string_view name, std::string_view value) {
  return mix_bytes(mix_bytes(0x243f6a8885a308d3ull, name), value);
}

bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

void encode_integer(std::string& out, uint8_t pattern, int prefix_bits, uint64_t value) {
  append_prefixed_integer(out, pattern, prefix_bits, value);
}

void Encoder::literal_string(std::string& out, std::string_view s) {
  std::size_t coded = huffman_size(s);
  if (coded < s.size()) {
    encode_integer(out, 0x80, 7, coded);
    huffman_encode(s, out);
  } else {
    encode_integer(out, 0x00, 7, s.size());
    out.append(s);
  }
}

void Encoder::set_peer_limit(std::size_t limit) {
  std::size_t size = std::min(limit, kDefaultTable);
  update_min_ = std::min(update_min_, size);
  update_pending_ = true;
  table_.resize(size);
}

// 4.2: the smallest size since the last block, then the current one if it
// is larger, so the peer evicts what we evicted.
void Encoder::begin(std::string& out) {
  place_ = 0;
  if (!update_pending_) return;
  encode_integer(out, 0x20, 5, update_min_);
  if (table_.max_size() != update_min_) encode_integer(out, 0x20, 5, table_.max_size());
  update_pending_ = false;
  update_min_ = SIZE_MAX;
}

// The dynamic entry holding exactly name and value, as an HPACK index (0: none).
std::size_t Encoder::find(uint64_t hash, std::string_view name, std::string_view value) const {
  for (std::size_t i = 1; i <= table_.count(); ++i) {
    if (table_.hash_at(i) != hash) continue;
    Field f = table_.at(i);
    if (f.name == name && f.value == value) return kStaticEntries + i;
  }
  return 0;
}

// The index of the field at this place in the last block, if it is the
// same field and its entry is still there (0: not).
std::size_t Encoder::memo_index(std::string_view name, std::string_view value) const {
  if (place_ >= memo_.size()) return 0;
  const Memo& m = memo_[place_];
  if (m.name != name || m.value != value) return 0;
  if (m.static_index) return m.static_index;
  std::size_t i = table_.index_of(m.number);
  return i ? kStaticEntries + i : 0;
}

void Encoder::remember_at(std::size_t place, std::string_view name, std::string_view value,
                          std::size_t static_index, uint64_t number) {
  if (place >= memo_.size()) memo_.resize(place + 1);
  Memo& m = memo_[place];
  m.name.assign(name);
  m.value.assign(value);
  m.static_index = static_index;
  m.number = number;
}

void Encoder::field(std::string& out, std::string_view name, std::string_view value, Index how) {
  if (has_upper(name)) {
    lower_.assign(name);
    for (char& c : lower_)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    name = lower_;
  }
  if (how == Index::yes) {
    if (std::size_t i = memo_index(name, value)) {
      ++place_;
      return encode_integer(out, 0x80, 7, i);
    }
  }
  std::size_t at = place_++;
  StaticMatch st = static_find(name, value);
  if (st.full) {
    if (how == Index::yes) remember_at(at, name, value, st.full, 0);
    return encode_integer(out, 0x80, 7, st.full);
  }
  uint64_t hash = 0;
  if (how == Index::yes) {
    hash = field_hash(name, value);
    if (std::size_t i = find(hash, name, value)) {
      remember_at(at, name, value, 0, table_.inserted() - (i - kStaticEntries - 1));
      return encode_integer(out, 0x80, 7, i);
    }
  }
  bool insert = how == Index::yes &&
                name.size() + value.size() + DynamicTable::kEntryOverhead <= table_.max_size() / 4;
  if (insert)
    encode_integer(out, 0x40, 6, st.name);
  else
    encode_integer(out, how == Index::never ? 0x10 : 0x00, 4, st.name);
  if (st.name == 0) literal_string(out, name);
  literal_string(out, value);
  if (insert && table_.insert(name, value)) {
    table_.set_last_hash(hash);
    remember_at(at, name, value, 0, table_.inserted());
  }
}

}  // namespace sluice::hpack
