// Standard base64 (RFC 4648 alphabet, '=' padding), as java.util.Base64 and
// hdr-histogram-js write around the compressed histogram: the bench codec's
// byte-vector face of core/util/base64.
#include <cctype>

#include "core/bench/hdr_codec.hpp"
#include "core/util/base64.hpp"

namespace sluice::bench {

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  return sluice::base64_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

// Strict apart from surrounding whitespace (a line read from a log file) and
// missing padding.
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  std::string_view unpadded = text.substr(0, text.find_last_not_of('=') + 1);
  if (unpadded.size() % 4 == 1) return fail(Errc::bad_argument, "base64: bad length");
  auto bytes = sluice::base64_decode(text);
  if (!bytes) return fail(Errc::bad_argument, "base64: invalid character");
  return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
}

}  // namespace sluice::bench
