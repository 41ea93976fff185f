#include "cli/get_connect_to.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "cli/port_arg.hpp"

namespace sluice::cli {

namespace {

// One field of the entry from the front of rest: a host (bracketed for IPv6)
// or a port, up to the next ':' (the last field: to the end).
std::optional<std::string_view> take_field(std::string_view& rest, bool host, bool last) {
  std::size_t end = 0;
  if (host && !rest.empty() && rest.front() == '[') {
    end = rest.find(']');
    if (end == std::string_view::npos) return std::nullopt;
    ++end;
  }
  std::size_t colon = rest.find(':', end);
  if (last) {
    if (colon != std::string_view::npos) return std::nullopt;
    colon = rest.size();
  } else if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view field = rest.substr(0, colon);
  rest.remove_prefix(std::min(colon + 1, rest.size()));
  if (field.size() >= 2 && field.front() == '[') field = field.substr(1, field.size() - 2);
  return field;
}

// "" is 0 (any, or the URL's); otherwise 1-65535.
std::optional<uint16_t> port_or_any(std::string_view s) {
  if (s.empty()) return uint16_t{0};
  return parse_port(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<std::vector<fetch::ConnectToEntry>> parse_connect_to(const std::vector<std::string>& list) {
  std::vector<fetch::ConnectToEntry> out;
  for (const auto& item : list) {
    std::string_view rest = item;
    auto from_host = take_field(rest, true, false);
    auto from_port = from_host ? take_field(rest, false, false) : std::nullopt;
    auto to_host = from_port ? take_field(rest, true, false) : std::nullopt;
    auto to_port = to_host ? take_field(rest, false, true) : std::nullopt;
    if (!to_port)
      return fail(Errc::option_syntax,
                  fmt::format("--connect-to '{}': expected HOST1:PORT1:HOST2:PORT2", item));
    auto p1 = port_or_any(*from_port), p2 = port_or_any(*to_port);
    if (!p1 || !p2)
      return fail(Errc::option_syntax, fmt::format("--connect-to '{}': bad port", item));
    out.push_back({lower(*from_host), lower(*to_host), *p1, *p2});
  }
  return out;
}

}  // namespace sluice::cli
