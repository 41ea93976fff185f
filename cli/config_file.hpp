// `sluice get -K FILE`: curl's config file syntax, expanded into command-line
// arguments in place of "-K FILE" before parsing.
//
//   # a comment
//   url = "https://example.com/a b"
//   --header "X-A: 1"
//   silent
//   -o out.txt
//
// One option per line, its leading dashes optional for long names; the
// value follows after spaces, '=' or ':', in double quotes (with \" \\ \t
// \n \r \v escapes) or up to the next space. "-K -" reads standard input.
#pragma once

#include <string>
#include <vector>

#include "cli/option_table.hpp"
#include "core/util/error.hpp"

namespace sluice::cli {

// The arguments of one config file's text, as "--name" (or "-n") and value
// tokens; `spec` tells which options take a value.
Result<std::vector<std::string>> config_arguments(const CommandSpec& spec, const std::string& text);

// args with every "-K FILE" / "--config FILE" / "--config=FILE" replaced by
// the file's arguments (files may name more files, 10 deep at most).
Result<std::vector<std::string>> expand_config(const CommandSpec& spec,
                                               std::vector<std::string> args, int depth = 0);

}  // namespace sluice::cli
