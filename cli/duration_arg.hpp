// Durations on the command line: "10s", "1m", "500ms", "2h", or plain seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

}  // namespace sluice::cli
