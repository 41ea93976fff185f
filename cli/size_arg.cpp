#include "cli/size_arg.hpp"

#include <cctype>
#include <charconv>

namespace sluice::cli {

std::optional<uint64_t> parse_size(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  std::string_view rest(p, static_cast<std::size_t>(s.data() + s.size() - p));
  if (rest.empty()) return v;
  if (rest.size() > 1 && !(rest.size() == 2 && (rest[1] == 'B' || rest[1] == 'b')) &&
      rest != "KiB" && rest != "MiB" && rest != "GiB" && rest != "TiB")
    return std::nullopt;
  int shift = 0;
  switch (std::tolower(static_cast<unsigned char>(rest[0]))) {
    case 'k':
      shift = 10;
      break;
    case 'm':
      shift = 20;
      break;
    case 'g':
      shift = 30;
      break;
    case 't':
      shift = 40;
      break;
    default:
      return std::nullopt;
  }
  if (v > (UINT64_MAX >> shift)) return std::nullopt;
  return v << shift;
}

}  // namespace sluice::cli
