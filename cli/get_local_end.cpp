#include "cli/get_local_end.hpp"

#include <fmt/format.h>

#include <string_view>

#include "cli/port_arg.hpp"

namespace sluice::cli {

namespace {

// --local-port NUM or NUM-NUM (the first free one is taken).
Result<void> local_port(std::string_view s, TcpClientOptions& o) {
  auto dash = s.find('-');
  auto first = parse_port(s.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : parse_port(s.substr(dash + 1));
  if (!first || !last || *last < *first)
    return fail(Errc::bad_argument, fmt::format("--local-port: bad port or range '{}'", s));
  o.local_port = *first;
  o.local_port_max = *last;
  return {};
}

// --interface: "if!NAME" a device, "host!ADDR" an address, else an address
// when it is numeric and a device name otherwise (curl also resolves host
// names here; sluice takes addresses only).
Result<void> interface(std::string_view s, TcpClientOptions& o) {
  if (s.starts_with("if!")) {
    o.device = s.substr(3);
  } else if (s.starts_with("host!")) {
    auto a = parse_numeric(s.substr(5), 0);
    if (!a)
      return fail(Errc::interface_failed,
                  fmt::format("Couldn't bind to '{}': not a numeric address", s.substr(5)));
    o.local_addr = *a;
  } else if (auto a = parse_numeric(s, 0)) {
    o.local_addr = *a;
  } else {
    o.device = s;
  }
  if (o.device.empty() && !o.local_addr)
    return fail(Errc::bad_argument, "--interface: empty interface name");
  return {};
}

}  // namespace

Result<TcpClientOptions> local_end_options(const LocalEndArgs& a) {
  TcpClientOptions o;
  o.keepalive = !a.no_keepalive;
  if (a.keepalive_time != -1) {
    if (a.keepalive_time < 0 || a.keepalive_time > 0x7fffffff)
      return fail(Errc::bad_argument, "--keepalive-time: expected seconds, 0 or more");
    o.keepalive_s = static_cast<int>(a.keepalive_time);
  }
  if (!a.local_port.empty())
    if (auto r = local_port(a.local_port, o); !r) return std::unexpected(r.error());
  if (!a.interface.empty())
    if (auto r = interface(a.interface, o); !r) return std::unexpected(r.error());
  return o;
}

}  // namespace sluice::cli
