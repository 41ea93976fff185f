// `sluice get`'s socket options, as curl has them: --interface NAME|ADDR
// ("if!NAME", "host!ADDR" too), --local-port NUM[-NUM], --no-keepalive and
// --keepalive-time SECONDS, into the TcpClientOptions every connection uses.
#pragma once

#include <string>

#include "core/net/tcp.hpp"

namespace sluice::cli {

struct LocalEndArgs {
  std::string interface, local_port;
  bool no_keepalive = false;
  long keepalive_time = -1;  // -1: not given (curl's 60 s)
};

// A malformed value is Errc::bad_argument (curl's exit 2); an interface that
// cannot be bound is found at connect time (exit 45).
Result<TcpClientOptions> local_end_options(const LocalEndArgs& a);

}  // namespace sluice::cli
