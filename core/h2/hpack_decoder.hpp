// HPACK decoding (RFC 7541) of the header blocks a peer sends: one decoder
// per connection and direction, since the dynamic table carries over from
// block to block.
//
// Iterator style, so the caller handles each field in its own loop:
//   dec.begin(block);
//   while ((step = dec.next(field)) == Step::field) use(field);
// A field's views stay valid until the next call to next() or begin().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/h2/hpack_static.hpp"
#include "core/h2/hpack_table.hpp"

namespace sluice::hpack {

class Decoder {
 public:
  enum class Step { field, done, error };  // error: COMPRESSION_ERROR, the connection ends

  // max_table: the SETTINGS_HEADER_TABLE_SIZE we announced (default 4096).
  explicit Decoder(std::size_t max_table = 4096) : table_(max_table), limit_(max_table) {}

  // A complete header block (HEADERS plus its CONTINUATIONs, joined).
  void begin(std::string_view block);
  Step next(Field& field);
  // The field next() returned last was "never indexed" (7.1.3): keep it out
  // of any table on the way on.
  bool never_indexed() const { return never_indexed_; }

  const DynamicTable& table() const { return table_; }

 private:
  bool integer(int prefix_bits, uint64_t& value);
  bool string(std::string& scratch, std::string_view& out);
  bool lookup(uint64_t index, Field& field) const;
  Step literal(int prefix_bits, bool index, Field& field);

  DynamicTable table_;
  std::size_t limit_;  // what the peer may resize the table up to
  std::string_view in_;
  std::size_t at_ = 0;
  bool first_ = true;  // no field yet in this block: a size update may come
  bool never_indexed_ = false;
  std::string name_, value_;  // decoded literals
};

}  // namespace sluice::hpack
