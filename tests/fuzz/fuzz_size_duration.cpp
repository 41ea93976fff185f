// libFuzzer target "size_duration": the command line's size ("--max-buffer
// 1M", parse_size) and duration ("--duration 10s", parse_duration) parsers.
// Input: one argument, given to both.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cli/duration_arg.hpp"
#include "cli/size_arg.hpp"

namespace {

using sluice::cli::parse_duration;
using sluice::cli::parse_size;

// A size that parses is a whole number of bytes: written in decimal it reads
// back the same, and a multiple of a binary unit reads the same with the unit.
void check_size(std::string_view arg) {
  auto v = parse_size(arg);
  if (!v) return;
  if (parse_size(std::to_string(*v)) != v) __builtin_trap();
  if (*v != 0 && *v % 1024 == 0 && parse_size(std::to_string(*v / 1024) + "k") != v)
    __builtin_trap();
  if (*v != 0 && *v % (1024 * 1024) == 0 && parse_size(std::to_string(*v >> 20) + "MiB") != v)
    __builtin_trap();
}

// A duration that parses is never negative (a --duration or timeout below
// zero means nothing), and its milliseconds read back the same.
void check_duration(std::string_view arg) {
  auto d = parse_duration(arg);
  if (!d) return;
  if (d->count() < 0) __builtin_trap();
  if (parse_duration(std::to_string(d->count()) + "ms") != d) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view arg(reinterpret_cast<const char*>(data), size);
  check_size(arg);
  check_duration(arg);
  return 0;
}
