// Each subcommand lives in its own file and offers the same three things:
// its argument struct, its option table (bound to that struct) and its runner,
// which returns the process exit code.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/option_table.hpp"

namespace sluice::cli {

struct GetArgs;
struct ServeArgs;
struct ProbeArgs;
struct BenchArgs;

std::shared_ptr<GetArgs> make_get_args();
CommandSpec get_spec(GetArgs& a);
int run_get(GetArgs& a);

std::shared_ptr<ServeArgs> make_serve_args();
CommandSpec serve_spec(ServeArgs& a);
int run_serve(ServeArgs& a);

std::shared_ptr<ProbeArgs> make_probe_args();
CommandSpec probe_spec(ProbeArgs& a);
int run_probe(ProbeArgs& a);

std::shared_ptr<BenchArgs> make_bench_args();
CommandSpec bench_spec(BenchArgs& a);
int run_bench(BenchArgs& a);

// The exit-code table (curl's numbers), shared by --help and the man page.
const std::string& exit_code_table();

}  // namespace sluice::cli
