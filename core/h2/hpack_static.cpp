#include "core/h2/hpack_static.hpp"

#include <array>

namespace sluice::hpack {

namespace {

constexpr std::array<Field, kStaticEntries> kTable = {{
    {":authority", ""},
    {":method", "GET"},
    {":method", "POST"},
    {":path", "/"},
    {":path", "/index.html"},
    {":scheme", "http"},
    {":scheme", "https"},
    {":status", "200"},
    {":status", "204"},
    {":status", "206"},
    {":status", "304"},
    {":status", "400"},
    {":status", "404"},
    {":status", "500"},
    {"accept-charset", ""},
    {"accept-encoding", "gzip, deflate"},
    {"accept-language", ""},
    {"accept-ranges", ""},
    {"accept", ""},
    {"access-control-allow-origin", ""},
    {"age", ""},
    {"allow", ""},
    {"authorization", ""},
    {"cache-control", ""},
    {"content-disposition", ""},
    {"content-encoding", ""},
    {"content-language", ""},
    {"content-length", ""},
    {"content-location", ""},
    {"content-range", ""},
    {"content-type", ""},
    {"cookie", ""},
    {"date", ""},
    {"etag", ""},
    {"expect", ""},
    {"expires", ""},
    {"from", ""},
    {"host", ""},
    {"if-match", ""},
    {"if-modified-since", ""},
    {"if-none-match", ""},
    {"if-range", ""},
    {"if-unmodified-since", ""},
    {"last-modified", ""},
    {"link", ""},
    {"location", ""},
    {"max-forwards", ""},
    {"proxy-authenticate", ""},
    {"proxy-authorization", ""},
    {"range", ""},
    {"referer", ""},
    {"refresh", ""},
    {"retry-after", ""},
    {"server", ""},
    {"set-cookie", ""},
    {"strict-transport-security", ""},
    {"transfer-encoding", ""},
    {"user-agent", ""},
    {"vary", ""},
    {"via", ""},
    {"www-authenticate", ""},
}};

}  // namespace

const Field& static_entry(std::size_t index) {
  return kTable[index - 1];
}

// A scan of 61 short names would cost more than the rest of encoding a field,
// so names are first told apart by length and first letter.
StaticMatch static_find(std::string_view name, std::string_view value) {
  struct Bucket {
    std::array<uint8_t, 4> entries{};  // 1-based indices, first of each name
  };
  static const auto buckets = [] {
    std::array<std::array<Bucket, 32>, 32> b{};  // [length][first letter & 31]
    for (std::size_t i = 1; i <= kStaticEntries; ++i) {
      std::string_view n = kTable[i - 1].name;
      Bucket& bucket = b[n.size()][n[0] & 31];
      for (auto& e : bucket.entries) {
        if (e != 0 && kTable[e - 1].name == n) break;  // the name's first entry is there
        if (e == 0) {
          e = static_cast<uint8_t>(i);
          break;
        }
      }
    }
    return b;
  }();
  StaticMatch m;
  if (name.empty() || name.size() >= 32) return m;
  for (uint8_t first : buckets[name.size()][name[0] & 31].entries) {
    if (first == 0) break;
    if (kTable[first - 1].name != name) continue;
    m.name = first;
    for (std::size_t i = first; i <= kStaticEntries && kTable[i - 1].name == name; ++i)
      if (kTable[i - 1].value == value) m.full = i;
    break;
  }
  return m;
}

}  // namespace sluice::hpack
