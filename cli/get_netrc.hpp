// -n/--netrc, --netrc-file and --netrc-optional: credentials per host from a
// .netrc file, read as curl reads it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/fetch/fetch.hpp"
#include "core/util/error.hpp"

namespace sluice::cli {

// The entries of a .netrc text: "machine NAME", "default", "login", "password"
// ("account" is skipped, "macdef NAME" up to the next blank line too), tokens
// separated by blanks and newlines, "quoted" with \" \\ \n \r \t escapes, and
// '#' starting a comment to the end of its line.
std::vector<fetch::NetrcEntry> parse_netrc(std::string_view text);

// The entries of FILE (empty: ~/.netrc). A file that cannot be read is
// curl's exit 26, unless optional.
Result<std::vector<fetch::NetrcEntry>> load_netrc(const std::string& file, bool optional);

}  // namespace sluice::cli
