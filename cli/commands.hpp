// Each subcommand lives in its own file and offers one Command: its option
// table, bound to that file's argument struct, and its runner, which reads
// the same struct and returns the process exit code.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cli/option_table.hpp"

namespace sluice::cli {

struct Command {
  CommandSpec spec;
  std::function<int()> run;  // after the options were parsed into the struct the spec binds
  // get only (curl's --next): a fresh option table for each operation after
  // the first, bound to arguments of its own that run() then runs too.
  std::function<CommandSpec()> next_operation;
};

Command get_command();
Command serve_command();
Command probe_command();
Command bench_command();

// A fresh Args, its option table, and its runner, in one Command that keeps
// the Args alive. Each subcommand's file instantiates it, where Args is
// complete.
template <class Args>
Command make_command(CommandSpec (*spec_of)(Args&), int (*run)(Args&)) {
  auto args = std::make_shared<Args>();
  CommandSpec spec = spec_of(*args);
  return {std::move(spec), [args, run] { return run(*args); }};
}

// The exit-code table (curl's numbers), shared by --help and the man page.
const std::string& exit_code_table();

}  // namespace sluice::cli
