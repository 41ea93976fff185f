// Every option curl 8.14 lists in `curl --help all`: an unknown option that
// is one of these gets a hint that it is curl's and sluice lacks it.
#pragma once

#include <string_view>

namespace sluice::cli {

bool is_curl_option(std::string_view name);

}  // namespace sluice::cli
