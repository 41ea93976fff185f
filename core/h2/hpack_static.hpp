// HPACK's static table (RFC 7541 Appendix A), shared by the decoder and the
// encoder.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::hpack {

struct Field {
  std::string_view name, value;
};

inline constexpr std::size_t kStaticEntries = 61;

// index: 1 to kStaticEntries.
const Field& static_entry(std::size_t index);

// Where name and value sit in the static table: `full` the entry with both
// (0: none), `name` the first entry with that name (0: none).
struct StaticMatch {
  std::size_t full = 0, name = 0;
};
StaticMatch static_find(std::string_view name, std::string_view value);

}  // namespace sluice::hpack
