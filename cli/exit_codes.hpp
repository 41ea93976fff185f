// Error -> process exit code, curl's numbers. The only place exit codes live.
#pragma once

#include "core/util/error.hpp"

namespace sluice::cli {

int exit_code(Errc code);

}  // namespace sluice::cli
