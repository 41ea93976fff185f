// libFuzzer target "serve_target": how serve turns a request-target into a
// file path and a Location (core/serve/request_target.*): split_target,
// percent-decoding, normalize_(absolute_)path, is_normal_path, percent_encode_path,
// query_param and parse_u64. Input: the request-target.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/serve/request_target.hpp"

namespace {

namespace serve = sluice::serve;

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// A normalised path stays under the root whatever was asked: absolute, no
// empty, "." or ".." segment, and normalising it again changes nothing.
void check_normalized(const std::string& abs, std::string_view decoded) {
  if (!abs.starts_with('/') || !serve::path_within(abs, "/")) __builtin_trap();
  if (abs.size() > 1 && abs.back() == '/') __builtin_trap();
  std::string_view rest(abs);
  rest.remove_prefix(1);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty() || seg == "." || seg == "..") __builtin_trap();
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  auto again = serve::normalize_absolute_path(abs);
  if (!again || *again != abs) __builtin_trap();
  auto relative = serve::normalize_path(decoded);
  if (!relative || *relative != abs.substr(1)) __builtin_trap();
}

// What a redirect's Location carries: only safe characters, reads back as
// the path, and never a scheme-relative "//host" or "/\host".
void check_location(const std::string& abs) {
  std::string enc = serve::percent_encode_path(abs);
  if (enc.starts_with("//") || enc.starts_with("/\\")) __builtin_trap();
  for (char c : enc)
    if (c == '\\' || c == '?' || c == '#' || c == ' ' || static_cast<unsigned char>(c) >= 0x80)
      __builtin_trap();
  auto back = serve::percent_decode(enc);
  if (!back || *back != abs) __builtin_trap();
}

// parse_u64 takes whole decimal strings only, and gives their value.
void check_u64(std::string_view s) {
  auto v = serve::parse_u64(s);
  if (!v) return;
  for (char c : s)
    if (c < '0' || c > '9') __builtin_trap();
  auto digits = s.find_first_not_of('0');
  std::string_view canonical = digits == std::string_view::npos ? "0" : s.substr(digits);
  if (std::to_string(*v) != canonical) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto target = serve::split_target(input);
  if (!target) return 0;
  if (!target->path.starts_with('/')) __builtin_trap();
  if (target->path.find_first_of("?#") != std::string_view::npos) __builtin_trap();
  if (target->query.find('#') != std::string_view::npos) __builtin_trap();
  if (!target->path.empty() && target->path != "/" && !inside(target->path, input))
    __builtin_trap();
  std::string_view query = target->query;
  auto name = query.substr(0, query.find_first_of("=&"));
  if (auto value = serve::query_param(query, name); value && !value->empty()) {
    if (!inside(*value, query)) __builtin_trap();
    check_u64(*value);
  }
  check_u64(query);
  auto decoded = serve::percent_decode(target->path);
  // The router's shortcut: a path it takes as it is must be what decoding
  // and normalising would have made of it.
  if (serve::is_normal_path(target->path)) {
    auto abs = decoded ? serve::normalize_absolute_path(*decoded) : std::nullopt;
    if (!abs || *abs != target->path) __builtin_trap();
  }
  if (!decoded) return 0;
  if (auto abs = serve::normalize_absolute_path(*decoded)) {
    check_normalized(*abs, *decoded);
    check_location(*abs);
  } else if (serve::normalize_path(*decoded)) {
    __builtin_trap();  // the two agree on what they refuse
  }
  return 0;
}
