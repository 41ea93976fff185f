// Error -> process exit code, curl's numbers. The only place exit codes live.
#pragma once

#include <string_view>

#include "core/util/error.hpp"

namespace sluice::cli {

int exit_code(Errc code);

// A command that ends on an error: prints "WHO: MESSAGE" on stderr and
// returns the exit code for it.
int print_failure(std::string_view who, const Error& e);
// The same in curl's form, "WHO: (CODE) MESSAGE" (get, bench).
int print_coded_failure(std::string_view who, const Error& e);

}  // namespace sluice::cli
