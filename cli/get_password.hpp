// `sluice get -u USER` without ":PASSWORD": the password is asked for on the
// terminal, with echo off, as curl asks for it.
#pragma once

#include <string>

#include "core/util/error.hpp"

namespace sluice::cli {

// Reads one line from /dev/tty after the prompt "Enter host password for user
// 'USER':". Fails when there is no terminal to ask on (a script must say
// -u USER:PASSWORD), or when the line cannot be read.
Result<std::string> ask_password(const std::string& user);

}  // namespace sluice::cli
