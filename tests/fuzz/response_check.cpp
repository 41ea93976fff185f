#include "tests/fuzz/response_check.hpp"

#include <span>

#include "core/h1/response_parser.hpp"

namespace sluice::fuzz {

std::optional<ParsedResponse> parse_whole_response(std::string_view wire, bool head_request,
                                                   bool close_ends) {
  ParsedResponse out;
  ResponseParser::Events ev;
  ev.headers = [&](Response& r) { out.status = r.status; };
  ev.body = [&](std::span<const char> b) { out.body.append(b.data(), b.size()); };
  ResponseParser parser(std::move(ev));
  parser.expect_head_response(head_request);
  std::size_t consumed = 0;
  if (!parser.feed(std::span<const char>(wire.data(), wire.size()), consumed)) return std::nullopt;
  if (consumed != wire.size()) return std::nullopt;  // bytes after the response
  if (!parser.done() && !(close_ends && parser.finish())) return std::nullopt;
  return out;
}

}  // namespace sluice::fuzz
