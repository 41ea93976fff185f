// libFuzzer target "url": the parser `sluice get` runs on its URLs
// (parse_url) and the resolver of Location headers (resolve_reference).
// Input: "URL", or "URL\nREFERENCE" to resolve REFERENCE against URL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/http/url.hpp"

namespace {

bool same_parts(const sluice::Url& a, const sluice::Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.target == b.target;
}

// A URL as the parser hands it over is complete, and written out (str(),
// which is what a request and a redirect use) it parses back to the same
// parts: whatever parse_url accepts, the rest of sluice may print and re-read.
void check(const sluice::Url& u) {
  if (u.scheme != "http" && u.scheme != "https") __builtin_trap();
  if (u.host.empty() || u.port == 0 || !u.target.starts_with('/')) __builtin_trap();
  auto again = sluice::parse_url(u.str());
  if (!again || !same_parts(u, *again)) __builtin_trap();
  (void)u.file_name();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  auto base = sluice::parse_url(input.substr(0, nl));
  if (!base) return 0;
  check(*base);
  if (nl == std::string_view::npos) return 0;
  if (auto resolved = sluice::resolve_reference(*base, input.substr(nl + 1))) check(*resolved);
  return 0;
}
