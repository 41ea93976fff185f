// curl's --proto and --proto-redir lists ("=https", "-http", "+https,http",
// "all"), over the two protocols sluice speaks.
#pragma once

#include <functional>
#include <string_view>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

// Applies LIST to `set`: '=' first clears it, '-' removes, '+' (or none) adds;
// "all" stands for every protocol. A protocol curl knows and sluice does not
// speak changes nothing; one nobody knows is warned about, as curl does.
fetch::SchemeSet apply_proto_list(std::string_view list, fetch::SchemeSet set,
                                  const std::function<void(std::string_view)>& warn);

}  // namespace sluice::cli
