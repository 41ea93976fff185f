// Durations on the command line: "10s", "1m", "500ms", "2h", or plain seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

// curl's --rate "N/U": N transfer starts per U, where U is s, m, h or d,
// maybe with a count first ("25/7m"); "N" alone is per hour. The time
// between two starts; nullopt for anything else (N of 0 too).
std::optional<std::chrono::nanoseconds> parse_rate(std::string_view s);

}  // namespace sluice::cli
