// `sluice get --connect-to HOST1:PORT1:HOST2:PORT2`, as curl has it: requests
// for HOST1:PORT1 connect to HOST2:PORT2 instead, while the URL, the Host
// header and TLS (SNI, the certificate's name) stay HOST1's.
#pragma once

#include <string>
#include <vector>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

// Each entry: an empty HOST1 or PORT1 matches any, an empty HOST2 or PORT2
// keeps the URL's; an IPv6 address goes in brackets. A malformed entry is
// Errc::bad_argument (curl ignores it and connects where the URL says, which
// a pasted command never wants).
Result<std::vector<fetch::ConnectToEntry>> parse_connect_to(const std::vector<std::string>& list);

}  // namespace sluice::cli
