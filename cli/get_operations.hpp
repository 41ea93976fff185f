// curl's --next (-:): one command line, several operations, each with its own
// options and URLs. The arguments are split before any parsing, and an
// option's value is never taken for a divider (`-d --next` sends "--next").
#pragma once

#include <string>
#include <vector>

#include "cli/option_table.hpp"

namespace sluice::cli {

// The arguments of each operation, in order (always at least one, perhaps
// empty). Nothing after "--" divides.
std::vector<std::vector<std::string>> split_operations(const CommandSpec& spec,
                                                       const std::vector<std::string>& args);

// Whether arg divides operations: "--next" or "-:".
bool is_divider(const std::string& arg);

}  // namespace sluice::cli
