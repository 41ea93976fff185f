// Sizes on the command line: "1048576", "256k", "1M", "2G" (binary multiples).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::cli {

std::optional<uint64_t> parse_size(std::string_view s);

}  // namespace sluice::cli
