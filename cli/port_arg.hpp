// A TCP/UDP port on the command line: 1-65535, digits only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::cli {

std::optional<uint16_t> parse_port(std::string_view s);

}  // namespace sluice::cli
