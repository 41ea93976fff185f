// Shared by the fuzz targets: parses a complete HTTP/1.1 response with the
// client's ResponseParser, as `sluice get` would read it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::fuzz {

struct ParsedResponse {
  int status = 0;
  std::string body;
};

// nullopt unless `wire` holds exactly one complete response (after any 1xx),
// ended by its framing or, when close_ends is set, by the connection closing.
std::optional<ParsedResponse> parse_whole_response(std::string_view wire, bool head_request,
                                                   bool close_ends);

}  // namespace sluice::fuzz
