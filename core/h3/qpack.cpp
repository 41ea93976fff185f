#include "core/h3/qpack.hpp"

#include <array>
#include <charconv>
#include <vector>

#include "core/h1/http_date.hpp"
#include "core/h2/huffman.hpp"
#include "core/h2/prefixed_integer.hpp"

namespace sluice::qpack {

namespace {

// RFC 9204 Appendix A.
constexpr std::array<Field, kStaticEntries> kStatic{{
    {":authority", ""},
    {":path", "/"},
    {"age", "0"},
    {"content-disposition", ""},
    {"content-length", "0"},
    {"cookie", ""},
    {"date", ""},
    {"etag", ""},
    {"if-modified-since", ""},
    {"if-none-match", ""},
    {"last-modified", ""},
    {"link", ""},
    {"location", ""},
    {"referer", ""},
    {"set-cookie", ""},
    {":method", "CONNECT"},
    {":method", "DELETE"},
    {":method", "GET"},
    {":method", "HEAD"},
    {":method", "OPTIONS"},
    {":method", "POST"},
    {":method", "PUT"},
    {":scheme", "http"},
    {":scheme", "https"},
    {":status", "103"},
    {":status", "200"},
    {":status", "304"},
    {":status", "404"},
    {":status", "503"},
    {"accept", "*/*"},
    {"accept", "application/dns-message"},
    {"accept-encoding", "gzip, deflate, br"},
    {"accept-ranges", "bytes"},
    {"access-control-allow-headers", "cache-control"},
    {"access-control-allow-headers", "content-type"},
    {"access-control-allow-origin", "*"},
    {"cache-control", "max-age=0"},
    {"cache-control", "max-age=2592000"},
    {"cache-control", "max-age=604800"},
    {"cache-control", "no-cache"},
    {"cache-control", "no-store"},
    {"cache-control", "public, max-age=31536000"},
    {"content-encoding", "br"},
    {"content-encoding", "gzip"},
    {"content-type", "application/dns-message"},
    {"content-type", "application/javascript"},
    {"content-type", "application/json"},
    {"content-type", "application/x-www-form-urlencoded"},
    {"content-type", "image/gif"},
    {"content-type", "image/jpeg"},
    {"content-type", "image/png"},
    {"content-type", "text/css"},
    {"content-type", "text/html; charset=utf-8"},
    {"content-type", "text/plain"},
    {"content-type", "text/plain;charset=utf-8"},
    {"range", "bytes=0-"},
    {"strict-transport-security", "max-age=31536000"},
    {"strict-transport-security", "max-age=31536000; includesubdomains"},
    {"strict-transport-security", "max-age=31536000; includesubdomains; preload"},
    {"vary", "accept-encoding"},
    {"vary", "origin"},
    {"x-content-type-options", "nosniff"},
    {"x-xss-protection", "1; mode=block"},
    {":status", "100"},
    {":status", "204"},
    {":status", "206"},
    {":status", "302"},
    {":status", "400"},
    {":status", "403"},
    {":status", "421"},
    {":status", "425"},
    {":status", "500"},
    {"accept-language", ""},
    {"access-control-allow-credentials", "FALSE"},
    {"access-control-allow-credentials", "TRUE"},
    {"access-control-allow-headers", "*"},
    {"access-control-allow-methods", "get"},
    {"access-control-allow-methods", "get, post, options"},
    {"access-control-allow-methods", "options"},
    {"access-control-expose-headers", "content-length"},
    {"access-control-request-headers", "content-type"},
    {"access-control-request-method", "get"},
    {"access-control-request-method", "post"},
    {"alt-svc", "clear"},
    {"authorization", ""},
    {"content-security-policy", "script-src 'none'; object-src 'none'; base-uri 'none'"},
    {"early-data", "1"},
    {"expect-ct", ""},
    {"forwarded", ""},
    {"if-range", ""},
    {"origin", ""},
    {"purpose", "prefetch"},
    {"server", ""},
    {"timing-allow-origin", "*"},
    {"upgrade-insecure-requests", "1"},
    {"user-agent", ""},
    {"x-forwarded-for", ""},
    {"x-frame-options", "deny"},
    {"x-frame-options", "sameorigin"},
}};

// The encoder's lookup: each name of the static table once, with its entries
// in index order, in an open-addressed table keyed by a hash of the name's
// length and its first and last bytes (no general string hashing per field).
class NameTable {
 public:
  struct Slot {
    std::string_view name;  // empty: a free slot
    std::vector<uint8_t> entries;
  };
  NameTable() {
    for (std::size_t i = 0; i < kStatic.size(); ++i) {
      Slot& s = slot(kStatic[i].name);
      s.name = kStatic[i].name;
      s.entries.push_back(static_cast<uint8_t>(i));
    }
  }
  const Slot* find(std::string_view name) const {
    if (name.empty()) return nullptr;
    for (std::size_t i = hash(name);; i = (i + 1) % kSlots) {
      const Slot& s = slots_[i];
      if (s.name.empty()) return nullptr;
      if (s.name == name) return &s;
    }
  }

 private:
  static constexpr std::size_t kSlots = 256;  // 4 to 5 times the names: short probes
  static std::size_t hash(std::string_view n) {
    return (n.size() * 31 + static_cast<uint8_t>(n.front()) * 7 + static_cast<uint8_t>(n.back())) %
           kSlots;
  }
  Slot& slot(std::string_view name) {
    for (std::size_t i = hash(name);; i = (i + 1) % kSlots)
      if (slots_[i].name.empty() || slots_[i].name == name) return slots_[i];
  }
  std::array<Slot, kSlots> slots_;
};

const NameTable& names() {
  static const NameTable table;
  return table;
}

void put_string(std::string& out, uint8_t flags, int prefix_bits, std::string_view s) {
  hpack::append_prefixed_integer(out, flags, prefix_bits, s.size());
  out.append(s);
}

}  // namespace

const Field& static_entry(std::size_t index) {
  return kStatic[index];
}

bool Decoder::begin(std::string_view section) {
  in_ = section;
  at_ = 0;
  uint64_t required_insert_count = 0, delta_base = 0;
  return integer(8, required_insert_count) && required_insert_count == 0 && integer(7, delta_base);
}

bool Decoder::integer(int prefix_bits, uint64_t& value) {
  return hpack::read_prefixed_integer(in_, at_, prefix_bits, value);
}

bool Decoder::string(int prefix_bits, std::string& scratch, std::string_view& out, bool memo) {
  if (at_ >= in_.size()) return false;
  bool huffman = static_cast<uint8_t>(in_[at_]) & (1u << prefix_bits);
  uint64_t length = 0;
  if (!integer(prefix_bits, length) || length > in_.size() - at_) return false;
  std::string_view raw = in_.substr(at_, length);
  at_ += length;
  if (!huffman) {
    out = raw;
    return true;
  }
  if (memo && remembered(raw, out)) return true;
  scratch.clear();
  if (!hpack::huffman_decode(raw, scratch)) return false;
  out = scratch;
  if (memo) remember(raw, out);
  return true;
}

bool Decoder::remembered(std::string_view coded, std::string_view& out) {
  for (const Memo& m : memo_) {
    if (m.coded.size() == coded.size() && !coded.empty() && m.coded == coded) {
      out = m.plain;
      return true;
    }
  }
  return false;
}

void Decoder::remember(std::string_view coded, std::string_view plain) {
  if (coded.empty() || coded.size() > kMemoMax) return;
  Memo& m = memo_[memo_next_];
  memo_next_ = (memo_next_ + 1) % kMemos;
  m.coded.assign(coded);
  m.plain.assign(plain);
}

// 4.5.2 to 4.5.6. Only static references are valid: a dynamic one (T=0, or
// a post-Base form) refers to a table that cannot exist at capacity 0.
Decoder::Step Decoder::next(Field& field) {
  if (at_ == in_.size()) return Step::done;
  uint8_t b = static_cast<uint8_t>(in_[at_]);
  uint64_t index = 0;
  if (b & 0x80) {  // 1T: indexed field line
    if (!(b & 0x40) || !integer(6, index) || index >= kStatic.size()) return Step::error;
    field = kStatic[index];
    field.static_name = field.static_value = true;
    return Step::field;
  }
  if (b & 0x40) {  // 01NT: literal with a name reference
    if (!(b & 0x10) || !integer(4, index) || index >= kStatic.size()) return Step::error;
    field.name = kStatic[index].name;
    field.static_name = true;
    field.static_value = false;
    return string(7, value_, field.value, true) ? Step::field : Step::error;
  }
  if (b & 0x20) {  // 001NH: literal with a literal name
    field.static_name = field.static_value = false;
    if (!string(3, name_, field.name, false)) return Step::error;
    return string(7, value_, field.value, true) ? Step::field : Step::error;
  }
  return Step::error;  // 0001 / 0000: post-Base references
}

void begin_section(std::string& out) {
  out.push_back('\0');
  out.push_back('\0');
}

void encode_field(std::string& out, std::string_view name, std::string_view value) {
  const NameTable::Slot* slot = names().find(name);
  if (!slot) {
    put_string(out, 0x20, 3, name);  // 001 N=0 H=0
    put_string(out, 0x00, 7, value);
    return;
  }
  for (uint8_t i : slot->entries) {
    if (kStatic[i].value == value) {
      hpack::append_prefixed_integer(out, 0xc0, 6, i);  // 1 T=1
      return;
    }
  }
  hpack::append_prefixed_integer(out, 0x50, 4, slot->entries.front());  // 01 N=0 T=1
  put_string(out, 0x00, 7, value);
}

void encode_content_length(std::string& out, uint64_t length) {
  constexpr uint8_t kIndex = 4;  // content-length: 0
  if (length == 0) return hpack::append_prefixed_integer(out, 0xc0, 6, kIndex);
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  hpack::append_prefixed_integer(out, 0x50, 4, kIndex);
  put_string(out, 0x00, 7, {digits, static_cast<std::size_t>(end - digits)});
}

void encode_status(std::string& out, int status) {
  int index = -1;
  switch (status) {
    case 103:
      index = 24;
      break;
    case 200:
      index = 25;
      break;
    case 304:
      index = 26;
      break;
    case 404:
      index = 27;
      break;
    case 503:
      index = 28;
      break;
    case 100:
      index = 63;
      break;
    case 204:
      index = 64;
      break;
    case 206:
      index = 65;
      break;
    case 302:
      index = 66;
      break;
    case 400:
      index = 67;
      break;
    case 403:
      index = 68;
      break;
    case 421:
      index = 69;
      break;
    case 425:
      index = 70;
      break;
    case 500:
      index = 71;
      break;
    default:
      break;
  }
  if (index >= 0) return hpack::append_prefixed_integer(out, 0xc0, 6, static_cast<uint64_t>(index));
  char code[3] = {static_cast<char>('0' + status / 100 % 10),
                  static_cast<char>('0' + status / 10 % 10), static_cast<char>('0' + status % 10)};
  hpack::append_prefixed_integer(out, 0x50, 4, 24);
  put_string(out, 0x00, 7, {code, 3});
}

std::string_view ResponseFieldCache::server_and_date(std::time_t now) {
  if (now != second_) {
    second_ = now;
    server_and_date_.clear();
    encode_field(server_and_date_, "server", "sluice");
    encode_field(server_and_date_, "date", http_date(now));
  }
  return server_and_date_;
}

std::string_view ResponseFieldCache::encode(const Headers& headers) {
  if (valid_ && headers.list() == list_) return encoded_;
  encoded_.clear();  // a new list: encoded once, then known by the copy below
  for (const auto& [name, value] : headers.list())
    if (!is_connection_specific(name)) encode_field(encoded_, ascii_lower(name), value);
  list_ = headers.list();
  valid_ = true;
  return encoded_;
}

}  // namespace sluice::qpack
