// HPACK encoding (RFC 7541) of the header blocks we send: one encoder per
// connection. A field already in the static or dynamic table costs one
// byte; a new one is sent as a literal (Huffman-coded when that is shorter)
// and, unless told otherwise, inserted so that the next response that
// repeats it (the same Date second, Content-Type, ETag, length...) refers
// to it by index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/h2/hpack_table.hpp"

namespace sluice::hpack {

class Encoder {
 public:
  // yes: inserted into the table when small enough; no: sent as a literal
  // without indexing (a value unique to this message); never: never indexed
  // by any hop either (7.1.3: secrets such as short cookies).
  enum class Index { yes, no, never };

  // The table we keep: at most this, and at most what the peer allows.
  static constexpr std::size_t kDefaultTable = 4096;

  Encoder() : table_(kDefaultTable) {}

  // The peer's SETTINGS_HEADER_TABLE_SIZE: the table shrinks to fit (or
  // grows back up to kDefaultTable), and the next block says so first.
  void set_peer_limit(std::size_t limit);

  // Starts a header block in out (appending): any pending size update.
  void begin(std::string& out);
  // Appends one field. A name with upper-case letters is sent lower-cased,
  // as HTTP/2 requires.
  void field(std::string& out, std::string_view name, std::string_view value,
             Index how = Index::yes);

  const DynamicTable& table() const { return table_; }

 private:
  // A field of the last block and the entry that holds it: a response head
  // mostly repeats the one before, field for field, so each field is first
  // compared with the one at its place last time (no hashing, no search).
  struct Memo {
    std::string name, value;
    std::size_t static_index = 0;  // a static entry holds it
    uint64_t number = 0;           // else the dynamic entry's number (table_.inserted())
  };
  std::size_t find(uint64_t hash, std::string_view name, std::string_view value) const;
  std::size_t memo_index(std::string_view name, std::string_view value) const;
  void remember_at(std::size_t place, std::string_view name, std::string_view value,
                   std::size_t static_index, uint64_t number);
  static void literal_string(std::string& out, std::string_view s);

  std::vector<Memo> memo_;
  std::size_t place_ = 0;  // the next field's place in the block

  DynamicTable table_;
  std::size_t update_min_ = SIZE_MAX;  // smallest size since the last block: announce it
  bool update_pending_ = false;
  std::string lower_;  // a lower-cased name
};

// RFC 7541 5.1: value with an N-bit prefix; the prefix's high bits (the
// representation's pattern) are `pattern`.
void encode_integer(std::string& out, uint8_t pattern, int prefix_bits, uint64_t value);

}  // namespace sluice::hpack
