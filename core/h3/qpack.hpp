// QPACK (RFC 9204) for the server's own HTTP/3 layer, without a dynamic
// table: the server announces SETTINGS_QPACK_MAX_TABLE_CAPACITY 0 (the
// default), so a client may refer only to the static table, and it encodes
// its responses with static references and literals. Neither side then
// needs the encoder or decoder stream, and no field section can block.
//
// Decoding is iterator style, as hpack::Decoder:
//   if (!dec.begin(section)) fail;
//   while ((step = dec.next(field)) == Step::field) use(field);
// A field's views stay valid until the next call to next() or begin().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http/headers.hpp"

namespace sluice::qpack {

struct Field {
  std::string_view name, value;
  // From the static table, and so valid (a test checks every entry): the
  // request check need not look at it again.
  bool static_name = false, static_value = false;
};

inline constexpr std::size_t kStaticEntries = 99;
const Field& static_entry(std::size_t index);  // Appendix A, 0-based

class Decoder {
 public:
  enum class Step { field, done, error };  // error: QPACK_DECOMPRESSION_FAILED

  // False: the section refers to a dynamic table (a Required Insert Count
  // other than 0), or its prefix is cut short.
  bool begin(std::string_view section);
  Step next(Field& field);

 private:
  bool integer(int prefix_bits, uint64_t& value);
  // A string literal whose H bit is bit `prefix_bits` of the first byte.
  // memo: values only, so that a name's view never points into an entry the
  // value's decoding replaces.
  bool string(int prefix_bits, std::string& scratch, std::string_view& out, bool memo);

  // A Huffman-coded literal seen before on this connection, decoded: a client
  // sends the same authority, user agent and so on with every request, and
  // comparing the coded bytes costs less than decoding them again.
  struct Memo {
    std::string coded, plain;
  };
  bool remembered(std::string_view coded, std::string_view& out);
  void remember(std::string_view coded, std::string_view plain);

  std::string_view in_;
  std::size_t at_ = 0;
  std::string name_, value_;                                // Huffman-decoded literals
  static constexpr std::size_t kMemos = 8, kMemoMax = 128;  // entries, coded bytes each
  std::array<Memo, kMemos> memo_;
  std::size_t memo_next_ = 0;  // the entry the next new literal replaces
};

// Appends a field section's prefix: Required Insert Count 0, Base 0.
void begin_section(std::string& out);
// Appends one field line: an indexed line when the static table holds the
// field, else a literal (with the static table's name when it has one).
// name must be lower-case.
void encode_field(std::string& out, std::string_view name, std::string_view value);
// :status, by index where the static table has the code.
void encode_status(std::string& out, int status);
// content-length, by its static entry (index 4) without looking the name up.
void encode_content_length(std::string& out, uint64_t length);

// A response's own fields, QPACK-encoded: names in lower case, the
// connection-specific ones left out. Endpoints answer from a few shared lists
// (every /bytes response has the same two fields), so the last list's
// encoding is kept with a copy of the list to know it by: comparing costs a
// tenth of encoding (which was an eighth of a small request's instructions).
// With them, `server` and `date`, which start every response, encoded again
// only when the second changes.
class ResponseFieldCache {
 public:
  std::string_view encode(const Headers& headers);
  std::string_view server_and_date(std::time_t now);

 private:
  std::vector<std::pair<std::string, std::string>> list_;
  std::string encoded_;
  bool valid_ = false;
  std::time_t second_ = -1;
  std::string server_and_date_;
};

}  // namespace sluice::qpack
