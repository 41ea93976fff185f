// The first command-line option a subcommand does not have, found before
// CLI11 parses: a pasted curl command then fails with "option -x is not
// supported" (and that it is curl's), not with CLI11's "The following
// argument was not expected", and an unknown flag's argument is never taken
// for a URL.
#pragma once

#include <optional>
#include <string>

#include "cli/option_table.hpp"

namespace sluice::cli {

// nullopt when every option in args[1..argc) is one of spec's (or -h/--help).
// Otherwise the one-line message for the first that is not.
std::optional<std::string> unknown_option(const CommandSpec& spec, int argc, char** argv);

}  // namespace sluice::cli
